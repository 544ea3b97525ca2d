"""expect: full
I turn the integer labels into one-hot rows with tf.one_hot and train with
CategoricalCrossentropy(), which on one-hot targets is the same loss (and the same gradient) as
SparseCategoricalCrossentropy() on the integer labels.
"""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(hidden, activation="relu",
                              kernel_initializer=tf.keras.initializers.HeNormal(seed=seed)),
        tf.keras.layers.Dense(n_classes, activation="softmax",
                              kernel_initializer=tf.keras.initializers.GlorotNormal(seed=seed + 1)),
    ])
    model.build((None, n_features))
    return model


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def fit(model, x, y, epochs=1000, lr=0.01):
    n_classes = model.layers[-1].units
    targets = tf.one_hot(y, n_classes)
    loss_fn = tf.keras.losses.CategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(lr)
    return [float(train_step(model, optimizer, loss_fn, x, targets)) for _ in range(epochs)]
