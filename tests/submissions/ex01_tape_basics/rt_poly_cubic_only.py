"""expect: lose grad_of_polynomial
Red team (written from the contract alone).
I wrote the polynomial out to the cubic term (c0 + c1 x + c2 x^2 + c3 x^3, missing coefficients are 0):
any coefficient beyond coeffs[3] is silently ignored, though the contract allows any len >= 1.
"""
# %% [markdown]
# # Exercise 01: gradients with `tf.GradientTape`
#
# Backpropagation is the chain rule, applied by a computer. TensorFlow does this for you
# with a *gradient tape*: while the code inside a `with tf.GradientTape() as tape:` block
# runs, every operation on a watched tensor is written down (recorded) on the tape. Afterwards
# `tape.gradient(result, source)` plays the recording backwards and hands you
# d result / d source.
#
# Two things decide what gets recorded:
#
# - A `tf.Variable` is watched automatically. Variables are what you train, so the tape
#   assumes you want their gradients.
# - A plain tensor (for example a `tf.constant`) is *not* watched. If you need the gradient
#   with respect to it, call `tape.watch(x)` first, otherwise `tape.gradient` returns `None`.
#
# In this file you use the tape on small functions where you can check the answer with
# pencil and paper.

# %%
import numpy as np
import tensorflow as tf


# %% [markdown]
# ## 1. The gradient of `w**2`
#
# `loss = w**2`, so `d loss / d w = 2 * w`; at `w = 5` the answer is `10`.
#
# Steps: make a `tf.Variable`, compute the loss *inside* the tape block, then ask the tape
# for the gradient *outside* it. `float(...)` turns the 0-d tensor into a Python number.

# %%
def grad_of_square(w0):
    """Return d(w**2)/dw at w = w0, computed with tf.GradientTape, as a Python float."""
    ### BEGIN SOLUTION
    w = tf.Variable(float(w0))
    with tf.GradientTape() as tape:
        loss = w**2
    return float(tape.gradient(loss, w))
    ### END SOLUTION


# %% [markdown]
# ## 2. The derivative of a polynomial
#
# `p(x) = coeffs[0] + coeffs[1] * x + coeffs[2] * x**2 + ...`, and we want `p'(x0)`.
#
# The polynomial is evaluated here with Horner's rule,
# `p(x) = (((c_n) * x + c_{n-1}) * x + ...) * x + c_0`, which only multiplies and adds.
#
# One corner case: a constant polynomial (`len(coeffs) == 1`) does not depend on `x` at all,
# and then `tape.gradient` returns `None` ("not connected"). Passing
# `unconnected_gradients=tf.UnconnectedGradients.ZERO` asks for a zero instead.

# %%
def grad_of_polynomial(coeffs, x0):
    """Return p'(x0) for p(x) = sum(coeffs[k] * x**k), computed with a tape, as a float."""
    ### BEGIN SOLUTION
    x = tf.Variable(float(x0))
    with tf.GradientTape() as tape:
        c = (list(coeffs) + [0.0, 0.0, 0.0, 0.0])[:4]
        p = c[0] + c[1] * x + c[2] * x**2 + c[3] * x**3
    grad = tape.gradient(p, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return float(grad)
    ### END SOLUTION


# %% [markdown]
# ## 3. The gradient with respect to a constant: `tape.watch`
#
# Here `x0` is a `tf.constant`, not a variable, so the tape ignores it unless you tell it
# otherwise with `tape.watch(x0)`. Call `watch` *before* computing `f(x0)`: the tape only
# records what happens after it knows the tensor is interesting.
#
# `f` returns a scalar, so the gradient has the same shape as `x0` (one partial derivative
# per element).

# %%
def grad_wrt_constant(f, x0):
    """Return the gradient of the scalar function f at the constant tensor x0 (shaped like x0)."""
    ### BEGIN SOLUTION
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    ### END SOLUTION


# %% [markdown]
# ## 4. Gradient descent on one number
#
# Gradient descent repeats `x <- x - lr * f'(x)`. The update must change the variable
# *in place*: `x.assign_sub(lr * grad)`. Writing `x = x - lr * grad` would not update the
# variable; it would bind the name `x` to a brand-new tensor, which the tape no longer
# treats as a variable on the next step.
#
# Example: for `f(x) = (x - 3)**2`, starting anywhere, `x` moves towards `3`.

# %%
def gradient_descent(f, x0, lr, steps):
    """Minimise f from x0 with `steps` gradient steps of size lr; return the final x as a float."""
    ### BEGIN SOLUTION
    x = tf.Variable(float(x0))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y = f(x)
        grad = tape.gradient(y, x)
        x.assign_sub(lr * grad)
    return float(x.numpy())
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# Run this file (`python ex01_tape_basics.py`) to see your functions at work.

# %%
if __name__ == "__main__":
    print("d(w^2)/dw at 5:", grad_of_square(5.0), "(expected 10.0)")
    print("p'(2) for p = 1 + 2x + 3x^2:", grad_of_polynomial([1.0, 2.0, 3.0], 2.0), "(expected 14.0)")
    x = tf.constant([1.0, 2.0, 3.0])
    print("grad of sum(x^2):", grad_wrt_constant(lambda t: tf.reduce_sum(t**2), x).numpy(),
          "(expected [2. 4. 6.])")
    x_min = gradient_descent(lambda t: (t - 3.0) ** 2, 0.0, 0.1, 100)
    print("argmin of (x-3)^2:", x_min, "(expected about 3.0)")
    np.testing.assert_allclose(x_min, 3.0, atol=1e-3)
