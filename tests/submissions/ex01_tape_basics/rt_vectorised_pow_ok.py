"""expect: full
Red team (written from the contract alone).
Vectorised polynomial (powers from tf.range, reduce_sum), float64 Variables everywhere,
functools.partial helpers, numpy scalar/array returns."""
import functools
import numpy as np
import tensorflow as tf


def _grad(fn, var):
    with tf.GradientTape() as tape:
        out = fn(var)
    return tape.gradient(out, var, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def grad_of_square(w0):
    w = tf.Variable(np.float64(w0))
    return np.float64(_grad(tf.square, w).numpy())


def _poly(coeffs, x):
    c = tf.constant(coeffs, dtype=tf.float64)
    k = tf.range(len(coeffs), dtype=tf.float64)
    return tf.reduce_sum(c * tf.pow(x, k))


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(np.float64(x0))
    return float(_grad(functools.partial(_poly, list(coeffs)), x))


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    g = tape.gradient(y, x0, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return g.numpy()


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(np.float64(x0))
    for _ in range(steps):
        x.assign_sub(lr * _grad(f, x))
    return x.numpy()
