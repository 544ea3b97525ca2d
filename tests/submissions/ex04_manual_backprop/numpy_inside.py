"""expect: full
I do the manual parts in numpy (.numpy() in, ndarray out, same dtype as the input);
sigmoid as 0.5 * (1 + tanh(z / 2)), which never overflows.
"""
import numpy as np
import tensorflow as tf


def _np(t):
    return t.numpy() if hasattr(t, 'numpy') else np.asarray(t)


def sigmoid(z):
    z = _np(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return (0.5 * (1.0 + np.tanh(0.5 * z))).astype(z.dtype)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


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
    a0, y = _np(a0), _np(y)
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    n = a0.shape[0]
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    dw2 = a1.T @ delta2 / n
    db2 = delta2.mean(axis=0)
    dw1 = a0.T @ delta1 / n
    db1 = delta1.mean(axis=0)
    return dw1, db1, dw2, db2


def tape_gradients(a0, y, w1, b1, w2, b2):
    a0 = tf.convert_to_tensor(a0)
    y = tf.convert_to_tensor(y)
    ws = [tf.Variable(p) for p in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        a1 = tf.sigmoid(a0 @ ws[0] + ws[1])
        a2 = tf.sigmoid(a1 @ ws[2] + ws[3])
        cost = 0.5 * tf.reduce_sum((a2 - y) ** 2) / tf.cast(tf.shape(a0)[0], a0.dtype)
    return [g.numpy() for g in tape.gradient(cost, ws)]


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        g = _np(g)
        p.assign(p.numpy() - lr * g)


def _cost(x, y, params):
    a2 = forward(x, *params)[3]
    return 0.5 * np.sum((a2 - y) ** 2) / x.shape[0]


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x, y = _np(x), _np(y)
    y = y.astype(x.dtype)
    n, d = x.shape
    classes = y.shape[1]
    rng = np.random.RandomState(seed)
    params = [
        tf.Variable((rng.randn(d, hidden) / np.sqrt(d)).astype(x.dtype)),
        tf.Variable(np.zeros(hidden, x.dtype)),
        tf.Variable((rng.randn(hidden, classes) / np.sqrt(hidden)).astype(x.dtype)),
        tf.Variable(np.zeros(classes, x.dtype)),
    ]
    history = []
    for epoch in range(epochs):
        perm = rng.permutation(n)
        xs, ys = x[perm], y[perm]
        for k in range(0, n, batch_size):
            grads = backprop(xs[k:k + batch_size], ys[k:k + batch_size], *params)
            sgd_update(params, grads, lr)
        history.append(_cost(x, y, params))
    return params, history
