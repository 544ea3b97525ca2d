"""expect: lose numerical_gradient; maybe gradient_check
Red team (written from the contract alone).
Step scaled by the coordinate (h = eps * |x_i|): zero step (0/0) at x_i = 0 and a far too small step for small x_i."""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    xc = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(xc)
    for idx in np.ndindex(xc.shape):
        old = xc[idx]
        h = eps * abs(old)
        xc[idx] = old + h
        fp = f(xc)
        xc[idx] = old - h
        fm = f(xc)
        xc[idx] = old
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))


def tape_gradient(f, x):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = f(t)
    return tape.gradient(y, t).numpy()


def gradient_check(f, x, eps=1e-6):
    f_numpy = lambda v: float(f(tf.constant(v)))
    return relative_error(tape_gradient(f, x), numerical_gradient(f_numpy, x, eps))
