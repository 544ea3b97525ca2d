"""expect: full
Red team (written from the contract alone).
build_model from a list of layers with InputLayer(shape=...), RandomNormal(seed) kernels and zero biases;
fit builds a tf.function closure over (model, optimizer, loss) once per fit call that calls train_step;
train_step returns float(loss); the losses are collected in a tf.TensorArray and returned as an ndarray."""
import numpy as np
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    init = lambda s: tf.keras.initializers.RandomNormal(mean=0.0, stddev=0.1, seed=s)  # noqa: E731
    layers = [
        tf.keras.layers.InputLayer(shape=(n_features,)),
        tf.keras.layers.Dense(hidden, activation=tf.nn.relu, kernel_initializer=init(seed), bias_initializer="zeros"),
        tf.keras.layers.Dense(n_classes, activation=tf.nn.softmax, kernel_initializer=init(seed + 7919),
                              bias_initializer="zeros"),
    ]
    return tf.keras.Sequential(layers)


def _raw_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    variables = model.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss


def train_step(model, optimizer, loss_fn, x, y):
    return float(_raw_step(model, optimizer, loss_fn, x, y))


def fit(model, x, y, epochs=1000, lr=0.01):
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    x = tf.convert_to_tensor(x, tf.float32)
    y = tf.convert_to_tensor(y)

    @tf.function
    def step():
        return _raw_step(model, optimizer, loss_fn, x, y)

    history = tf.TensorArray(tf.float32, size=epochs)
    for epoch in range(epochs):
        history = history.write(epoch, step())
    return history.stack().numpy()
