"""expect: full
Held-out (written from the contract alone): ex06: class wrapper with module-level aliases; numpy in/out; train_step returns a Python float."""
import numpy as np
import tensorflow as tf


class IrisTrainer:
    def build_model(self, n_features=4, n_classes=3, hidden=32, seed=0):
        init = lambda s: tf.keras.initializers.RandomUniform(-0.3, 0.3, seed=s)
        layers = [tf.keras.layers.InputLayer(shape=(n_features,)),
                  tf.keras.layers.Dense(hidden, activation="relu", kernel_initializer=init(seed)),
                  tf.keras.layers.Dense(n_classes, activation="softmax", kernel_initializer=init(seed + 100))]
        return tf.keras.Sequential(layers)

    def train_step(self, model, optimizer, loss_fn, x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(list(zip(grads, model.trainable_variables)))
        return float(np.asarray(loss))

    def fit(self, model, x, y, epochs=1000, lr=0.01):
        x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y).astype(np.int64)
        lf = tf.keras.losses.SparseCategoricalCrossentropy()
        opt = tf.keras.optimizers.SGD(learning_rate=lr)
        out = []
        for _ in range(epochs):
            out.append(train_step(model, opt, lf, x, y))
        return out


_t = IrisTrainer()
build_model = _t.build_model
train_step = _t.train_step
fit = _t.fit
