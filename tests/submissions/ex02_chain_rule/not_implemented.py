"""expect: lose linear_forward, mse, mse_grads, fit_linear
The untouched stub: every function still raises NotImplementedError.
"""
import tensorflow as tf


def linear_forward(x, W, b):
    raise NotImplementedError


def mse(y_pred, y_true):
    raise NotImplementedError


def mse_grads(x, y_true, W, b):
    raise NotImplementedError


def fit_linear(x, y_true, lr, steps, seed=0):
    raise NotImplementedError
