"""expect: lose fit
I cast the labels to float32 "to match the model", then one-hot them for CategoricalCrossentropy:
tf.one_hot refuses float indices.
"""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(n_features,)),
        tf.keras.layers.Dense(hidden, activation="relu",
                              kernel_initializer=tf.keras.initializers.GlorotUniform(seed=seed)),
        tf.keras.layers.Dense(n_classes, activation="softmax",
                              kernel_initializer=tf.keras.initializers.GlorotUniform(seed=seed + 1)),
    ])


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def fit(model, x, y, epochs=1000, lr=0.01):
    y = tf.cast(y, tf.float32)
    targets = tf.one_hot(y, 3)
    loss_fn = tf.keras.losses.CategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    return [float(train_step(model, optimizer, loss_fn, x, targets)) for _ in range(epochs)]
