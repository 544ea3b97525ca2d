"""expect: full
Held-out (written from the contract alone): ex05: class with module-level aliases; einsum forward; default_rng(seed).permutation batches."""
import numpy as np
import tensorflow as tf


class Regressor:
    @staticmethod
    def forward_prop(x, w1, b1, w2, b2):
        h = tf.math.sigmoid(tf.einsum("nd,dh->nh", x, w1) + b1)
        return tf.einsum("nh,ho->no", h, w2) + b2

    @staticmethod
    def loss_fn(y, y_pred):
        return tf.reduce_mean(tf.square(y - y_pred) / 2.0)

    def train_step(self, x, y, params, lr):
        with tf.GradientTape(watch_accessed_variables=True) as tape:
            loss = self.loss_fn(y, self.forward_prop(x, *params))
        grads = tape.gradient(loss, params)
        for i, g in enumerate(grads):
            params[i].assign_sub(lr * g)
        return loss.numpy()

    def train(self, x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
        x = tf.convert_to_tensor(x)
        y = tf.cast(y, x.dtype)
        n, d = x.shape
        rng = np.random.default_rng(seed)
        dt = x.dtype.as_numpy_dtype
        params = [tf.Variable((rng.standard_normal((d, hidden)) / np.sqrt(d)).astype(dt)),
                  tf.Variable(tf.zeros(hidden, x.dtype)),
                  tf.Variable((rng.standard_normal((hidden, 1)) / np.sqrt(hidden)).astype(dt)),
                  tf.Variable(tf.zeros(1, x.dtype))]
        losses = []
        bs = batch_size or n
        for _ in range(epochs):
            perm = rng.permutation(n)
            for s in range(0, n, bs):
                idx = perm[s:s + bs]
                train_step(tf.gather(x, idx), tf.gather(y, idx), params, lr)
            losses.append(float(self.loss_fn(y, self.forward_prop(x, *params))))
        return params, losses


_r = Regressor()
forward_prop = _r.forward_prop
loss_fn = _r.loss_fn
train_step = _r.train_step
train = _r.train
