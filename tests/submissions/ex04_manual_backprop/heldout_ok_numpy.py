"""expect: full
Held-out (written from the contract alone): ex04: numpy inside (tensors -> .numpy(), ndarrays out); default_rng(seed).permutation."""
import numpy as np
import tensorflow as tf


def _np(a):
    return a.numpy() if hasattr(a, "numpy") else np.asarray(a)


def sigmoid(z):
    z = _np(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(a0, w1, b1, w2, b2):
    a0, w1, b1, w2, b2 = map(_np, (a0, w1, b1, w2, b2))
    z1 = a0 @ w1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def output_delta(z2, a2, y):
    return (_np(a2) - _np(y)) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return (_np(delta2) @ _np(w2).T) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    a0 = _np(a0)
    n = a0.shape[0]
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    dw2 = a1.T @ d2 / n
    db2 = d2.mean(axis=0)
    dw1 = a0.T @ d1 / n
    db1 = d1.mean(axis=0)
    return dw1, db1, dw2, db2


def _cost_tf(a0, y, w1, b1, w2, b2):
    a1 = tf.sigmoid(tf.matmul(a0, w1) + b1)
    a2 = tf.sigmoid(tf.matmul(a1, w2) + b2)
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


def tape_gradients(a0, y, w1, b1, w2, b2):
    params = [tf.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    a0 = tf.convert_to_tensor(a0)
    y = tf.cast(tf.convert_to_tensor(y), a0.dtype)
    with tf.GradientTape() as tape:
        tape.watch(params)
        c = _cost_tf(a0, y, *params)
    return tuple(g.numpy() for g in tape.gradient(c, params))


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * _np(g).astype(p.dtype.as_numpy_dtype))


def _cost_np(x, y, params):
    a2 = forward(x, *params)[3]
    return float(np.mean(0.5 * np.sum((a2 - y) ** 2, axis=1)))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = _np(x)
    y = _np(y).astype(x.dtype)
    n, d = x.shape
    k = y.shape[1]
    rng = np.random.default_rng(seed)
    dt = x.dtype
    params = [
        tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), (d, hidden)).astype(dt)),
        tf.Variable(np.zeros(hidden, dt)),
        tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, k)).astype(dt)),
        tf.Variable(np.zeros(k, dt)),
    ]
    history = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            grads = backprop(x[idx], y[idx], *params)
            sgd_update(params, grads, lr)
        history.append(_cost_np(x, y, params))
    return params, history
