"""expect: full
Written after the Keras guide "Writing a training loop from scratch": a tf.data.Dataset of
(x, y) with one batch holding the whole set, loss_fn(y_batch_train, logits), trainable_weights,
and float labels (tf.cast(y, tf.float32)), which SparseCategoricalCrossentropy also accepts.
"""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    inputs = tf.keras.Input(shape=(n_features,), name="measurements")
    hidden_layer = tf.keras.layers.Dense(hidden, activation="relu",
                                         kernel_initializer=tf.keras.initializers.GlorotUniform(seed))
    output_layer = tf.keras.layers.Dense(n_classes, activation="softmax",
                                         kernel_initializer=tf.keras.initializers.GlorotUniform(seed + 1))
    model = tf.keras.Sequential([inputs, hidden_layer, output_layer])
    return model


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss_value = loss_fn(y, logits)
    grads = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    return loss_value


def fit(model, x, y, epochs=1000, lr=0.01):
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    n = int(tf.shape(x)[0])
    train_dataset = tf.data.Dataset.from_tensor_slices((x, tf.cast(y, tf.float32))).batch(n)
    losses = []
    for epoch in range(epochs):
        for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
            loss_value = train_step(model, optimizer, loss_fn, x_batch_train, y_batch_train)
        losses.append(float(loss_value))
    return losses
