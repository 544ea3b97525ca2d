"""expect: full
Held-out (written from the contract alone): ex02: einsum throughout, zeros init, tensors out."""
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.einsum("nd,dk->nk", x, W) + b


def mse(y_pred, y_true):
    return tf.reduce_mean(tf.square(y_pred - y_true))


def mse_grads(x, y_true, W, b):
    err = linear_forward(x, W, b) - y_true
    n_elems = tf.cast(tf.size(err), err.dtype)
    g = 2.0 * err / n_elems                         # dL/dy_pred
    dW = tf.einsum("nd,nk->dk", x, g)
    db = tf.einsum("nk->k", g)
    return dW, db


def fit_linear(x, y_true, lr, steps, seed=0):
    d = x.shape[-1]
    k = y_true.shape[-1]
    W = tf.Variable(tf.zeros((d, k), dtype=x.dtype))
    b = tf.Variable(tf.zeros((k,), dtype=x.dtype))
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    for step in range(steps):
        losses.append(float(mse(linear_forward(x, W, b), y_true)))
        grads = mse_grads(x, y_true, W, b)
        optimizer.apply_gradients(zip(grads, [W, b]))
    return W, b, losses
