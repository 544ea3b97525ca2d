"""expect: full
mse_grads written as sums over examples (vectorised per output column), mean via reduce_sum / count.
"""
import tensorflow as tf


def linear_forward(x, W, b):
    return tf.linalg.matvec(tf.transpose(W), x) + b       # row-wise W^T x_i + b


def mse(y_pred, y_true):
    sq = tf.math.squared_difference(y_pred, y_true)
    return tf.reduce_sum(sq) / tf.cast(tf.reduce_prod(tf.shape(sq)), sq.dtype)


def mse_grads(x, y_true, W, b):
    n, k = int(x.shape[0]), int(W.shape[1])
    err = linear_forward(x, W, b) - y_true
    cols_W, cols_b = [], []
    for j in range(k):                                     # one output column at a time
        e_j = err[:, j]
        cols_W.append(2.0 * tf.reduce_sum(x * e_j[:, None], axis=0) / (n * k))
        cols_b.append(2.0 * tf.reduce_sum(e_j) / (n * k))
    return tf.stack(cols_W, axis=1), tf.stack(cols_b)


def fit_linear(x, y_true, lr, steps, seed=0):
    d, k = x.shape[1], y_true.shape[1]
    W = tf.Variable(tf.zeros([d, k], x.dtype), name='W')
    b = tf.Variable(tf.zeros([k], x.dtype), name='b')
    sgd = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    i = 0
    while len(losses) < steps:
        losses.append(mse(linear_forward(x, W, b), y_true).numpy())
        dW, db = mse_grads(x, y_true, W, b)
        sgd.apply_gradients(zip((dW, db), (W, b)))
        i += 1
    return W, b, losses
