"""expect: lose train_softmax_regression
Red team (written from the contract alone).
I drew W with standard deviation 1/d instead of 1/sqrt(d) (the contract fixes 1/sqrt(d)).
"""
# %% [markdown]
# # Exercise 07: softmax, cross-entropy and their gradient by hand (digits)
#
# A classifier's last layer gives one score per class, the *logits* `z`, shape `(n, k)`.
# `softmax` turns each row into probabilities, `cross_entropy` scores them against the true
# labels, and the gradient of the two together has a famously simple form. You will derive it,
# write it by hand, and train a softmax regression (one linear layer) on the digits with it.
#
#     x (n, d) --z = x @ W + b--> logits (n, k) --softmax--> probs (n, k) --cross_entropy--> loss
#
# The labels are integers `0 .. k-1`, one per row (not one-hot), as an integer tensor.

# %%
import numpy as np
import tensorflow as tf


# %% [markdown]
# ## 1. Softmax, numerically stable
#
# `softmax(z)[i, j] = exp(z[i, j]) / sum_c exp(z[i, c])`: each **row** is one example and sums to 1.
#
# `exp(1000)` is `inf` in float64 (and `exp(89)` in float32), and `inf / inf` is `nan`. Softmax
# does not change when the same number is subtracted from every entry of a row, so subtract each
# row's maximum first (`tf.reduce_max(z, axis=1, keepdims=True)`): then every exponent is `<= 0`
# and nothing overflows. The maximum of *each row*, not of the whole batch: rows can be far apart.

# %%
def softmax(z):
    """Row-wise softmax of z (n, k), stable for large logits; each row sums to 1."""
    ### BEGIN SOLUTION
    shifted = z - tf.reduce_max(z, axis=1, keepdims=True)
    e = tf.exp(shifted)
    return e / tf.reduce_sum(e, axis=1, keepdims=True)
    ### END SOLUTION


# %% [markdown]
# ## 2. Cross-entropy
#
# For one example with label `y`, the loss is `-log p[y]`: the probability given to the right
# class, on a log scale. The loss of a batch is the **mean** over its `n` examples.
#
# `tf.gather(probs, labels, axis=1, batch_dims=1)` picks `probs[i, labels[i]]` for every row `i`
# (or multiply by the one-hot labels and sum each row).

# %%
def cross_entropy(probs, labels):
    """Mean over the batch of -log probs[i, labels[i]]: probs (n, k), integer labels (n,) -> scalar."""
    ### BEGIN SOLUTION
    picked = tf.gather(probs, tf.cast(labels, tf.int64), axis=1, batch_dims=1)
    return -tf.reduce_mean(tf.math.log(picked))
    ### END SOLUTION


# %% [markdown]
# ## 3. The gradient by hand
#
# Write `L = (1/n) sum_i l_i` with `l_i = -log softmax(z_i)[y_i] = -z_i[y_i] + log sum_c exp(z_i[c])`.
# Then `d l_i / d z_i[j] = softmax(z_i)[j] - [j == y_i]`, so for the whole batch
#
#     dL/dz = (softmax(z) - onehot(labels)) / n,     shape (n, k)
#
# where `onehot(labels)` has a 1 in row `i`, column `labels[i]`: `tf.one_hot(labels, k, dtype=z.dtype)`
# (the `dtype` matters: `tf.one_hot` is float32 by default). The `1/n` comes from the mean.
#
# No `tf.GradientTape` here: the point is to do it by hand.

# %%
def softmax_ce_grad(z, labels):
    """By hand: d cross_entropy(softmax(z), labels) / dz = (softmax(z) - onehot(labels)) / n, shape (n, k)."""
    ### BEGIN SOLUTION
    n, k = z.shape[0], z.shape[1]
    onehot = tf.one_hot(tf.cast(labels, tf.int64), k, dtype=z.dtype)
    return (softmax(z) - onehot) / tf.cast(n, z.dtype)
    ### END SOLUTION


# %% [markdown]
# ## 4. Softmax regression on the digits
#
# One linear layer, `z = x @ W + b`, trained by full-batch gradient descent with your gradient:
# by the chain rule `dL/dW = x^T @ dL/dz` (shape `(d, k)`) and `dL/db = sum over rows of dL/dz`.
#
# - start from `W` drawn from a normal distribution with standard deviation `1/sqrt(d)`, seeded
#   with `seed` (`np.random.default_rng(seed)`), and `b = 0`, in the dtype of `x`;
# - each epoch: record the loss at the current parameters (before the update), compute
#   `dL/dz` with `softmax_ce_grad`, then `W -= lr * dL/dW`, `b -= lr * dL/db`.
#
# Return `(W, b, history)` with `history[i]` the mean cross-entropy before epoch `i`.

# %%
def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    """Full-batch gradient descent on softmax regression; returns (W, b, history)."""
    ### BEGIN SOLUTION
    x = tf.convert_to_tensor(x)
    d = x.shape[1]
    rng = np.random.default_rng(seed)
    W = tf.Variable(rng.normal(0.0, 1.0 / d, size=(d, n_classes)).astype(x.dtype.as_numpy_dtype))
    b = tf.Variable(tf.zeros((n_classes,), dtype=x.dtype))
    history = []
    for _ in range(epochs):
        z = x @ W + b
        history.append(float(cross_entropy(softmax(z), labels)))
        dz = softmax_ce_grad(z, labels)
        W.assign_sub(lr * tf.matmul(x, dz, transpose_a=True))
        b.assign_sub(lr * tf.reduce_sum(dz, axis=0))
    return W, b, history
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Trains on scikit-learn's digits and prints the test accuracy; expect about 0.94.

# %%
def _demo():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.2, random_state=42)
    z = tf.constant([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -999.0]], dtype=tf.float64)
    print("softmax of large logits:\n", softmax(z).numpy().round(4))
    W, b, history = train_softmax_regression(tf.constant(x_train), tf.constant(y_train), 10)
    print("loss: first %.3f, last %.3f" % (history[0], history[-1]))
    predictions = np.argmax((x_test @ W.numpy()) + b.numpy(), axis=1)
    print("test accuracy:", np.mean(predictions == y_test))


if __name__ == "__main__":
    _demo()
