"""expect: lose fit
I wrote the cross-entropy myself in fit, multiplying the integer labels into float
probabilities without a cast (y * log(p) style).
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
    def loss_fn(labels, probs):
        picked = tf.reduce_sum(probs * tf.one_hot(labels, 3), axis=1) + 0.0 * labels
        return -tf.reduce_mean(tf.math.log(picked))
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    return [float(train_step(model, optimizer, loss_fn, x, y)) for _ in range(epochs)]
