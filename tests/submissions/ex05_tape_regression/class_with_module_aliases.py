"""expect: full
The model is a class; the module exposes its methods as the contract's functions (train_step = _model.train_step).
train's mini-batches come from tf.data with a seeded shuffle; the optimizer is a Keras SGD made per step.
"""
import numpy as np
import tensorflow as tf


class Regression:
    def forward_prop(self, x, w1, b1, w2, b2):
        return tf.sigmoid(x @ w1 + b1) @ w2 + b2

    def loss_fn(self, y, y_pred):
        return tf.reduce_mean(0.5 * (y - y_pred) ** 2)

    def train_step(self, x, y, params, lr):
        with tf.GradientTape() as tape:
            loss = self.loss_fn(y, self.forward_prop(x, *params))
        grads = tape.gradient(loss, params)
        tf.keras.optimizers.SGD(learning_rate=lr).apply_gradients(zip(grads, params))
        return loss.numpy()

    def train(self, x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
        x = tf.convert_to_tensor(x)
        y = tf.cast(y, x.dtype)
        n, d = int(x.shape[0]), int(x.shape[1])
        rng = np.random.default_rng(seed)
        dt = x.dtype.as_numpy_dtype
        params = [tf.Variable(rng.normal(0, 1 / np.sqrt(d), (d, hidden)).astype(dt)),
                  tf.Variable(np.zeros(hidden, dt)),
                  tf.Variable(rng.normal(0, 1 / np.sqrt(hidden), (hidden, 1)).astype(dt)),
                  tf.Variable(np.zeros(1, dt))]
        data = tf.data.Dataset.from_tensor_slices((x, y))
        if batch_size is not None:
            data = data.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        data = data.batch(n if batch_size is None else batch_size)
        losses = []
        for _ in range(epochs):
            for xb, yb in data:
                self.train_step(xb, yb, params, lr)
            losses.append(float(self.loss_fn(y, self.forward_prop(x, *params))))
        return params, losses


_model = Regression()
forward_prop, loss_fn = _model.forward_prop, _model.loss_fn
train_step, train = _model.train_step, _model.train
