"""expect: full
Held-out (written from the contract alone): ex06: tf.keras.utils.set_random_seed + Dense(input_shape=...) (the classic Sequential idiom)."""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(hidden, activation=tf.nn.relu, input_shape=(n_features,)),
        tf.keras.layers.Dense(n_classes, activation=tf.nn.softmax),
    ])
    return model


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        probs = model(x)
        loss = loss_fn(y, probs)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


def fit(model, x, y, epochs=1000, lr=0.01):
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    y = tf.convert_to_tensor(y)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy()
    opt = tf.keras.optimizers.SGD(lr)
    history = []
    for _ in range(epochs):
        history.append(train_step(model, opt, loss_object, x, y).numpy().item())
    return history
