"""expect: full
mini-batches cut with np.array_split into ceil(n / batch_size) equal parts of at most batch_size rows.
"""
# %% [markdown]
# # Exercise 04: Nielsen's network, backprop by hand
#
# The network of Michael Nielsen's book *Neural Networks and Deep Learning*, chapter 2,
# written with batches as rows (as Keras does):
#
#     a0 --(w1, b1)--> a1 --(w2, b2)--> a2
#     z1 = a0 @ w1 + b1     a1 = sigmoid(z1)
#     z2 = a1 @ w2 + b2     a2 = sigmoid(z2)
#
# | name       | shape           |
# |------------|-----------------|
# | `a0`       | `(n, inputs)`   |
# | `w1`, `b1` | `(inputs, hidden)`, `(hidden,)` |
# | `z1`, `a1` | `(n, hidden)`   |
# | `w2`, `b2` | `(hidden, classes)`, `(classes,)` |
# | `z2`, `a2` | `(n, classes)`  |
# | `y`        | `(n, classes)`, one-hot |
#
# The cost is the quadratic cost averaged over the batch:
# `C = (1/n) * sum over rows of 0.5 * ||a2 - y||**2`.
#
# ## The four equations of backpropagation
#
# Call `delta = dC_x/dz` the *error* of a layer for one example `x` (one row per example).
# Nielsen's four equations, in row-batch form (`*` is elementwise, `@` the matrix product):
#
# - **BP1** (error of the output layer): `delta2 = (a2 - y) * sigmoid'(z2)`.
#   `a2 - y` is how the cost changes with the output, `sigmoid'(z2)` how the output
#   changes with `z2`: the chain rule, elementwise.
# - **BP2** (error moves one layer back): `delta1 = (delta2 @ w2^T) * sigmoid'(z1)`.
#   Each hidden unit sends its output to every output unit through `w2`, so its share of the
#   blame is the weighted sum of the output errors, times its own slope `sigmoid'(z1)`.
# - **BP3** (bias gradient): `dC/db = delta`, averaged over the batch rows.
# - **BP4** (weight gradient): `dC/dw = a_in^T @ delta`, divided by `n`: a weight matters in
#   proportion to the input that flows through it.
#
# With the batch average in `C`, the gradients are
# `dw2 = a1^T @ delta2 / n`, `db2 = mean_rows(delta2)`, `dw1 = a0^T @ delta1 / n`,
# `db1 = mean_rows(delta1)`. Each has the shape of its parameter.
#
# Everything marked *by hand* must not use `tf.GradientTape`: you compute the chain rule
# yourself, then compare with the tape in `tape_gradients`.

# %%
import numpy as np
import tensorflow as tf


# %% [markdown]
# ## 1. The sigmoid and its slope
#
# `sigmoid(z) = 1 / (1 + exp(-z))`. Written literally, `exp(-z)` overflows for very negative
# `z` (for `z = -1000`, `exp(1000)` is `inf`). `tf.math.sigmoid` computes the same function in a
# numerically safe way, so use it.
#
# Its derivative has a neat form: `sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z))`.

# %%
def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), elementwise, finite for every finite z."""
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    """By hand: the derivative sigmoid(z) * (1 - sigmoid(z)), elementwise."""
    s = sigmoid(z)
    return s * (1.0 - s)


# %% [markdown]
# ## 2. The forward pass
#
# Return every intermediate value: the backward pass needs `z1`, `a1`, `z2` and `a2`.

# %%
def forward(a0, w1, b1, w2, b2):
    """Return (z1, a1, z2, a2) for the 2-layer sigmoid network."""
    z1 = tf.matmul(a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.matmul(a1, w2) + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


# %% [markdown]
# The cost `C` is given (you need it in `tape_gradients` and `train`):
# `0.5 * squared distance` per row, then the mean over rows.

# %%
def quadratic_cost(a2, y):
    """C = mean over rows of 0.5 * ||a2 - y||**2 (given, not an exercise)."""
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


# %% [markdown]
# ## 3. The errors of the two layers (BP1 and BP2)
#
# `output_delta` is BP1, one row per example (no `1/n` here; the average comes in `backprop`).
# `hidden_delta` is BP2: `w2` has shape `(hidden, classes)`, so `delta2 @ w2^T` has shape
# `(n, hidden)`, the shape of `z1`. `tf.matmul(a, b, transpose_b=True)` computes `a @ b^T`.

# %%
def output_delta(z2, a2, y):
    """By hand (BP1): delta2 = (a2 - y) * sigmoid'(z2), shape (n, classes)."""
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    """By hand (BP2): delta1 = (delta2 @ w2^T) * sigmoid'(z1), shape (n, hidden)."""
    return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)


