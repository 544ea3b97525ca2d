"""expect: full
Held-out (written from the contract alone): ex06: `import keras` (Keras 3) directly; fit iterates a full-batch tf.data dataset once per epoch."""
import keras
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((n_features,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        y_prob = model(x, training=True)
        loss = loss_fn(y, y_prob)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def fit(model, x, y, epochs=1000, lr=0.01):
    n = len(x)
    ds = tf.data.Dataset.from_tensor_slices((tf.cast(x, tf.float32), y)).batch(n)  # one full batch
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    epoch_losses = []
    for epoch in range(epochs):
        for xb, yb in ds:
            epoch_losses.append(float(train_step(model, optimizer, loss_fn, xb, yb)))
    return epoch_losses
