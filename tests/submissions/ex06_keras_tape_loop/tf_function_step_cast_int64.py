"""expect: full
train_step is compiled with @tf.function (reduce_retracing, since every call brings a new
model); fit casts the labels with tf.cast(y, tf.int64) and keeps the losses as numpy floats.
"""
import numpy as np
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    tf.random.set_seed(seed)
    return tf.keras.Sequential([
        tf.keras.Input((n_features,)),
        tf.keras.layers.Dense(hidden, activation="relu",
                              kernel_initializer=tf.keras.initializers.RandomNormal(stddev=n_features ** -0.5, seed=seed)),
        tf.keras.layers.Dense(n_classes, activation="softmax",
                              kernel_initializer=tf.keras.initializers.RandomNormal(stddev=hidden ** -0.5, seed=seed + 1)),
    ])


@tf.function(reduce_retracing=True)
def _step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def train_step(model, optimizer, loss_fn, x, y):
    return _step(model, optimizer, loss_fn, x, y)


def fit(model, x, y, epochs=1000, lr=0.01):
    y = tf.cast(y, tf.int64)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    return np.array([train_step(model, optimizer, loss_fn, x, y).numpy() for _ in range(epochs)])
