"""expect: full
Held-out (written from the contract alone): ex06: model.add + model.build; @tf.function train_step (retraced per model)."""
import tensorflow as tf


def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    model = tf.keras.Sequential(name="iris_mlp")
    model.add(tf.keras.layers.Dense(hidden, activation="relu",
                                    kernel_initializer=tf.keras.initializers.HeNormal(seed=seed)))
    model.add(tf.keras.layers.Dense(n_classes, activation="softmax",
                                    kernel_initializer=tf.keras.initializers.GlorotNormal(seed=seed + 7)))
    model.build(input_shape=(None, n_features))
    return model


@tf.function(reduce_retracing=True)
def _step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def train_step(model, optimizer, loss_fn, x, y):
    return _step(model, optimizer, loss_fn, tf.convert_to_tensor(x), tf.convert_to_tensor(y))


def fit(model, x, y, epochs=1000, lr=0.01):
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    return [float(train_step(model, optimizer, loss_fn, x, y)) for _ in range(epochs)]