# %% [markdown]
# ## 4. Backpropagation (BP3 and BP4)
#
# Forward pass, then the two deltas, then the four gradients. The batch size `n` must be
# in the dtype of the data before dividing: `tf.cast(tf.shape(a0)[0], a0.dtype)`.
# `tf.matmul(a, b, transpose_a=True)` computes `a^T @ b`.

# %%
def backprop(a0, y, w1, b1, w2, b2):
    """By hand: the gradients (dw1, db1, dw2, db2) of the batch-averaged quadratic cost C."""
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], delta2.dtype)
    dw2 = tf.matmul(a1, delta2, transpose_a=True) / n
    db2 = tf.reduce_mean(delta2, axis=0)
    dw1 = tf.matmul(a0, delta1, transpose_a=True) / n
    db1 = tf.reduce_mean(delta1, axis=0)
    return dw1, db1, dw2, db2


# %% [markdown]
# ## 5. The same gradients with the tape
#
# This is your check on `backprop`: both must agree to rounding error.
# The parameters may arrive as plain tensors rather than variables, so `watch` them.

# %%
def tape_gradients(a0, y, w1, b1, w2, b2):
    """The gradients (dw1, db1, dw2, db2) of C, computed with tf.GradientTape."""
    params = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        for p in params:
            tape.watch(p)
        a2 = forward(a0, *params)[3]
        cost = quadratic_cost(a2, y)
    return tuple(tape.gradient(cost, params))


# %% [markdown]
# ## 6. The SGD update
#
# Each parameter moves against **its own** gradient: `p <- p - lr * g`, in place with
# `p.assign_sub(lr * g)`. A common slip is `p = p - lr * g` inside the loop: that only rebinds
# the loop's name `p` to a new tensor, and the network's variable never changes.

# %%
def sgd_update(params, grads, lr):
    """Move each tf.Variable in params by -lr times its own gradient, in place."""
    for p, g in zip(params, grads):
        p.assign_sub(lr * tf.cast(g, p.dtype))


# %% [markdown]
# ## 7. Training: mini-batch stochastic gradient descent
#
# - Initialise weights from a normal distribution with standard deviation `1/sqrt(fan_in)`
#   (`fan_in` = the number of inputs of the layer) and biases to zero, in the dtype of `x`.
#   A seeded generator (`np.random.default_rng(seed)`) makes the run repeatable.
# - Each epoch: shuffle the rows with the same generator, cut them into mini-batches of
#   `batch_size` rows (the last one may be smaller), and for each batch call `backprop` and
#   `sgd_update`.
# - After each epoch, record the cost `C` over the whole training set.

# %%
def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    """Mini-batch SGD with backprop; returns ([w1, b1, w2, b2], history of full-set costs)."""
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, n_in = x.shape
    n_out = y.shape[1]
    rng = np.random.default_rng(seed)
    dtype = x.dtype.as_numpy_dtype
    w1 = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, hidden)).astype(dtype))
    b1 = tf.Variable(tf.zeros((hidden,), dtype=x.dtype))
    w2 = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(hidden, n_out)).astype(dtype))
    b2 = tf.Variable(tf.zeros((n_out,), dtype=x.dtype))
    params = [w1, b1, w2, b2]
    # Batch sizes, e.g. [10, 10, ..., 10, 7]: tf.split cuts all batches in one operation.
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        # equal parts of at most batch_size rows (np.array_split), not batch_size rows and a smaller last one
        for rows in np.array_split(order, -(-n // batch_size)):
            x_batch, y_batch = tf.gather(x, rows), tf.gather(y, rows)
            grads = backprop(x_batch, y_batch, *params)
            sgd_update(params, grads, lr)
        history.append(float(quadratic_cost(forward(x, *params)[3], y)))
    return params, history


# %% [markdown]
# ## Try it
#
# Trains on scikit-learn's 8x8 digits (needs scikit-learn) and prints the test accuracy;
# expect about 0.95 after 10 epochs.

# %%
def _demo():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.2, random_state=42)
    y_onehot = np.eye(10)[y_train]

    # One small batch: the hand-made gradients must match the tape's.
    rng = np.random.default_rng(1)
    shapes = [(64, 30), (30,), (30, 10), (10,)]
    params = [tf.constant(rng.normal(size=s)) for s in shapes]
    a0, y = tf.constant(x_train[:7]), tf.constant(y_onehot[:7])
    for mine, tape in zip(backprop(a0, y, *params), tape_gradients(a0, y, *params)):
        print("max |backprop - tape| =", float(tf.reduce_max(tf.abs(mine - tape))))

    params, history = train(x_train, y_onehot)
    print("cost per epoch:", np.round(history, 4))
    predictions = np.argmax(forward(tf.constant(x_test), *params)[3].numpy(), axis=1)
    print("test accuracy:", np.mean(predictions == y_test))


if __name__ == "__main__":
    _demo()
