"""expect: lose train_softmax_regression
My gradient step forgot the learning rate: W -= x^T dz, b -= sum(dz). At lr = 1 nobody could tell.
"""
import numpy as np
import tensorflow as tf


def softmax(z):
    shifted = z - tf.reduce_max(z, axis=1, keepdims=True)
    e = tf.exp(shifted)
    return e / tf.reduce_sum(e, axis=1, keepdims=True)


def cross_entropy(probs, labels):
    picked = tf.gather(probs, tf.cast(labels, tf.int64), axis=1, batch_dims=1)
    return -tf.reduce_mean(tf.math.log(picked))


def softmax_ce_grad(z, labels):
    n, k = z.shape[0], z.shape[1]
    onehot = tf.one_hot(tf.cast(labels, tf.int64), k, dtype=z.dtype)
    return (softmax(z) - onehot) / tf.cast(n, z.dtype)



def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    x = tf.convert_to_tensor(x)
    d = x.shape[1]
    rng = np.random.default_rng(seed)
    W = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), size=(d, n_classes)).astype(x.dtype.as_numpy_dtype))
    b = tf.Variable(tf.zeros((n_classes,), dtype=x.dtype))
    history = []
    for _ in range(epochs):
        z = x @ W + b
        history.append(float(cross_entropy(softmax(z), labels)))
        dz = softmax_ce_grad(z, labels)
        W.assign_sub(tf.matmul(x, dz, transpose_a=True))
        b.assign_sub(tf.reduce_sum(dz, axis=0))
    return W, b, history
