"""expect: lose forward_prop, loss_fn, train_step, train
The untouched stub: every function still raises NotImplementedError.
"""
import numpy as np
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    raise NotImplementedError


def loss_fn(y, y_pred):
    raise NotImplementedError


def train_step(x, y, params, lr):
    raise NotImplementedError


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    raise NotImplementedError
