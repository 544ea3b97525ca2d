"""expect: lose build_model, train_step, fit
The untouched stub: every function still raises NotImplementedError.
"""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    raise NotImplementedError


def train_step(model, optimizer, loss_fn, x, y):
    raise NotImplementedError


def fit(model, x, y, epochs=1000, lr=0.01):
    raise NotImplementedError
