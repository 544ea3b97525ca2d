"""expect: full
Red team (written from the contract alone).
a jit-compiled train_step, a tf.random.Generator and tf.data batches.
"""

import numpy as np
import tensorflow as tf

def forward_prop(x, w1, b1, w2, b2):
    h = tf.math.sigmoid(tf.linalg.matmul(x, w1) + b1)
    return tf.linalg.matmul(h, w2) + b2

def loss_fn(y, y_pred):
    return 0.5 * tf.reduce_mean(tf.math.squared_difference(y, y_pred))

@tf.function(jit_compile=True)
def _step(x, y, w1, b1, w2, b2, lr):
    params = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.assign_sub(tf.cast(lr, p.dtype) * g)
    return loss

def train_step(x, y, params, lr):
    x = tf.convert_to_tensor(x)
    return _step(x, tf.cast(y, x.dtype), *params, tf.constant(lr, tf.float64))

def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    n, d = int(x.shape[0]), int(x.shape[1])
    gen = tf.random.Generator.from_seed(seed)
    params = [tf.Variable(gen.normal((d, hidden), stddev=1.0 / np.sqrt(d), dtype=x.dtype)),
              tf.Variable(tf.zeros((hidden,), x.dtype)),
              tf.Variable(gen.normal((hidden, 1), stddev=1.0 / np.sqrt(hidden), dtype=x.dtype)),
              tf.Variable(tf.zeros((1,), x.dtype))]
    ds = (tf.data.Dataset.from_tensor_slices((x, y))
          .shuffle(n, seed=seed, reshuffle_each_iteration=True)
          .batch(n if batch_size is None else batch_size))
    losses = []
    for _ in range(epochs):
        for xb, yb in ds:
            train_step(xb, yb, params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
