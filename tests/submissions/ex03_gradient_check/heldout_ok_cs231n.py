"""expect: full
Held-out (written from the contract alone): ex03: cs231n style -- np.nditer with multi_index, rel_error."""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + eps
        fxph = f(x)
        x[ix] = oldval - eps
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * eps)
        it.iternext()
    return grad


def rel_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))


relative_error = rel_error


def tape_gradient(f, x):
    xt = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = f(xt)
    return tape.gradient(y, xt).numpy()


def gradient_check(f, x, eps=1e-6):
    f_numpy = lambda v: float(f(tf.constant(v)))
    return relative_error(tape_gradient(f, x), numerical_gradient(f_numpy, x, eps))
