"""expect: full
Red team (written from the contract alone).
Plain SGD has no state, so fit may build SGD(lr) anew every epoch; labels read as numpy int64 via y.numpy();
the model is Sequential() + add() with a named Input; train_step passes model.trainable_weights as a list of
(grad, var) pairs and returns the loss tensor."""
import numpy as np
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    model = tf.keras.Sequential(name="iris_mlp")
    model.add(tf.keras.Input(shape=(n_features,), name="features"))
    model.add(tf.keras.layers.Dense(hidden, activation="relu",
                                    kernel_initializer=tf.keras.initializers.HeUniform(seed=seed), name="hidden"))
    model.add(tf.keras.layers.Dense(n_classes, activation="softmax",
                                    kernel_initializer=tf.keras.initializers.GlorotNormal(seed=seed + 1),
                                    name="probs"))
    return model


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        probs = model(x, training=True)
        loss = loss_fn(y, probs)
    weights = model.trainable_weights
    grads = tape.gradient(loss, weights)
    optimizer.apply_gradients([(g, w) for g, w in zip(grads, weights)])
    return loss


def fit(model, x, y, epochs=1000, lr=0.01):
    labels = np.asarray(y.numpy() if hasattr(y, "numpy") else y).astype(np.int64)
    features = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float32)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    losses = []
    for _ in range(epochs):
        opt = tf.keras.optimizers.SGD(learning_rate=lr)
        losses.append(train_step(model, opt, loss_fn, features, labels).numpy().item())
    return losses
