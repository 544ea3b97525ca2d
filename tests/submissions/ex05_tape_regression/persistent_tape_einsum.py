"""expect: full
einsum forward, a persistent tape (deleted after use), mini-batches via np.array_split
of a seeded permutation, losses as 0-d tensors.
"""
import numpy as np
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    a1 = 1.0 / (1.0 + tf.exp(-(tf.einsum('nd,dh->nh', x, w1) + b1)))
    return tf.einsum('nh,ho->no', a1, w2) + b2


def loss_fn(y, y_pred):
    r = y - y_pred
    return tf.reduce_sum(r * r) / (2.0 * tf.cast(tf.size(r), r.dtype))


def train_step(x, y, params, lr):
    with tf.GradientTape(persistent=True) as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    grads = tape.gradient(loss, params)
    del tape
    for p, g in zip(params, grads):
        p.assign(p - lr * g)
    return loss


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = np.asarray(x)
    y = np.asarray(y, dtype=x.dtype)
    n, d = x.shape
    rs = np.random.RandomState(seed)
    w1 = tf.Variable((rs.standard_normal((d, hidden)) / np.sqrt(d)).astype(x.dtype))
    w2 = tf.Variable((rs.standard_normal((hidden, 1)) / np.sqrt(hidden)).astype(x.dtype))
    b1 = tf.Variable(tf.zeros(hidden, dtype=x.dtype))
    b2 = tf.Variable(tf.zeros(1, dtype=x.dtype))
    params = [w1, b1, w2, b2]
    n_batches = 1 if batch_size is None else int(np.ceil(n / batch_size))
    xt, yt = tf.constant(x), tf.constant(y)
    losses = []
    for _ in range(epochs):
        perm = rs.permutation(n)
        for idx in np.array_split(perm, n_batches):
            train_step(tf.gather(xt, idx), tf.gather(yt, idx), params, lr)
        losses.append(loss_fn(yt, forward_prop(xt, *params)))
    return params, losses
