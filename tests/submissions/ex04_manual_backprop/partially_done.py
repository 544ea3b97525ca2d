"""expect: lose output_delta, hidden_delta, backprop, tape_gradients, sgd_update, train
I have done sigmoid, sigmoid_prime and forward; the rest still raise NotImplementedError.
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
    raise NotImplementedError


def hidden_delta(delta2, w2, z1):
    raise NotImplementedError


def backprop(a0, y, w1, b1, w2, b2):
    raise NotImplementedError


def tape_gradients(a0, y, w1, b1, w2, b2):
    raise NotImplementedError


def sgd_update(params, grads, lr):
    raise NotImplementedError


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    raise NotImplementedError
