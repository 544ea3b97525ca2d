"""expect: full
Red team (written from the contract alone).
cs231n style: affine_forward returns (out, cache), affine_backward(dout, cache); mse_loss returns
(loss, dout); init from tf.random.Generator in x's dtype; Keras SGD via apply_gradients(zip(...));
losses returned as a numpy array."""
import numpy as np
import tensorflow as tf


def affine_forward(x, w, b):
    out = tf.matmul(x, w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dw = tf.transpose(x) @ dout
    db = tf.reduce_sum(dout, axis=0)
    return dw, db


def mse_loss(y_pred, y):
    diff = y_pred - y
    N = tf.cast(tf.size(diff), diff.dtype)
    return tf.reduce_sum(diff * diff) / N, 2.0 * diff / N


def linear_forward(x, W, b):
    return affine_forward(x, W, b)[0]


def mse(y_pred, y_true):
    return mse_loss(y_pred, y_true)[0]


def mse_grads(x, y_true, W, b):
    out, cache = affine_forward(x, W, b)
    _, dout = mse_loss(out, y_true)
    return affine_backward(dout, cache)


def fit_linear(x, y_true, lr, steps, seed=0):
    d, k = int(x.shape[1]), int(y_true.shape[1])
    gen = tf.random.Generator.from_seed(seed)
    W = tf.Variable(gen.normal((d, k), stddev=1.0 / np.sqrt(d), dtype=x.dtype))
    b = tf.Variable(tf.zeros((k,), x.dtype))
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = np.zeros(steps)
    for i in range(steps):
        losses[i] = mse(linear_forward(x, W, b), y_true).numpy()
        grads = mse_grads(x, y_true, W, b)
        opt.apply_gradients(zip(grads, [W, b]))
    return W, b, losses
