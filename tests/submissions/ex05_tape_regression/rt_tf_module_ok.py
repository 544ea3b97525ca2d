"""expect: full
Red team (written from the contract alone).
a tf.Module class, numpy losses.
"""

import numpy as np
import tensorflow as tf

class Regressor(tf.Module):
    def __init__(self, d, hidden, dtype, seed):
        super().__init__()
        rng = np.random.default_rng(seed)
        npdt = tf.as_dtype(dtype).as_numpy_dtype
        self.w1 = tf.Variable(rng.standard_normal((d, hidden)).astype(npdt) * npdt(1 / np.sqrt(d)))
        self.b1 = tf.Variable(np.zeros((hidden,), npdt))
        self.w2 = tf.Variable(rng.standard_normal((hidden, 1)).astype(npdt) * npdt(1 / np.sqrt(hidden)))
        self.b2 = tf.Variable(np.zeros((1,), npdt))
        self.rng = rng

    @property
    def params(self):
        return [self.w1, self.b1, self.w2, self.b2]

    def __call__(self, x):
        return forward_prop(x, *self.params)

def forward_prop(x, w1, b1, w2, b2):
    return tf.sigmoid(x @ w1 + b1) @ w2 + b2

def loss_fn(y, y_pred):
    return tf.reduce_mean(0.5 * (y - y_pred) ** 2)

def train_step(x, y, params, lr):
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(params)
        loss = loss_fn(y, forward_prop(x, *params))
    for p, g in zip(params, tape.gradient(loss, params)):
        p.assign_sub(lr * g)
    return loss.numpy()

def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x); y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    model = Regressor(x.shape[1], hidden, x.dtype, seed)
    n = x.shape[0]
    bs = batch_size or n
    losses = np.zeros(epochs)
    for e in range(epochs):
        idx = model.rng.permutation(n)
        for chunk in (idx[s:s + bs] for s in range(0, n, bs)):
            train_step(tf.gather(x, chunk), tf.gather(y, chunk), model.params, lr)
        losses[e] = loss_fn(y, model(x)).numpy()
    return model.params, losses
