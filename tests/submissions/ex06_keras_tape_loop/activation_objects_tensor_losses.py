"""expect: full
Activation functions passed as objects, He-normal hidden init, the loss returned as a tensor and the
history kept as a list of numpy scalars.
"""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    layers = [
        tf.keras.layers.InputLayer(shape=(n_features,)),
        tf.keras.layers.Dense(hidden, activation=tf.keras.activations.relu,
                              kernel_initializer=tf.keras.initializers.HeNormal(seed=seed),
                              name='hidden'),
        tf.keras.layers.Dense(n_classes, activation=tf.keras.activations.softmax,
                              kernel_initializer=tf.keras.initializers.GlorotNormal(seed=seed),
                              name='output'),
    ]
    return tf.keras.Sequential(layers, name='iris_mlp')


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss_value = loss_fn(y_true=y, y_pred=y_pred)
    grads = tape.gradient(loss_value, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return tf.identity(loss_value)


def fit(model, x, y, epochs=1000, lr=0.01):
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False)
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    history = []
    epoch = 0
    while epoch < epochs:
        history.append(train_step(model, opt, loss_object, x, y).numpy())
        epoch += 1
    return history
