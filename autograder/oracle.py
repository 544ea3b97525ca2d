"""The trusted reference computations the checks compare against (float64, TensorFlow on our side).

Kept separate from ``solutions/`` on purpose: the grader must not import a file that students
also see and that a maintainer might edit into a mistake; these are the contract's formulas.
"""

from __future__ import annotations

import numpy as np


def tf():
    import tensorflow

    return tensorflow


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))  # stable for |z| large


def tape_gradients(loss_fn, *params):
    """Gradients of ``loss_fn(*params)`` w.r.t. every param, with tf.GradientTape in float64."""
    t = tf()
    variables = [t.Variable(np.asarray(p, dtype=np.float64)) for p in params]
    with t.GradientTape() as tape:
        loss = loss_fn(*variables)
    return float(loss.numpy()), [g.numpy() for g in tape.gradient(loss, variables)]


def backprop_grads(a0, y, w1, b1, w2, b2):
    """d C / d (w1, b1, w2, b2) for ex04's network and quadratic cost, via the tape."""
    t = tf()
    a0, y = np.asarray(a0, np.float64), np.asarray(y, np.float64)

    def cost(w1, b1, w2, b2):
        a1 = t.sigmoid(a0 @ w1 + b1)
        a2 = t.sigmoid(a1 @ w2 + b2)
        return t.reduce_mean(0.5 * t.reduce_sum((a2 - y) ** 2, axis=1))

    return tape_gradients(cost, w1, b1, w2, b2)


def quadratic_cost(a0, y, w1, b1, w2, b2) -> float:
    a2 = sigmoid(sigmoid(a0 @ w1 + b1) @ w2 + b2)
    return float(np.mean(0.5 * np.sum((a2 - y) ** 2, axis=1)))


def mlp_sigmoid_predict(x, w1, b1, w2, b2):
    return sigmoid(sigmoid(x @ w1 + b1) @ w2 + b2)


def regression_forward(x, w1, b1, w2, b2):
    return sigmoid(x @ w1 + b1) @ w2 + b2


def regression_loss(y, y_pred) -> float:
    return float(np.mean(0.5 * (np.asarray(y) - np.asarray(y_pred)) ** 2))


def regression_grads(x, y, w1, b1, w2, b2):
    t = tf()
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)

    def loss(w1, b1, w2, b2):
        pred = t.sigmoid(x @ w1 + b1) @ w2 + b2
        return t.reduce_mean(0.5 * (y - pred) ** 2)

    return tape_gradients(loss, w1, b1, w2, b2)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def keras_mlp_predict(x, w1, b1, w2, b2):
    return softmax(np.maximum(x @ w1 + b1, 0.0) @ w2 + b2)


def sparse_cce_grads(x, labels, w1, b1, w2, b2, reduction="mean"):
    """Keras' SparseCategoricalCrossentropy (probabilities clipped to [1e-7, 1 - 1e-7]) and its gradients.

    ``reduction="sum"`` is the loss built with ``SparseCategoricalCrossentropy(reduction="sum")``.
    """
    t = tf()
    x = np.asarray(x, np.float64)
    labels = np.asarray(labels).astype(np.int64).reshape(-1)

    def loss(w1, b1, w2, b2):
        probs = t.nn.softmax(t.nn.relu(x @ w1 + b1) @ w2 + b2)
        probs = t.clip_by_value(probs, 1e-7, 1 - 1e-7)
        picked = t.gather(probs, labels, axis=1, batch_dims=1)
        reduce = t.reduce_sum if reduction == "sum" else t.reduce_mean
        return -reduce(t.math.log(picked))

    return tape_gradients(loss, w1, b1, w2, b2)


def linear_mse_grads(x, y, w, b):
    t = tf()
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return tape_gradients(lambda w, b: t.reduce_mean((x @ w + b - y) ** 2), w, b)


def accuracy(probabilities, labels) -> float:
    return float(np.mean(np.argmax(probabilities, axis=1) == np.asarray(labels).reshape(-1)))


def wavy_gradient(a, x):
    """The gradient of the ``wavy`` probe: sum(sin(a*x) * x**2) + sum(x[:-1] * x[1:]) over flattened x."""
    flat = x.reshape(-1)
    af = a.reshape(-1)
    grad = np.cos(af * flat) * af * flat**2 + 2 * flat * np.sin(af * flat)
    grad[:-1] += flat[1:]
    grad[1:] += flat[:-1]
    return grad.reshape(x.shape)
