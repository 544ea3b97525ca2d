"""expect: lose build_model
I never used the seed: the initial weights are different every time build_model is called.
"""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(n_features,)),
        tf.keras.layers.Dense(hidden, activation='relu'),
        tf.keras.layers.Dense(n_classes, activation='softmax'),
    ])


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        probs = model(x, training=True)
        loss = loss_fn(y, probs)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def fit(model, x, y, epochs=1000, lr=0.01):
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    for epoch in range(epochs):
        loss = train_step(model, optimizer, loss_fn, x, y)
        losses.append(float(loss))
    return losses
