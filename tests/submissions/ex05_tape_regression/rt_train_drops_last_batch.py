"""expect: lose train
Red team (written from the contract alone).
train drops the smaller last mini-batch of each epoch.
"""
import numpy as np
import tensorflow as tf

def forward_prop(x, w1, b1, w2, b2):
    return tf.matmul(tf.math.sigmoid(tf.matmul(x, w1) + b1), w2) + b2

def loss_fn(y, y_pred):
    return tf.reduce_mean(0.5 * tf.square(y - y_pred))

def train_step(x, y, params, lr):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)
    return loss

def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x); y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    n, d = x.shape
    dt = x.dtype.as_numpy_dtype
    rng = np.random.default_rng(seed)
    params = [tf.Variable(rng.normal(0, 1/np.sqrt(d), (d, hidden)).astype(dt)),
              tf.Variable(np.zeros(hidden, dt)),
              tf.Variable(rng.normal(0, 1/np.sqrt(hidden), (hidden, 1)).astype(dt)),
              tf.Variable(np.zeros(1, dt))]
    bs = n if batch_size is None else batch_size
    losses = []
    for e in range(epochs):
        perm = rng.permutation(n)
        for s in range(0, n - bs + 1, bs):
            idx = perm[s:s+bs]
            train_step(tf.gather(x, idx), tf.gather(y, idx), params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
