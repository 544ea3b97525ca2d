"""expect: lose fit_linear
Red team (written from the contract alone).
Nielsen-style N(0, 1) init of W, violating 'standard deviation at most 1/sqrt(d)'."""
import numpy as np
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.linalg.matmul(x, W) + b


def mse(y_pred, y_true):
    return tf.reduce_mean(tf.math.squared_difference(y_pred, y_true))


def mse_grads(x, y_true, W, b):
    z = linear_forward(x, W, b)
    n = tf.cast(tf.shape(z)[0], z.dtype)
    k = tf.cast(tf.shape(z)[1], z.dtype)
    dz = 2.0 * (z - y_true) / (n * k)
    dW = tf.linalg.matmul(x, dz, transpose_a=True)
    db = tf.reduce_sum(dz, axis=0)
    return dW, db


def fit_linear(x, y_true, lr, steps, seed=0):
    x = tf.convert_to_tensor(x)
    y_true = tf.convert_to_tensor(y_true)
    d, k = int(x.shape[1]), int(y_true.shape[1])
    rng = np.random.default_rng(seed)
    W = tf.Variable(rng.normal(0.0, 1.0, (d, k)).astype(x.dtype.as_numpy_dtype))
    b = tf.Variable(tf.zeros([k], x.dtype))
    opt = tf.keras.optimizers.SGD(lr)
    losses = []
    for _ in range(steps):
        losses.append(float(mse(linear_forward(x, W, b), y_true)))
        dW, db = mse_grads(x, y_true, W, b)
        opt.apply_gradients(zip([dW, db], [W, b]))
    return W, b, losses
