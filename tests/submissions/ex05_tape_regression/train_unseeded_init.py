"""expect: lose train
I draw the initial weights from np.random.default_rng() without the seed, so runs differ.
"""
import numpy as np
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    a1 = tf.sigmoid(tf.matmul(x, w1) + b1)
    return tf.matmul(a1, w2) + b2


def loss_fn(y, y_pred):
    return tf.reduce_mean(0.5 * tf.square(y - y_pred))


def train_step(x, y, params, lr):
    w1, b1, w2, b2 = params
    with tf.GradientTape() as tape:
        y_pred = forward_prop(x, w1, b1, w2, b2)
        loss = loss_fn(y, y_pred)
    gw1, gb1, gw2, gb2 = tape.gradient(loss, [w1, b1, w2, b2])
    w1.assign_sub(lr * gw1)
    b1.assign_sub(lr * gb1)
    w2.assign_sub(lr * gw2)
    b2.assign_sub(lr * gb2)
    return loss


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(y, dtype=x.dtype)
    n, d = x.shape
    dtype = x.dtype.as_numpy_dtype
    rng = np.random.default_rng()
    params = [
        tf.Variable(rng.normal(0, 1 / np.sqrt(d), (d, hidden)).astype(dtype)),
        tf.Variable(np.zeros((hidden,), dtype)),
        tf.Variable(rng.normal(0, 1 / np.sqrt(hidden), (hidden, 1)).astype(dtype)),
        tf.Variable(np.zeros((1,), dtype)),
    ]
    bs = n if batch_size is None else batch_size
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(n) if bs < n else np.arange(n)
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            train_step(tf.gather(x, idx), tf.gather(y, idx), params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
