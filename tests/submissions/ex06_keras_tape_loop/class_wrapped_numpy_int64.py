"""expect: full
The loop lives in a Trainer class; the module functions the exercise asks for delegate to it.
fit turns the inputs into numpy first (float32 features, int64 labels) and back into tensors.
"""
import numpy as np
import tensorflow as tf


class Trainer:
    def __init__(self, model, optimizer, loss_fn):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.history = []

    def step(self, x, y):
        with tf.GradientTape() as tape:
            predictions = self.model(x, training=True)
            loss = self.loss_fn(y, predictions)
        variables = self.model.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    def run(self, x, y, epochs):
        for _ in range(epochs):
            self.history.append(float(self.step(x, y)))
        return self.history


class ModelFactory:
    def __init__(self, seed):
        self.seed = seed

    def __call__(self, n_features, n_classes, hidden):
        layers = tf.keras.layers
        return tf.keras.Sequential([
            layers.InputLayer(shape=(n_features,)),
            layers.Dense(hidden, activation="relu", kernel_initializer=tf.keras.initializers.GlorotUniform(self.seed)),
            layers.Dense(n_classes, activation="softmax",
                         kernel_initializer=tf.keras.initializers.GlorotUniform(self.seed + 7)),
        ])


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    return ModelFactory(seed)(n_features, n_classes, hidden)


def train_step(model, optimizer, loss_fn, x, y):
    return Trainer(model, optimizer, loss_fn).step(x, y)


def fit(model, x, y, epochs=1000, lr=0.01):
    features = np.asarray(x, dtype=np.float32)
    labels = np.asarray(y).astype(np.int64)
    trainer = Trainer(model, tf.keras.optimizers.SGD(learning_rate=lr),
                      tf.keras.losses.SparseCategoricalCrossentropy())
    return trainer.run(tf.constant(features), tf.constant(labels), epochs)
