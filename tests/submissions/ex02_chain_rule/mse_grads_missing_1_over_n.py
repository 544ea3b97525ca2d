"""expect: lose mse_grads; maybe fit_linear
I divided by the number of outputs k but forgot to average over the n examples.
"""
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.matmul(x, W) + b


def mse(y_pred, y_true):
    return tf.reduce_mean(tf.square(y_pred - y_true))


def mse_grads(x, y_true, W, b):
    x = tf.convert_to_tensor(x)
    y_pred = linear_forward(x, W, b)
    count = tf.cast(tf.shape(y_pred)[1], y_pred.dtype)      # forgot the n
    r = 2.0 * (y_pred - y_true) / count
    dW = tf.matmul(x, r, transpose_a=True)
    db = tf.reduce_sum(r, axis=0)
    return dW, db


def fit_linear(x, y_true, lr, steps, seed=0):
    x = tf.convert_to_tensor(x)
    y_true = tf.convert_to_tensor(y_true)
    d, k = x.shape[1], y_true.shape[1]
    W = tf.Variable(tf.zeros((d, k), dtype=x.dtype))
    b = tf.Variable(tf.zeros((k,), dtype=x.dtype))
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    for _ in range(steps):
        losses.append(float(mse(linear_forward(x, W, b), y_true)))
        dW, db = mse_grads(x, y_true, W, b)
        opt.apply_gradients(zip([dW, db], [W, b]))
    return W, b, losses
