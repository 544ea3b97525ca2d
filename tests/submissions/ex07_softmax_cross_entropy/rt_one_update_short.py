"""expect: lose train_softmax_regression
Red team (written from the contract alone).
Off-by-one: the loop runs epochs - 1 updates and appends the final loss after the loop (history has the right length but the last update is missing)."""
import numpy as np
import tensorflow as tf


def softmax(z):
    z = tf.convert_to_tensor(z)
    shifted = z - tf.reduce_max(z, axis=1, keepdims=True)
    e = tf.exp(shifted)
    return e / tf.reduce_sum(e, axis=1, keepdims=True)


def cross_entropy(probs, labels):
    probs = tf.convert_to_tensor(probs)
    picked = tf.gather(probs, tf.cast(labels, tf.int32), axis=1, batch_dims=1)
    return -tf.reduce_mean(tf.math.log(picked))


def softmax_ce_grad(z, labels):
    z = tf.convert_to_tensor(z)
    n = tf.cast(tf.shape(z)[0], z.dtype)
    onehot = tf.one_hot(labels, tf.shape(z)[1], dtype=z.dtype)
    return (softmax(z) - onehot) / n


def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    x = tf.convert_to_tensor(x)
    d = int(x.shape[1])
    rng = np.random.default_rng(seed)
    W = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), (d, n_classes)).astype(x.dtype.as_numpy_dtype))
    b = tf.Variable(tf.zeros([n_classes], x.dtype))
    history = []
    for epoch in range(epochs - 1):
        z = x @ W + b
        history.append(float(cross_entropy(softmax(z), labels)))
        dz = softmax_ce_grad(z, labels)
        W.assign_sub(lr * tf.transpose(x) @ dz)
        b.assign_sub(lr * tf.reduce_sum(dz, axis=0))
    history.append(float(cross_entropy(softmax(x @ W + b), labels)))
    return W, b, history
