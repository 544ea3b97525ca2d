"""expect: full
Red team (written from the contract alone).
Nielsen's network.py adapted to rows: numpy inside, backprop per example, averaged per mini-batch.
"""

"""Nielsen's network.py, adapted: rows are examples, numpy inside, per-example backprop."""
import numpy as np
import tensorflow as tf

def _a(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)

def sigmoid(z):
    z = _a(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out

def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)

def forward(a0, w1, b1, w2, b2):
    a0, w1, b1, w2, b2 = map(_a, (a0, w1, b1, w2, b2))
    z1 = a0 @ w1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    return z1, a1, z2, sigmoid(z2)

def quadratic_cost(a2, y):
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))

def output_delta(z2, a2, y):
    return (_a(a2) - _a(y)) * sigmoid_prime(z2)

def hidden_delta(delta2, w2, z1):
    return (_a(delta2) @ _a(w2).T) * sigmoid_prime(z1)

def _backprop_one(x, y, w1, b1, w2, b2):
    """one example: x (d,), y (k,)"""
    z1, a1, z2, a2 = forward(x[None, :], w1, b1, w2, b2)
    d2 = output_delta(z2, a2, y[None, :])
    d1 = hidden_delta(d2, w2, z1)
    return np.outer(x, d1[0]), d1[0], np.outer(a1[0], d2[0]), d2[0]

def backprop(a0, y, w1, b1, w2, b2):
    a0, y, w1, b1, w2, b2 = map(_a, (a0, y, w1, b1, w2, b2))
    y = y.astype(a0.dtype)
    nabla = [np.zeros(p.shape, a0.dtype) for p in (w1, b1, w2, b2)]
    for xi, yi in zip(a0, y):
        for acc, g in zip(nabla, _backprop_one(xi, yi, w1, b1, w2, b2)):
            acc += g
    n = len(a0)
    return tuple(g / n for g in nabla)

def tape_gradients(a0, y, w1, b1, w2, b2):
    ps = [tf.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    a0 = tf.convert_to_tensor(a0); y = tf.cast(y, a0.dtype)
    with tf.GradientTape() as tape:
        tape.watch(ps)
        z1 = a0 @ ps[0] + ps[1]
        a2 = tf.math.sigmoid(tf.math.sigmoid(z1) @ ps[2] + ps[3])
        c = quadratic_cost(a2, y)
    return tape.gradient(c, ps)

def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * tf.convert_to_tensor(g, dtype=p.dtype))

def update_mini_batch(params, xb, yb, lr):
    sgd_update(params, backprop(xb, yb, *params), lr)

def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x, y = _a(x), _a(y)
    y = y.astype(x.dtype)
    n, d = x.shape; k = y.shape[1]
    init_rng = np.random.default_rng(seed)
    shuffle_rng = np.random.default_rng([seed, 1])
    sizes = [d, hidden, k]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(tf.Variable(init_rng.standard_normal((fan_in, fan_out)).astype(x.dtype) / np.sqrt(fan_in)))
        params.append(tf.Variable(np.zeros(fan_out, x.dtype)))
    history = []
    for j in range(epochs):
        p = shuffle_rng.permutation(n)
        xs, ys = x[p], y[p]
        for s in range(0, n, batch_size):
            update_mini_batch(params, xs[s:s + batch_size], ys[s:s + batch_size], lr)
        a2 = forward(x, *params)[3]
        history.append(float(np.mean(0.5 * np.sum((a2 - y) ** 2, axis=1))))
    return params, history
