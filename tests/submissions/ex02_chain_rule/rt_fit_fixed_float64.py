"""expect: lose fit_linear
Red team (written from the contract alone).
fit_linear creates W and b as float64 whatever x's dtype (the contract: 'do not cast to a fixed dtype');
with float32 x the matmul x @ W fails.
"""
# %% [markdown]
# # Exercise 02: the chain rule on one linear layer
#
# A linear layer maps a batch of inputs to outputs: `y_pred = x @ W + b`.
# Batches are rows, so the shapes are
#
# | name     | shape   | meaning                        |
# |----------|---------|--------------------------------|
# | `x`      | `(n, d)`| `n` examples, `d` features     |
# | `W`      | `(d, k)`| maps `d` inputs to `k` outputs |
# | `b`      | `(k,)`  | one bias per output            |
# | `y_pred` | `(n, k)`| one row of outputs per example |
#
# The mean squared error averages over *all* `n * k` entries:
# `L = (1 / (n k)) * sum_ij (y_pred_ij - y_ij)**2`.
#
# You will compute `dL/dW` and `dL/db` by hand with the chain rule, then use them to train
# the layer with a Keras optimizer.

# %%
import numpy as np
import tensorflow as tf


# %% [markdown]
# ## 1. Forward pass and loss
#
# `linear_forward` is one matrix product plus a bias. The bias has shape `(k,)` and is
# *broadcast*: the same bias row is added to each of the `n` rows of `x @ W`.
#
# `mse` is the mean of the squared differences over every element.

# %%
def linear_forward(x, W, b):
    """Return x @ W + b: x (n, d), W (d, k), b (k,) -> (n, k)."""
    ### BEGIN SOLUTION
    return tf.matmul(x, W) + b
    ### END SOLUTION


def mse(y_pred, y_true):
    """Mean over all elements of (y_pred - y_true)**2, a scalar."""
    ### BEGIN SOLUTION
    return tf.reduce_mean(tf.square(y_pred - y_true))
    ### END SOLUTION


# %% [markdown]
# ## 2. The gradients by hand (the chain rule)
#
# Write the computation as a chain: `W, b -> z = x @ W + b -> r = z - y -> L = mean(r**2)`.
# The chain rule says: walk the chain backwards, multiplying local derivatives.
#
# 1. `dL/dz = 2 * (z - y) / (n * k)`: the derivative of the mean of squares, shape `(n, k)`.
#    The `1/(n k)` comes from the mean over all `n * k` elements.
# 2. `z_ij = sum_a x_ia W_aj + b_j`, so `dz_ij/dW_aj = x_ia` and
#    `dL/dW = x^T @ dL/dz`, shape `(d, n) @ (n, k) = (d, k)`, the shape of `W`.
# 3. Every row of `z` gets the same `b`, so its gradient collects a contribution from every row:
#    `dL/db = sum over rows of dL/dz`, shape `(k,)`.
#
# A useful habit: the gradient of a parameter always has the parameter's shape. If your
# shapes do not fit, a transpose is usually missing.
#
# No `tf.GradientTape` here: the point is to do it by hand.

# %%
def mse_grads(x, y_true, W, b):
    """By hand: the gradients (dW, db) of mse(linear_forward(x, W, b), y_true)."""
    ### BEGIN SOLUTION
    residual = linear_forward(x, W, b) - y_true
    count = tf.cast(tf.size(residual), residual.dtype)
    dz = 2.0 * residual / count
    dW = tf.matmul(x, dz, transpose_a=True)
    db = tf.reduce_sum(dz, axis=0)
    return dW, db
    ### END SOLUTION


# %% [markdown]
# ## 3. Training with an optimizer
#
# A Keras optimizer applies the update for you: `optimizer.apply_gradients(pairs)` takes
# `(gradient, variable)` pairs and moves each variable in place. Plain SGD does
# `variable <- variable - lr * gradient`.
#
# Steps:
# - start from small random weights (standard deviation `1/sqrt(d)`, seeded so the run is
#   repeatable) and a zero bias, both as `tf.Variable`s in the dtype of `x`;
# - make the optimizer **once**, before the loop;
# - each step: record the current loss (before the update), compute the gradients with your
#   `mse_grads`, apply them.

# %%
def fit_linear(x, y_true, lr, steps, seed=0):
    """Fit W, b by SGD on the mse; return (W, b, losses) with losses[i] the mse before step i."""
    ### BEGIN SOLUTION
    x = tf.convert_to_tensor(x)
    d, k = x.shape[1], y_true.shape[1]
    rng = np.random.default_rng(seed)
    W = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), size=(d, k)), dtype=tf.float64)
    b = tf.Variable(tf.zeros((k,), dtype=tf.float64))
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    for _ in range(steps):
        losses.append(float(mse(linear_forward(x, W, b), y_true)))
        dW, db = mse_grads(x, y_true, W, b)
        optimizer.apply_gradients([(dW, W), (db, b)])
    return W, b, losses
    ### END SOLUTION


# %% [markdown]
# ## Try it

# %%
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(50, 3)))
    true_W = tf.constant([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]], dtype=tf.float64)
    y = x @ true_W + tf.constant([0.5, -1.0], dtype=tf.float64)
    dW, db = mse_grads(x, y, tf.zeros((3, 2), tf.float64), tf.zeros((2,), tf.float64))
    print("dW shape", dW.shape, "db shape", db.shape)
    W, b, losses = fit_linear(x, y, lr=0.1, steps=300)
    print("first loss %.4f, last loss %.6f" % (losses[0], losses[-1]))
    print("learned W:\n", W.numpy().round(3))
    print("learned b:", b.numpy().round(3))
