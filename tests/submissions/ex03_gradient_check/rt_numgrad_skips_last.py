"""expect: lose numerical_gradient, gradient_check
Red team (written from the contract alone).
Off by one: I loop over range(x.size - 1), so the last coordinate's partial derivative stays 0.
"""
# %% [markdown]
# # Exercise 03: checking a gradient numerically
#
# A hand-written gradient is easy to get slightly wrong (a missing transpose, a forgotten
# `1/n`), and a wrong gradient often still lets training limp along. The standard
# safety net is a *gradient check*: compare the gradient with a numerical estimate.
#
# The central difference estimates one partial derivative at a time:
#
#     df/dx_i  ~=  (f(x + eps * e_i) - f(x - eps * e_i)) / (2 * eps)
#
# where `e_i` is the array with a 1 in position `i` and 0 elsewhere. Its error shrinks like
# `eps**2`, much better than the one-sided `(f(x + eps e_i) - f(x)) / eps`.
#
# To compare two gradients, use a *relative* error, so the verdict does not depend on the
# size of the numbers: `|a - b| / (|a| + |b|)`, worst case over all elements. In float64,
# a correct gradient gives about `1e-7` or smaller; a bug gives something near `1`.

# %%
import numpy as np
import tensorflow as tf


# %% [markdown]
# ## 1. The numerical gradient
#
# Loop over every coordinate of `x` (any shape: `np.ndindex(x.shape)` walks all index tuples),
# nudge that one coordinate up and down by `eps`, and evaluate `f` twice.
#
# Work on a *copy* of `x` and put each coordinate back after nudging it: the caller's
# array must be unchanged when you return.

# %%
def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of f (numpy array -> float) at x; shaped like x."""
    ### BEGIN SOLUTION
    work = np.array(x, copy=True)
    grad = np.zeros_like(work)
    for flat in range(work.size - 1):
        index = np.unravel_index(flat, work.shape)
        original = work[index]
        work[index] = original + eps
        f_plus = f(work)
        work[index] = original - eps
        f_minus = f(work)
        work[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * eps)
    return grad
    ### END SOLUTION


# %% [markdown]
# ## 2. The relative error
#
# `max(|a - b| / max(1e-12, |a| + |b|))` over all elements. The `1e-12` floor avoids
# dividing by zero where both gradients are exactly zero.

# %%
def relative_error(a, b):
    """Worst elementwise relative error between a and b, as a float."""
    ### BEGIN SOLUTION
    a = np.asarray(a)
    b = np.asarray(b)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))
    ### END SOLUTION


# %% [markdown]
# ## 3. The tape gradient
#
# `x` comes as a numpy array; turn it into a tensor, `watch` it (a constant is not watched
# on its own), evaluate `f`, and ask the tape. Return a numpy array.

# %%
def tape_gradient(f, x):
    """Gradient of f (tensor -> scalar tensor) at x with tf.GradientTape, as a numpy array."""
    ### BEGIN SOLUTION
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    grad = tape.gradient(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return grad.numpy()
    ### END SOLUTION


# %% [markdown]
# ## 4. The gradient check
#
# Put the pieces together. `numerical_gradient` wants a function of a numpy array that
# returns a float, so wrap `f`: `f_numpy(v) = float(f(tf.constant(v)))`.

# %%
def gradient_check(f, x, eps=1e-6):
    """Relative error between the tape gradient and the numerical gradient of f at x."""
    ### BEGIN SOLUTION
    def f_numpy(v):
        return float(f(tf.constant(v)))

    return relative_error(tape_gradient(f, x), numerical_gradient(f_numpy, x, eps))
    ### END SOLUTION


# %% [markdown]
# ## Try it

# %%
if __name__ == "__main__":
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
    f = lambda t: tf.reduce_sum(tf.sin(t) * t**2)
    print("tape gradient:\n", tape_gradient(f, x))
    print("relative error of the check:", gradient_check(f, x), "(expect < 1e-6)")
    bad = relative_error(tape_gradient(f, x), 1.1 * tape_gradient(f, x))
    print("relative error of a 10% wrong gradient:", bad)
