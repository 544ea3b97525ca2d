"""expect: lose mse_grads, fit_linear
The gradients are right, but I return them as (db, dW).
"""
import numpy as np
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.matmul(x, W) + b


def mse(y_pred, y_true):
    return tf.reduce_mean(tf.square(y_pred - y_true))


def mse_grads(x, y_true, W, b):
    r = linear_forward(x, W, b) - y_true
    dz = 2.0 * r / tf.cast(tf.size(r), r.dtype)
    return tf.reduce_sum(dz, axis=0), tf.matmul(x, dz, transpose_a=True)


def fit_linear(x, y_true, lr, steps, seed=0):
    d, k = x.shape[1], y_true.shape[1]
    W = tf.Variable(tf.zeros((d, k), dtype=x.dtype))
    b = tf.Variable(tf.zeros((k,), dtype=x.dtype))
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    for _ in range(steps):
        losses.append(float(mse(linear_forward(x, W, b), y_true)))
        dW, db = mse_grads(x, y_true, W, b)
        opt.apply_gradients([(dW, W), (db, b)])
    return W, b, losses
