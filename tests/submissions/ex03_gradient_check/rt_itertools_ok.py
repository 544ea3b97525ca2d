"""expect: full
Red team (written from the contract alone).
itertools.product over the shape, x.item / item assignment on one private copy, relative_error
in TensorFlow (float64) returned as a Python float, tape on a tf.Variable, f_numpy via functools."""
import functools
import itertools
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    work = np.array(x, dtype=np.float64, copy=True)
    grad = np.empty_like(work)
    for idx in itertools.product(*[range(s) for s in work.shape]):
        old = work.item(idx) if idx else work.item()
        work[idx] = old + eps
        hi = f(work)
        work[idx] = old - eps
        lo = f(work)
        work[idx] = old
        grad[idx] = (hi - lo) / (2 * eps)
    return grad


def relative_error(a, b):
    a = tf.constant(np.asarray(a, dtype=np.float64))
    b = tf.constant(np.asarray(b, dtype=np.float64))
    num = tf.abs(a - b)
    den = tf.maximum(tf.constant(1e-12, tf.float64), tf.abs(a) + tf.abs(b))
    return float(tf.reduce_max(num / den))


def tape_gradient(f, x):
    v = tf.Variable(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v).numpy()


def _as_numpy_fn(f, v):
    return float(f(tf.constant(v)))


def gradient_check(f, x, eps=1e-6):
    return relative_error(tape_gradient(f, x), numerical_gradient(functools.partial(_as_numpy_fn, f), x, eps))
