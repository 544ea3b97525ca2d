"""expect: full
Nielsen-style: mse_grads accumulates one example at a time in numpy (outer products), then divides
by the n*k elements; fit_linear updates W and b in place with assign_sub and returns numpy losses.
"""
import numpy as np
import tensorflow as tf


def linear_forward(x, W, b):
    return np.asarray(x) @ np.asarray(W) + np.asarray(b)


def mse(y_pred, y_true):
    return float(np.mean((np.asarray(y_pred) - np.asarray(y_true)) ** 2))


def mse_grads(x, y_true, W, b):
    x, y, W, b = (np.asarray(a) for a in (x, y_true, W, b))
    n, k = x.shape[0], W.shape[1]
    nabla_w = np.zeros_like(W)
    nabla_b = np.zeros_like(b)
    for xi, yi in zip(x, y):
        delta = 2.0 * (xi @ W + b - yi)          # d (sum_j r_j**2) / d z, one example
        nabla_w += np.outer(xi, delta)
        nabla_b += delta
    return nabla_w / (n * k), nabla_b / (n * k)


def fit_linear(x, y_true, lr, steps, seed=0):
    xn, yn = np.asarray(x), np.asarray(y_true)
    d, k = xn.shape[1], yn.shape[1]
    W = tf.Variable(np.zeros((d, k), dtype=xn.dtype))
    b = tf.Variable(np.zeros(k, dtype=xn.dtype))
    losses = np.zeros(steps)
    for i in range(steps):
        losses[i] = mse(linear_forward(xn, W.numpy(), b.numpy()), yn)
        dW, db = mse_grads(xn, yn, W.numpy(), b.numpy())
        W.assign_sub(lr * dW)
        b.assign_sub(lr * db)
    return W.numpy(), b.numpy(), losses
