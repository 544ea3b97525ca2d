"""expect: lose sigmoid, sigmoid_prime, forward, output_delta, hidden_delta, backprop, tape_gradients, sgd_update, train
The untouched stub: every function still raises NotImplementedError.
"""
import numpy as np
import tensorflow as tf


def sigmoid(z):
    raise NotImplementedError


def sigmoid_prime(z):
    raise NotImplementedError


def forward(a0, w1, b1, w2, b2):
    raise NotImplementedError


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
