"""expect: lose mse_grads
I let a GradientTape (inside a helper) compute the gradients instead of deriving them.
"""
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.matmul(x, W) + b


def mse(y_pred, y_true):
    return tf.reduce_mean(tf.square(y_pred - y_true))


def _autodiff(x, y_true, W, b):
    W = tf.convert_to_tensor(W)
    b = tf.convert_to_tensor(b)
    with tf.GradientTape() as tape:
        tape.watch([W, b])
        loss = mse(linear_forward(x, W, b), y_true)
    return tape.gradient(loss, [W, b])


def mse_grads(x, y_true, W, b):
    dW, db = _autodiff(x, y_true, W, b)
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
