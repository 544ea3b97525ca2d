"""Reference computations shared by several exercises (float64, TensorFlow on the trusted side).

Kept separate from ``solutions/`` on purpose: the grader must not import a file that students
also see and that a maintainer might edit into a mistake.  An exercise's own formulas (its
network, its loss and their gradients) live in its checks module; only what several exercises
use is here: the tape in float64, a stable sigmoid and softmax, accuracy, and the ``wavy`` test
function that ex01 and ex03 both hand to the learner.
"""

from __future__ import annotations

import numpy as np

from autograder.probes import Shipped


def tf():
    import tensorflow

    return tensorflow


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))  # stable for |z| large


def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)  # exp of a non-positive number never overflows
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def by_value(function):
    """Memoise an oracle of plain arrays (and plain keyword options) by the values it is given.

    Checks of one exercise ask for the same gradients (backprop and tape_gradients), and every
    submission a worker grades is given the same inputs: the tape runs once per worker, not once
    per check of every student.  Each caller gets its own copies."""
    import copy
    import functools
    import threading

    cache: dict = {}
    lock = threading.Lock()

    def key_of(value):
        import hashlib

        array = np.asarray(value)
        return (array.dtype.str, array.shape, hashlib.sha256(array.tobytes()).digest())  # a digest: x is 0.7 MB

    @functools.wraps(function)
    def cached(*arrays, **options):
        key = (tuple(key_of(a) for a in arrays), tuple(sorted(options.items())))
        with lock:
            hit = cache.pop(key, None)
            if hit is not None:
                cache[key] = hit  # the most recently used last: a student's own values do not push out the shared ones
        if hit is None:
            hit = function(*arrays, **options)
            with lock:
                if len(cache) >= 64:
                    cache.pop(next(iter(cache)))
                cache[key] = hit
        return copy.deepcopy(hit)

    cached.cache_clear = cache.clear  # as functools' caches
    _MEMOS.append(cached)
    return cached


_MEMOS: list = []  # every oracle memoised by by_value


def clear_memos() -> None:
    """Forget every memoised oracle value (bench/grading.py measures the oracle cold against warm)."""
    for memo in _MEMOS:
        memo.cache_clear()


def tape_gradients(loss_fn, *params):
    """Gradients of ``loss_fn(*params)`` w.r.t. every param, with tf.GradientTape in float64."""
    t = tf()
    variables = [t.Variable(np.asarray(p, dtype=np.float64)) for p in params]
    with t.GradientTape() as tape:
        loss = loss_fn(*variables)
    return float(loss.numpy()), [g.numpy() for g in tape.gradient(loss, variables)]


def accuracy(probabilities, labels) -> float:
    return float(np.mean(np.argmax(probabilities, axis=1) == np.asarray(labels).reshape(-1)))


# ---------------------------------------------------------------------------------------------
# wavy: f(x) = sum(sin(a*x) * x**2) + sum(x[:-1] * x[1:]) over the flattened x, for x shaped like a.  Its gradient is
# non-trivial and coordinate-dependent, so a gradient that is transposed, summed or scaled cannot
# match by accident.  The three forms below are the one definition (see autograder.probes).
# ---------------------------------------------------------------------------------------------


def wavy(a):
    import numpy as np
    import tensorflow as tf

    a = np.asarray(a)

    def wavy(x):
        if tuple(x.shape) != a.shape:  # a numerical_gradient that flattens x must not pass unseen
            raise ValueError(f"f takes an array shaped like x, {a.shape}; it was called with shape {tuple(x.shape)}")
        flat = tf.reshape(x, [-1])
        a_ = tf.cast(tf.reshape(a, [-1]), x.dtype)
        return tf.reduce_sum(tf.sin(a_ * flat) * flat**2) + tf.reduce_sum(flat[:-1] * flat[1:])

    return wavy


def wavy_numpy(a):
    import numpy as np

    a = np.asarray(a)

    def wavy(x):
        if np.shape(x) != a.shape:  # a numerical_gradient that flattens x must not pass unseen
            raise ValueError(f"f takes an array shaped like x, {a.shape}; it was called with shape {np.shape(x)}")
        flat = np.reshape(x, -1)
        return float(np.sum(np.sin(a.reshape(-1) * flat) * flat**2) + np.sum(flat[:-1] * flat[1:]))

    return wavy


def wavy_gradient(a, x):
    flat = np.reshape(x, -1)
    af = np.reshape(a, -1)
    grad = np.cos(af * flat) * af * flat**2 + 2 * flat * np.sin(af * flat)
    grad[:-1] += flat[1:]
    grad[1:] += flat[:-1]
    return grad.reshape(np.shape(x))


WAVY = Shipped(wavy, wavy_numpy, wavy_gradient)
