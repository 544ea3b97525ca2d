"""expect: full
Held-out (written from the contract alone): ex02: explicit Python loops for the manual gradient (small sizes only)."""
import numpy as np
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.matmul(x, W) + b[tf.newaxis, :]


def mse(y_pred, y_true):
    diff = tf.reshape(y_pred - y_true, [-1])
    return tf.reduce_sum(diff * diff) / tf.cast(tf.size(diff), diff.dtype)


def mse_grads(x, y_true, W, b):
    X = np.array(x)
    Y = np.array(y_true)
    Wn = np.array(W)
    bn = np.array(b)
    n, d = X.shape
    k = Wn.shape[1]
    dW = np.zeros_like(Wn)
    db = np.zeros_like(bn)
    for i in range(n):
        for j in range(k):
            pred = bn[j]
            for m in range(d):
                pred += X[i, m] * Wn[m, j]
            g = 2.0 * (pred - Y[i, j]) / (n * k)
            db[j] += g
            for m in range(d):
                dW[m, j] += g * X[i, m]
    return tf.constant(dW), tf.constant(db)


def fit_linear(x, y_true, lr, steps, seed=0):
    x = tf.convert_to_tensor(x)
    d = int(x.shape[1])
    k = int(y_true.shape[1])
    g = tf.random.Generator.from_seed(seed)
    W = tf.Variable(g.normal((d, k), stddev=1.0 / np.sqrt(d), dtype=x.dtype))
    b = tf.Variable(tf.zeros(k, dtype=x.dtype))
    sgd = tf.keras.optimizers.SGD(lr)
    losses = []
    i = 0
    while i < steps:
        losses.append(mse(linear_forward(x, W, b), y_true).numpy())
        dW, db = mse_grads(x, y_true, W, b)
        sgd.apply_gradients([(dW, W), (db, b)])
        i += 1
    return W, b, losses
