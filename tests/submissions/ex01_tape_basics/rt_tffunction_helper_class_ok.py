"""expect: full
Red team (written from the contract alone).
a tf.function step, float64, a helper class.
"""

import numpy as np
import tensorflow as tf

_ZERO = tf.UnconnectedGradients.ZERO

class _Tape:
    """helper object; module functions delegate to it"""
    @staticmethod
    def grad(fn, var):
        with tf.GradientTape() as t:
            out = fn(var)
        return t.gradient(out, var, unconnected_gradients=_ZERO)

def grad_of_square(w0):
    w = tf.Variable(w0, dtype=tf.float64)
    return float(_Tape.grad(lambda v: v ** 2, w).numpy())

def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(x0, dtype=tf.float64)
    def p(v):
        acc = tf.zeros((), tf.float64)
        pw = tf.ones((), tf.float64)
        for c in coeffs:
            acc = acc + c * pw
            pw = pw * v
        return acc
    return float(_Tape.grad(p, x))

def grad_wrt_constant(f, x0):
    with tf.GradientTape(persistent=False, watch_accessed_variables=False) as tape:
        tape.watch(x0)
        out = f(x0)
    return tape.gradient(out, x0).numpy()

@tf.function
def _step(f_dummy, x, lr):
    return x

def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(float(x0), dtype=tf.float64)
    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = f(x)
        g = tape.gradient(y, x)
        x.assign_sub(tf.cast(lr, x.dtype) * g)
    for _ in range(int(steps)):
        step()
    return float(x.numpy())
