"""expect: full
Held-out (written from the contract alone): ex04 (correct): as the base, but history is returned as a float ndarray in the input dtype (the contract allows ndarray returns)."""
import math
import numpy as np
import tensorflow as tf


def sigmoid(z):
    z = tf.convert_to_tensor(z)
    e = tf.exp(-tf.abs(z))
    return tf.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return (delta2 @ tf.transpose(w2)) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], d2.dtype)
    dw2 = tf.transpose(a1) @ d2 / n
    db2 = tf.reduce_mean(d2, axis=0)
    dw1 = tf.transpose(a0) @ d1 / n
    db1 = tf.reduce_mean(d1, axis=0)
    return dw1, db1, dw2, db2


def _cost(a0, y, w1, b1, w2, b2):
    a2 = forward(a0, w1, b1, w2, b2)[3]
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


def tape_gradients(a0, y, w1, b1, w2, b2):
    ps = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        tape.watch(ps)
        c = _cost(a0, y, *ps)
    return tuple(tape.gradient(c, ps))


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    k = y.shape[1]
    rng = np.random.default_rng(seed)
    npdt = x.dtype.as_numpy_dtype
    params = [tf.Variable(rng.normal(0, 1 / math.sqrt(d), (d, hidden)).astype(npdt)),
              tf.Variable(tf.zeros(hidden, x.dtype)),
              tf.Variable(rng.normal(0, 1 / math.sqrt(hidden), (hidden, k)).astype(npdt)),
              tf.Variable(tf.zeros(k, x.dtype))]
    history = []
    for epoch in range(epochs):
        perm = rng.permutation(n)
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            grads = backprop(tf.gather(x, idx), tf.gather(y, idx), *params)
            sgd_update(params, grads, lr)
        history.append(float(_cost(x, y, *params)))
    return params, np.asarray(history, dtype=x.dtype.as_numpy_dtype)  # an ndarray of per-epoch costs
