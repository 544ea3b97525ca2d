"""expect: full
Held-out (written from the contract alone): ex05: tf.data pipeline (seeded shuffle, batch), numpy default_rng init, Python-float losses."""
import numpy as np
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    z1 = tf.linalg.matmul(x, w1) + b1
    return tf.linalg.matmul(1.0 / (1.0 + tf.exp(-z1)), w2) + b2


def loss_fn(y, y_pred):
    err = y - y_pred
    return 0.5 * tf.reduce_mean(err * err)


def train_step(x, y, params, lr):
    with tf.GradientTape() as tape:
        pred = forward_prop(x, params[0], params[1], params[2], params[3])
        loss_before = loss_fn(y, pred)
    dw1, db1, dw2, db2 = tape.gradient(loss_before, params)
    params[0].assign_sub(lr * dw1)
    params[1].assign_sub(lr * db1)
    params[2].assign_sub(lr * dw2)
    params[3].assign_sub(lr * db2)
    return float(loss_before)


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    npdt = x.dtype.as_numpy_dtype
    rng = np.random.default_rng(seed)
    params = [tf.Variable(rng.normal(scale=1 / np.sqrt(d), size=(d, hidden)).astype(npdt)),
              tf.Variable(np.zeros(hidden, npdt)),
              tf.Variable(rng.normal(scale=1 / np.sqrt(hidden), size=(hidden, 1)).astype(npdt)),
              tf.Variable(np.zeros(1, npdt))]
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if batch_size is None:
        ds = ds.batch(n)
    else:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    losses = []
    for epoch in range(epochs):
        for xb, yb in ds:
            train_step(xb, yb, params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
