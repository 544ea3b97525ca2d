"""expect: full
Held-out (written from the contract alone): ex06: TF custom-training-loop guide style; seeded initializers; tf.keras.Input."""
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
        logits = model(x, training=True)
        loss_value = loss_fn(y, logits)
    grads = tape.gradient(loss_value, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss_value


def fit(model, x, y, epochs=1000, lr=0.01):
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    for epoch in range(epochs):
        loss_value = train_step(model, optimizer, loss_fn, x, y)
        losses.append(float(loss_value))
    return losses
