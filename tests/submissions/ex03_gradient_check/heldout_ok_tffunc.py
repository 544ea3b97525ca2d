"""expect: full
Held-out (written from the contract alone): ex03: @tf.function-free numerics but tf.function for the tape; nditer readonly + copy."""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    out = np.zeros_like(x, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        h = np.zeros_like(x)
        h[ix] = eps
        out[ix] = (f(x + h) - f(x - h)) / (2 * eps)
    return out


def relative_error(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    err = np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))
    return float(np.amax(err))


def tape_gradient(f, x):
    @tf.function
    def g(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = f(t)
        return tape.gradient(y, t)
    return g(tf.constant(x, dtype=tf.float64)).numpy()


def gradient_check(f, x, eps=1e-6):
    return relative_error(tape_gradient(f, x),
                          numerical_gradient(lambda v: float(f(tf.constant(v))), x, eps))
