# Your exercise file: replace each `raise NotImplementedError(...)` below with your code.
# The contract (names, arguments, shapes, formulas) is README.md in this folder.
# (For the kit's maintainers: this file is made from solutions/ by `autograder stubs`;
# change the solution and rerun `autograder stubs` rather than editing the copy here.)
# %% [markdown]
# # Exercise 05: a 2-layer regression trained with the tape
#
# In exercise 04 you wrote the backward pass yourself. Here the tape does it: you write the
# forward pass and the loss, and `tape.gradient` returns all four gradients at once.
#
# The model predicts one number per example (for instance a house price):
#
#     prediction = sigmoid(x @ w1 + b1) @ w2 + b2
#
# | name       | shape |
# |------------|-------|
# | `x`        | `(n, d)` |
# | `w1`, `b1` | `(d, hidden)`, `(hidden,)` |
# | `w2`, `b2` | `(hidden, 1)`, `(1,)` |
# | `y`, prediction | `(n, 1)` |
#
# The hidden layer bends the input through a sigmoid; the output layer is linear, because a
# price can be any number (a sigmoid output could only give values between 0 and 1).
#
# The loss is half the mean squared error: `loss = mean(0.5 * (y - prediction)**2)`.

# %%
import numpy as np
import tensorflow as tf


# %% [markdown]
# ## 1. Forward pass and loss

# %%
def forward_prop(x, w1, b1, w2, b2):
    """sigmoid(x @ w1 + b1) @ w2 + b2, shape (n, 1)."""
    raise NotImplementedError("forward_prop: not implemented yet")


def loss_fn(y, y_pred):
    """mean(0.5 * (y - y_pred)**2), a scalar."""
    raise NotImplementedError("loss_fn: not implemented yet")


# %% [markdown]
# ## 2. One training step
#
# 1. Inside a `tf.GradientTape` block, compute the prediction and the loss. The parameters are
#    `tf.Variable`s, so the tape watches them without being asked.
# 2. `tape.gradient(loss, params)` returns a list of four gradients, in the order of `params`.
# 3. Update each parameter in place with its own gradient: `p.assign_sub(lr * g)`.
#    (`p = p - lr * g` would only rebind the name `p`; the variable would not move.)
# 4. Return the loss you computed, i.e. the loss *before* the update.

# %%
def train_step(x, y, params, lr):
    """One gradient step on [w1, b1, w2, b2] (in place); returns the loss before the update."""
    raise NotImplementedError("train_step: not implemented yet")


# %% [markdown]
# ## 3. The training loop
#
# - Initialise `w1 (d, hidden)` and `w2 (hidden, 1)` from a normal distribution with standard
#   deviation `1/sqrt(fan_in)`, biases at zero, all in the dtype of `x`, with a seeded generator.
# - Each epoch: shuffle the rows (seeded), cut them into mini-batches of `batch_size` rows
#   (the last one may be smaller: every row is used once per epoch), then one `train_step`
#   per mini-batch. With `batch_size=None` the whole set is one batch (plain gradient descent).
# - After each epoch, record the loss on the whole set.

# %%
def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    """Train the regression network; returns ([w1, b1, w2, b2], losses after each epoch)."""
    raise NotImplementedError("train: not implemented yet")


# %% [markdown]
# ## Try it
#
# Fits a noisy sine curve, then prints the loss at a few epochs.

# %%
if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.uniform(-3.0, 3.0, size=(200, 1))
    y = np.sin(x) + 0.1 * rng.normal(size=(200, 1))
    params, losses = train(x, y, epochs=500, lr=0.5)
    print("loss after epochs 1, 100, 500:", losses[0], losses[99], losses[-1])
    print("variance of y / 2 (the loss of always predicting the mean):", 0.5 * np.var(y))
