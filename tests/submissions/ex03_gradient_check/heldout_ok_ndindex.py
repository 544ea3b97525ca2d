"""expect: full
Held-out (written from the contract alone): ex03: np.ndindex loop on a private copy; tf.constant + watch."""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    x_work = np.array(x, dtype=np.float64, copy=True)
    grad = np.empty(x_work.shape, dtype=np.float64)
    for idx in np.ndindex(*x_work.shape):
        orig = x_work[idx]
        x_work[idx] = orig + eps
        plus = float(f(x_work))
        x_work[idx] = orig - eps
        minus = float(f(x_work))
        x_work[idx] = orig
        grad[idx] = (plus - minus) / (2.0 * eps)
    return grad


def relative_error(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    denom = np.maximum(1e-12, np.abs(a) + np.abs(b))
    return np.max(np.abs(a - b) / denom).item()


def tape_gradient(f, x):
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        out = f(x_t)
    g = tape.gradient(out, x_t)
    return np.asarray(g).reshape(np.shape(x))


def gradient_check(f, x, eps=1e-6):
    def f_numpy(v):
        return float(f(tf.constant(v)))
    analytic = tape_gradient(f, x)
    numeric = numerical_gradient(f_numpy, x, eps)
    return relative_error(analytic, numeric)
