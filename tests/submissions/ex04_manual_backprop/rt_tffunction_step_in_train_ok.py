"""expect: full
Red team (written from the contract alone).
Guide style: train builds one tf.function step (backprop then sgd_update on the variables) and calls it per mini-batch."""
import math
import numpy as np
import tensorflow as tf


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    return tf.math.sigmoid(z) * tf.math.sigmoid(-z)


def forward(a0, w1, b1, w2, b2):
    z1 = tf.einsum("ni,ih->nh", a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.einsum("nh,hk->nk", a1, w2) + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def quadratic_cost(a2, y):
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return tf.einsum("nk,hk->nh", delta2, w2) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], a0.dtype)
    dw2 = tf.linalg.matmul(a1, d2, transpose_a=True) / n
    db2 = tf.reduce_mean(d2, axis=0)
    dw1 = tf.linalg.matmul(a0, d1, transpose_a=True) / n
    db1 = tf.reduce_mean(d1, axis=0)
    return dw1, db1, dw2, db2


def tape_gradients(a0, y, w1, b1, w2, b2):
    ps = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        tape.watch(ps)
        c = quadratic_cost(forward(a0, *ps)[3], y)
    return tuple(tape.gradient(c, ps))


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    n, d = int(x.shape[0]), int(x.shape[1])
    k = int(y.shape[1])
    rng = np.random.default_rng(seed)
    npdt = x.dtype.as_numpy_dtype
    w1 = tf.Variable(rng.normal(0.0, 1 / math.sqrt(d), (d, hidden)).astype(npdt))
    b1 = tf.Variable(tf.zeros([hidden], x.dtype))
    w2 = tf.Variable(rng.normal(0.0, 1 / math.sqrt(hidden), (hidden, k)).astype(npdt))
    b2 = tf.Variable(tf.zeros([k], x.dtype))
    params = [w1, b1, w2, b2]
    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        sgd_update(params, backprop(xb, yb, *params), lr)

    history = []
    for epoch in range(epochs):
        perm = rng.permutation(n)
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            xb, yb = tf.gather(x, idx), tf.gather(y, idx)
            step(xb, yb)
        history.append(float(quadratic_cost(forward(x, *params)[3], y)))
    return params, history
