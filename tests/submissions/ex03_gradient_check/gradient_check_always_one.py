"""expect: lose gradient_check
gradient_check always reports a disagreement: it returns 1.0 without looking.
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
    return 1.0
