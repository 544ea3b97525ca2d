"""expect: lose fit_linear
fit_linear solves least squares in closed form (np.linalg.lstsq) and makes up a falling history of the
right length: the returned layer is excellent, but no gradient step was ever taken.
"""
import numpy as np
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.matmul(x, W) + b


def mse(y_pred, y_true):
    return tf.reduce_mean(tf.square(y_pred - y_true))


def mse_grads(x, y_true, W, b):
    x = tf.convert_to_tensor(x)
    y_pred = linear_forward(x, W, b)
    count = tf.cast(tf.size(y_pred), y_pred.dtype)
    r = 2.0 * (y_pred - y_true) / count
    return tf.matmul(x, r, transpose_a=True), tf.reduce_sum(r, axis=0)


def fit_linear(x, y_true, lr, steps, seed=0):
    xn, yn = np.asarray(x), np.asarray(y_true)
    design = np.hstack([xn, np.ones((xn.shape[0], 1), xn.dtype)])
    solution = np.linalg.lstsq(design, yn, rcond=None)[0]
    W, b = tf.Variable(solution[:-1]), tf.Variable(solution[-1])
    best = float(mse(linear_forward(xn, W, b), yn))
    start = float(np.mean(yn ** 2))
    losses = list(np.linspace(start, best, steps))
    return W, b, losses
