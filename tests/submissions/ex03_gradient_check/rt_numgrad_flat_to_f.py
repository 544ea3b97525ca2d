"""expect: lose numerical_gradient; maybe gradient_check
Red team (written from the contract alone).
numerical_gradient calls f on the flattened 1-d copy instead of an array shaped like x."""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    xc = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(xc)
    flat = xc.ravel()
    g = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f(flat)
        flat[i] = old - eps
        fm = f(flat)
        flat[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g.reshape(xc.shape)


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
