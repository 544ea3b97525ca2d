"""expect: full
Nielsen's network.py adapted: backprop runs his per-example loop with column vectors (numpy), then
averages the nablas over the rows and transposes them into the row-batch shapes; train is his
update_mini_batch / SGD with a seeded shuffle.
"""
import numpy as np
import tensorflow as tf


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def sigmoid(z):
    z = _np(z)
    return np.exp(-np.logaddexp(0, -z)).astype(z.dtype)


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def forward(a0, w1, b1, w2, b2):
    z1 = _np(a0) @ _np(w1) + _np(b1)
    a1 = sigmoid(z1)
    z2 = a1 @ _np(w2) + _np(b2)
    return z1, a1, z2, sigmoid(z2)


def output_delta(z2, a2, y):
    return (_np(a2) - _np(y)) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return np.dot(_np(delta2), _np(w2).T) * sigmoid_prime(z1)


def _backprop_one(x, y, weights, biases):
    """network.py's backprop for one example: x, y are column vectors, weights[l] is (out, in)."""
    nabla_b = [np.zeros(b.shape, b.dtype) for b in biases]
    nabla_w = [np.zeros(w.shape, w.dtype) for w in weights]
    activation, activations, zs = x, [x], []
    for b, w in zip(biases, weights):
        z = np.dot(w, activation) + b
        zs.append(z)
        activation = sigmoid(z)
        activations.append(activation)
    delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
    nabla_b[-1] = delta
    nabla_w[-1] = np.dot(delta, activations[-2].T)
    for layer in range(2, len(weights) + 1):
        delta = np.dot(weights[-layer + 1].T, delta) * sigmoid_prime(zs[-layer])
        nabla_b[-layer] = delta
        nabla_w[-layer] = np.dot(delta, activations[-layer - 1].T)
    return nabla_b, nabla_w


def backprop(a0, y, w1, b1, w2, b2):
    a0, y = _np(a0), _np(y)
    weights = [_np(w1).T, _np(w2).T]
    biases = [_np(b1).reshape(-1, 1), _np(b2).reshape(-1, 1)]
    nabla_b = [np.zeros(b.shape, b.dtype) for b in biases]
    nabla_w = [np.zeros(w.shape, w.dtype) for w in weights]
    for x_row, y_row in zip(a0, y):
        delta_b, delta_w = _backprop_one(x_row.reshape(-1, 1), y_row.reshape(-1, 1), weights, biases)
        nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_b)]
        nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_w)]
    n = len(a0)
    return nabla_w[0].T / n, nabla_b[0].ravel() / n, nabla_w[1].T / n, nabla_b[1].ravel() / n


def tape_gradients(a0, y, w1, b1, w2, b2):
    params = [tf.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        tape.watch(params)
        a2 = tf.sigmoid(tf.sigmoid(a0 @ params[0] + params[1]) @ params[2] + params[3])
        cost = tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))
    return tape.gradient(cost, params)


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * np.asarray(g, dtype=p.dtype.as_numpy_dtype))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x, y = _np(x), _np(y)
    y = y.astype(x.dtype)
    n, d = x.shape
    rng = np.random.default_rng(seed)
    sizes = [d, hidden, y.shape[1]]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(tf.Variable(rng.normal(0, 1 / np.sqrt(fan_in), (fan_in, fan_out)).astype(x.dtype)))
        params.append(tf.Variable(np.zeros(fan_out, x.dtype)))
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        mini_batches = [order[k:k + batch_size] for k in range(0, n, batch_size)]
        for batch in mini_batches:
            sgd_update(params, backprop(x[batch], y[batch], *params), lr)
        a2 = forward(x, *params)[3]
        history.append(float(np.mean(0.5 * np.sum((a2 - y) ** 2, axis=1))))
    return params, history
