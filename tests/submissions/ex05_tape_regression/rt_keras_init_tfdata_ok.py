"""expect: full
Red team (written from the contract alone).
TF-guide custom loop: Keras RandomNormal(stddev=1/sqrt(fan_in), seed) initializers in the input dtype, zero biases,
a tf.data pipeline (shuffle with seed, reshuffle_each_iteration, batch) when batch_size is given;
train_step is a tf.function; losses as a list of numpy float64 scalars."""
import math
import numpy as np
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    return tf.nn.sigmoid(x @ w1 + b1) @ w2 + b2


def loss_fn(y, y_pred):
    err = y - y_pred
    return tf.reduce_mean(err * err) / 2


@tf.function(reduce_retracing=True)
def _step(x, y, w1, b1, w2, b2, lr):
    params = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    for p, g in zip(params, tape.gradient(loss, params)):
        p.assign_sub(tf.cast(lr, p.dtype) * g)
    return loss


def train_step(x, y, params, lr):
    return _step(x, y, *params, lr)


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    init1 = tf.keras.initializers.RandomNormal(mean=0.0, stddev=1.0 / math.sqrt(d), seed=seed)
    init2 = tf.keras.initializers.RandomNormal(mean=0.0, stddev=1.0 / math.sqrt(hidden), seed=seed + 1000)
    params = [tf.Variable(init1((d, hidden), dtype=x.dtype)), tf.Variable(tf.zeros((hidden,), x.dtype)),
              tf.Variable(init2((hidden, 1), dtype=x.dtype)), tf.Variable(tf.zeros((1,), x.dtype))]
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if batch_size is not None:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    else:
        ds = ds.batch(n)
    losses = []
    for epoch in range(epochs):
        for xb, yb in ds:
            train_step(xb, yb, params, lr)
        losses.append(np.float64(loss_fn(y, forward_prop(x, *params)).numpy()))
    return params, losses
