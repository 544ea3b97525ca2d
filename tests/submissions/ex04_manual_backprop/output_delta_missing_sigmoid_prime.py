"""expect: lose output_delta, backprop; maybe train
My output delta is just a2 - y; I left out the sigmoid_prime(z2) factor.
"""
import numpy as np
import tensorflow as tf


def sigmoid(z):
    z = tf.convert_to_tensor(z)
    e = tf.exp(-tf.abs(z))                       # never overflows
    return tf.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(a0, w1, b1, w2, b2):
    z1 = tf.matmul(a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.matmul(a1, w2) + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def output_delta(z2, a2, y):
    return a2 - y


def hidden_delta(delta2, w2, z1):
    return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    a0 = tf.convert_to_tensor(a0)
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    n = tf.cast(tf.shape(a0)[0], a0.dtype)
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    dw2 = tf.matmul(a1, delta2, transpose_a=True) / n
    db2 = tf.reduce_mean(delta2, axis=0)
    dw1 = tf.matmul(a0, delta1, transpose_a=True) / n
    db1 = tf.reduce_mean(delta1, axis=0)
    return dw1, db1, dw2, db2


def _cost(a0, y, w1, b1, w2, b2):
    a2 = forward(a0, w1, b1, w2, b2)[3]
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


def tape_gradients(a0, y, w1, b1, w2, b2):
    params = [tf.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        tape.watch(params)
        cost = _cost(a0, y, *params)
    return tuple(tape.gradient(cost, params))


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    n, d = x.shape
    classes = y.shape[1]
    dtype = x.dtype.as_numpy_dtype
    rng = np.random.default_rng(seed)
    w1 = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), (d, hidden)).astype(dtype))
    b1 = tf.Variable(np.zeros(hidden, dtype))
    w2 = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, classes)).astype(dtype))
    b2 = tf.Variable(np.zeros(classes, dtype))
    params = [w1, b1, w2, b2]
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb, yb = tf.gather(x, idx), tf.gather(y, idx)
            sgd_update(params, backprop(xb, yb, *params), lr)
        history.append(float(_cost(x, y, *params)))
    return params, history
