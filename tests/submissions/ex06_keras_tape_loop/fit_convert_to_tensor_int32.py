"""expect: full
The TensorFlow Iris walkthrough's own lines: the labels go through
tf.convert_to_tensor(y, dtype=tf.int32), the features through tf.convert_to_tensor(x, tf.float32),
and train_step is written with a separate loss helper as in the guide.
"""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    init = tf.keras.initializers.GlorotUniform
    return tf.keras.Sequential([
        tf.keras.layers.Input(shape=(n_features,)),
        tf.keras.layers.Dense(hidden, activation=tf.nn.relu, kernel_initializer=init(seed=seed)),
        tf.keras.layers.Dense(n_classes, activation=tf.nn.softmax, kernel_initializer=init(seed=seed + 100)),
    ])


def loss(model, loss_object, x, y, training):
    y_ = model(x, training=training)
    return loss_object(y_true=y, y_pred=y_)


def grad(model, loss_object, inputs, targets):
    with tf.GradientTape() as tape:
        loss_value = loss(model, loss_object, inputs, targets, training=True)
    return loss_value, tape.gradient(loss_value, model.trainable_variables)


def train_step(model, optimizer, loss_fn, x, y):
    loss_value, grads = grad(model, loss_fn, x, y)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss_value


def fit(model, x, y, epochs=1000, lr=0.01):
    features = tf.convert_to_tensor(x, dtype=tf.float32)
    labels = tf.convert_to_tensor(y, dtype=tf.int32)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    train_loss_results = []
    for epoch in range(epochs):
        loss_value = train_step(model, optimizer, loss_object, features, labels)
        train_loss_results.append(loss_value.numpy())
    return train_loss_results
