"""expect: full
einsum everywhere, a seeded random init with std 0.5/sqrt(d), losses kept as 0-d tensors.
"""
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.einsum('nd,dk->nk', x, W) + b[tf.newaxis, :]


def mse(y_pred, y_true):
    diff = y_pred - y_true
    return tf.einsum('nk,nk->', diff, diff) / tf.cast(tf.size(diff), diff.dtype)


def mse_grads(x, y_true, W, b):
    n = tf.cast(tf.shape(x)[0], x.dtype)
    k = tf.cast(tf.shape(W)[1], x.dtype)
    r = tf.einsum('nd,dk->nk', x, W) + b - y_true
    dW = (2.0 / (n * k)) * tf.einsum('nd,nk->dk', x, r)
    db = (2.0 / (n * k)) * tf.einsum('nk->k', r)
    return dW, db


def fit_linear(x, y_true, lr, steps, seed=0):
    d, k = int(x.shape[1]), int(y_true.shape[1])
    gen = tf.random.Generator.from_seed(seed)
    W = tf.Variable(gen.normal((d, k), stddev=0.5 / d ** 0.5, dtype=x.dtype))
    b = tf.Variable(tf.zeros((k,), dtype=x.dtype))
    optimizer = tf.keras.optimizers.SGD(lr)
    losses = []
    for step in range(steps):
        losses.append(mse(linear_forward(x, W, b), y_true))
        grads = mse_grads(x, y_true, W, b)
        optimizer.apply_gradients(list(zip(grads, (W, b))))
    return W, b, losses
