"""expect: lose fit
Red team (written from the contract alone).
fit ignores the model it is given and trains a freshly built one (model = build_model()), so the caller's
model never changes."""
# %% [markdown]
# # Exercise 06: a Keras model with a custom tape loop (Iris)
#
# `model.fit` hides the training loop. Writing the loop yourself shows there is nothing magic
# in it: forward pass, loss, `tape.gradient`, optimizer step, the same four moves as in
# exercise 05, only with Keras building the layers and keeping the variables.
#
# The data is the Iris flower set: 4 measurements per flower, 3 species. The labels are
# integers `0, 1, 2`, which is what `SparseCategoricalCrossentropy` expects (no one-hot).
#
#     x (n, 4) --Dense(hidden, relu)--> (n, hidden) --Dense(3, softmax)--> probabilities (n, 3)

# %%
import numpy as np
import tensorflow as tf


# %% [markdown]
# ## 1. The model
#
# `tf.keras.Sequential` stacks layers. Start it with `tf.keras.Input(shape=(n_features,))`
# so the weights are created right away. Seeded initialisers make the starting weights the
# same on every run (two layers, two different seeds, so they do not start alike).

# %%
def build_model(n_features=4, n_classes=3, hidden=32, seed=0):
    """Sequential: Dense(hidden, relu) then Dense(n_classes, softmax), inputs of n_features."""
    ### BEGIN SOLUTION
    return tf.keras.Sequential([
        tf.keras.Input(shape=(n_features,)),
        tf.keras.layers.Dense(
            hidden, activation="relu",
            kernel_initializer=tf.keras.initializers.GlorotUniform(seed=seed)),
        tf.keras.layers.Dense(
            n_classes, activation="softmax",
            kernel_initializer=tf.keras.initializers.GlorotUniform(seed=seed + 1)),
    ])
    ### END SOLUTION


# %% [markdown]
# ## 2. One training step
#
# - In the tape: `predictions = model(x, training=True)`, then `loss = loss_fn(y, predictions)`.
#   The model's weights are variables, so the tape watches them.
# - `tape.gradient(loss, model.trainable_variables)` gives one gradient per variable.
# - `optimizer.apply_gradients(zip(grads, model.trainable_variables))` updates them in place.
#   For SGD that is `v <- v - lr * g` for each variable; other optimizers (Adam...) do more,
#   and the loop stays the same.

# %%
def train_step(model, optimizer, loss_fn, x, y):
    """One optimizer step on the model; returns the loss before the update."""
    ### BEGIN SOLUTION
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
    ### END SOLUTION


# %% [markdown]
# ## 3. The loop
#
# Make the loss and the optimizer **once**, then call `train_step` once per epoch on the whole
# training set, and keep each loss as a Python float.

# %%
def fit(model, x, y, epochs=1000, lr=0.01):
    """Full-batch training with SparseCategoricalCrossentropy and SGD(lr); per-epoch losses."""
    ### BEGIN SOLUTION
    model = build_model(n_features=int(x.shape[1]))
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    return [float(train_step(model, optimizer, loss_fn, x, y)) for _ in range(epochs)]
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Trains on Iris (needs scikit-learn) and prints the test accuracy; expect about 0.97.

# %%
def _demo():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    iris = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=0.2, random_state=42)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

    model = build_model()
    losses = fit(model, x_train.astype("float32"), y_train, epochs=300, lr=0.1)
    print("loss: first %.3f, last %.3f" % (losses[0], losses[-1]))
    predictions = np.argmax(model(x_test.astype("float32")).numpy(), axis=1)
    print("test accuracy:", np.mean(predictions == y_test))


if __name__ == "__main__":
    _demo()
