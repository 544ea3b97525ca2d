"""expect: full
Red team (written from the contract alone).
A tf.Module holds the loop; module-level functions delegate to it. einsum forward; loss_fn through the
functional tf.keras.losses.MSE (keeps the input dtype) times 0.5; train_step returns loss.numpy();
mini-batches from a tf.random.Generator: argsort of uniform draws each epoch; losses returned as an ndarray."""
import math
import numpy as np
import tensorflow as tf


class Regressor(tf.Module):
    @staticmethod
    def forward_prop(x, w1, b1, w2, b2):
        h = tf.math.sigmoid(tf.einsum("nd,dh->nh", x, w1) + b1)
        return tf.einsum("nh,ho->no", h, w2) + b2

    @staticmethod
    def loss_fn(y, y_pred):
        y_pred = tf.convert_to_tensor(y_pred)
        y = tf.cast(y, y_pred.dtype)
        return 0.5 * tf.reduce_mean(tf.keras.losses.MSE(y, y_pred))

    def train_step(self, x, y, params, lr):
        with tf.GradientTape() as tape:
            loss = self.loss_fn(y, self.forward_prop(x, *params))
        grads = tape.gradient(loss, params)
        for var, grad in zip(params, grads):
            var.assign_sub(lr * grad)
        return loss.numpy()

    def train(self, x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
        x = tf.convert_to_tensor(x)
        y = tf.reshape(tf.cast(y, x.dtype), (-1, 1))
        n, d = int(x.shape[0]), int(x.shape[1])
        gen = tf.random.Generator.from_seed(seed)
        w1 = tf.Variable(gen.normal((d, hidden), stddev=1.0 / math.sqrt(d), dtype=x.dtype))
        w2 = tf.Variable(gen.normal((hidden, 1), stddev=1.0 / math.sqrt(hidden), dtype=x.dtype))
        params = [w1, tf.Variable(tf.zeros([hidden], x.dtype)), w2, tf.Variable(tf.zeros([1], x.dtype))]
        bs = n if batch_size is None else int(batch_size)
        losses = np.zeros(epochs)
        for e in range(epochs):
            if bs >= n:
                self.train_step(x, y, params, lr)
            else:
                perm = tf.argsort(gen.uniform((n,)))
                xs, ys = tf.gather(x, perm), tf.gather(y, perm)
                for i in range(0, n, bs):
                    self.train_step(xs[i:i + bs], ys[i:i + bs], params, lr)
            losses[e] = float(self.loss_fn(y, self.forward_prop(x, *params)))
        return params, losses


_r = Regressor()
forward_prop = _r.forward_prop
loss_fn = _r.loss_fn
train_step = _r.train_step
train = _r.train
