"""Grader-owned objects the child builds by name: test functions, models, optimizers, losses.

Learner functions such as ``grad_wrt_constant(f, x0)`` take callables and Keras objects, which
cannot cross the process boundary; the trusted side names them (``records.Probe``) and the
child builds them here.  Each entry also has a plain-numpy twin used by the oracle.
"""

from __future__ import annotations

import numpy as np

# name -> (tensorflow implementation, numpy value, numpy gradient)
# The test functions are chosen with non-trivial, coordinate-dependent gradients so a gradient
# that is transposed, summed or scaled cannot match by accident.


def _tf():
    import tensorflow as tf

    return tf


def build_function(name: str, params: tuple):
    tf = _tf()
    if name == "quadratic_bowl":
        # f(x) = sum(c * (x - t)**2); minimum at t
        c, t = (np.asarray(p) for p in params)
        return lambda x: tf.reduce_sum(tf.cast(c, x.dtype) * (x - tf.cast(t, x.dtype)) ** 2)
    if name == "wavy":
        # f(x) = sum(sin(a*x) * x**2) + prod-free coupling: sum(x[:-1]*x[1:]) on the flattened x
        (a,) = (np.asarray(p) for p in params)

        def wavy(x):
            flat = tf.reshape(x, [-1])
            a_ = tf.cast(tf.reshape(a, [-1]), x.dtype)
            return tf.reduce_sum(tf.sin(a_ * flat) * flat**2) + tf.reduce_sum(flat[:-1] * flat[1:])

        return wavy
    if name == "scaled_square":
        # f(x) = s * sum(x**2): large s makes an absolute-error gradient check fail
        (s,) = params
        return lambda x: tf.cast(s, x.dtype) * tf.reduce_sum(x**2)
    if name == "hidden_cube":
        # the tape sees sum(x**2) only: stop_gradient hides the cube, so tape and numerics disagree
        return lambda x: tf.reduce_sum(x**2) + tf.stop_gradient(tf.reduce_sum(x**3))
    raise KeyError(f"unknown probe function {name!r}")


def build_function_numpy(name: str, params: tuple):
    """The numpy twin of ``build_function``: for the numerical-gradient checks (float64 in, float out)."""
    if name == "quadratic_bowl":
        c, t = (np.asarray(p) for p in params)
        return lambda x: float(np.sum(c * (x - t) ** 2))
    if name == "wavy":
        (a,) = (np.asarray(p) for p in params)

        def wavy(x):
            flat = np.reshape(x, -1)
            return float(np.sum(np.sin(a.reshape(-1) * flat) * flat**2) + np.sum(flat[:-1] * flat[1:]))

        return wavy
    if name == "scaled_square":
        (s,) = params
        return lambda x: float(s * np.sum(np.asarray(x) ** 2))
    raise KeyError(f"unknown probe function {name!r}")


def build(probe):
    """Build a ``records.Probe`` in the child."""
    tf = _tf()
    name, params = probe.name, tuple(probe.params)
    if name.startswith("fn:"):
        return build_function(name[3:], params)
    if name.startswith("np_fn:"):
        return build_function_numpy(name[6:], params)
    if name == "keras_mlp":
        # params: (n_features, hidden, n_classes, dtype, w1, b1, w2, b2)
        n_features, hidden, n_classes, dtype, *weights = params
        model = tf.keras.Sequential([
            tf.keras.Input(shape=(int(n_features),), dtype=dtype),
            tf.keras.layers.Dense(int(hidden), activation="relu", dtype=dtype),
            tf.keras.layers.Dense(int(n_classes), activation="softmax", dtype=dtype),
        ])
        model.set_weights([np.asarray(w, dtype=dtype) for w in weights])
        return model
    if name == "sgd":
        (lr,) = params
        return tf.keras.optimizers.SGD(float(lr))
    if name == "sparse_cce":
        return tf.keras.losses.SparseCategoricalCrossentropy()
    if name == "sparse_cce_sum":
        # summed over the batch instead of averaged: a train_step that ignores the loss_fn it is
        # given (and builds its own SparseCategoricalCrossentropy) takes a step n times too small
        return tf.keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    raise KeyError(f"unknown probe {name!r}")


def state_of(obj):
    """The plain numbers a probe holds after a call (a Keras model: its weights)."""
    if hasattr(obj, "get_weights"):
        return tuple(np.asarray(w, dtype=np.float64) for w in obj.get_weights())
    return None
