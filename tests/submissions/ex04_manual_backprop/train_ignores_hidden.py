"""expect: lose train
The hidden layer is always 30 wide (the default), the hidden argument is ignored.
"""
import numpy as np
import tensorflow as tf


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    return z1, a1, z2, sigmoid(z2)


def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], delta2.dtype)
    dw2 = tf.matmul(a1, delta2, transpose_a=True) / n
    dw1 = tf.matmul(a0, delta1, transpose_a=True) / n
    return dw1, tf.reduce_mean(delta1, axis=0), dw2, tf.reduce_mean(delta2, axis=0)


def tape_gradients(a0, y, w1, b1, w2, b2):
    params = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        tape.watch(params)
        a2 = forward(a0, *params)[3]
        cost = tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))
    return tape.gradient(cost, params)


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * tf.cast(g, p.dtype))


def cost(x, y, params):
    a2 = forward(x, *params)[3]
    return float(tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1)))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    hidden = 30
    k = y.shape[1]
    rng = np.random.default_rng(seed)
    dt = x.dtype.as_numpy_dtype
    params = [tf.Variable(rng.normal(0, d ** -0.5, (d, hidden)).astype(dt)), tf.Variable(tf.zeros(hidden, x.dtype)),
              tf.Variable(rng.normal(0, hidden ** -0.5, (hidden, k)).astype(dt)), tf.Variable(tf.zeros(k, x.dtype))]
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            sgd_update(params, backprop(tf.gather(x, idx), tf.gather(y, idx), *params), lr)
        history.append(cost(x, y, params))
    return params, history
