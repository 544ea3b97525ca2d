"""expect: lose relative_error; maybe gradient_check
relative_error returns 1.0 whatever it is given (right only where the signs differ).
"""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        xp = np.array(x, dtype=np.float64, copy=True)
        xm = np.array(x, dtype=np.float64, copy=True)
        xp[idx] += eps
        xm[idx] -= eps
        grad[idx] = (f(xp) - f(xm)) / (2 * eps)
    return grad


def relative_error(a, b):
    return 1.0
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
