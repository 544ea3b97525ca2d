"""expect: full
Held-out (written from the contract alone): ex06: named layers, seeded initializers passed as config dicts, explicit zero bias init,
train_step that lists the variables first, unpacks grads into a list and returns a 0-d numpy array."""
import numpy as np
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    model = tf.keras.Sequential([
        tf.keras.layers.Input(shape=(n_features,), name="features"),
        tf.keras.layers.Dense(hidden, activation="relu", name="hidden",
                              kernel_initializer=tf.keras.initializers.get(
                                  {"class_name": "GlorotUniform", "config": {"seed": seed}}),
                              bias_initializer="zeros"),
        tf.keras.layers.Dense(n_classes, activation="softmax", name="probs",
                              kernel_initializer=tf.keras.initializers.get(
                                  {"class_name": "GlorotUniform", "config": {"seed": seed + 1}}),
                              bias_initializer="zeros"),
    ], name="iris")
    return model


def train_step(model, optimizer, loss_fn, x, y):
    variables = list(model.trainable_variables)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients([(g, v) for g, v in zip(grads, variables)])
    return np.array(loss)


def fit(model, x, y, epochs=1000, lr=0.01):
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    y = tf.cast(y, tf.int32)
    losses = []
    epoch = 0
    while epoch < epochs:
        losses.append(train_step(model, optimizer, loss_fn, x, y))
        epoch += 1
    return [float(l) for l in losses]
