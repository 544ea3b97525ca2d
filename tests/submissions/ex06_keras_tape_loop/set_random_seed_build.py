"""expect: full
I seed everything with tf.keras.utils.set_random_seed, add the layers one by one and call
model.build((None, n_features)); train_step returns a Python float.
"""
import numpy as np
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential()
    model.add(tf.keras.layers.Dense(hidden, activation=tf.nn.relu))
    model.add(tf.keras.layers.Dense(n_classes, activation=tf.nn.softmax))
    model.build((None, n_features))
    return model


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    variables = model.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(list(zip(gradients, variables)))
    return float(loss.numpy())


def fit(model, x, y, epochs=1000, lr=0.01):
    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(np.asarray(y).astype('int64'))
    sgd = tf.keras.optimizers.SGD(lr)
    scce = tf.keras.losses.SparseCategoricalCrossentropy()
    return [train_step(model, sgd, scce, x, y) for _ in range(epochs)]
