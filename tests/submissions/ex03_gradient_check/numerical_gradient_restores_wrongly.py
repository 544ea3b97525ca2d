"""expect: lose numerical_gradient; maybe gradient_check
I nudge x in place (+eps, then -2*eps) and "restore" it with +2*eps: each coordinate is left eps
too high, and every later coordinate is measured at the shifted x.
"""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        x[idx] += eps
        f_plus = f(x)
        x[idx] -= 2 * eps
        f_minus = f(x)
        x[idx] += 2 * eps           # meant to undo the -2*eps, but the +eps was never undone
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad
def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))


def tape_gradient(f, x):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = f(xt)
    g = tape.gradient(y, xt, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return g.numpy()


def gradient_check(f, x, eps=1e-6):
    def f_numpy(v):
        return float(f(tf.constant(v)))
    return relative_error(tape_gradient(f, x), numerical_gradient(f_numpy, x, eps))
