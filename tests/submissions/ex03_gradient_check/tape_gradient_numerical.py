"""expect: lose tape_gradient, gradient_check
tape_gradient takes central differences of f on tensors instead of using the tape.
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
    x = np.asarray(x, dtype=np.float64)
    h = 1e-5
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        grad[idx] = (float(f(tf.constant(x + e))) - float(f(tf.constant(x - e)))) / (2 * h)
    return grad
def gradient_check(f, x, eps=1e-6):
    def f_numpy(v):
        return float(f(tf.constant(v)))
    return relative_error(tape_gradient(f, x), numerical_gradient(f_numpy, x, eps))
