"""expect: full
cs231n's own helpers, adapted to the contract's names: eval_numerical_gradient walks x with np.nditer
(multi_index, readwrite), nudging x in place and restoring it; rel_error with cs231n's 1e-8 floor;
the gradient check is the full one (every coordinate), returning that relative error.
"""
import numpy as np
import tensorflow as tf


def eval_numerical_gradient(f, x, verbose=False, h=0.00001):
    """a naive implementation of numerical gradient of f at x (cs231n, gradient_check.py)"""
    fx = f(x)  # evaluate function value at original point
    grad = np.zeros_like(x)
    # iterate over all indexes in x
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        # evaluate function at x+h
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h  # increment by h
        fxph = f(x)  # evalute f(x + h)
        x[ix] = oldval - h
        fxmh = f(x)  # evaluate f(x - h)
        x[ix] = oldval  # restore
        # compute the partial derivative with centered formula
        grad[ix] = (fxph - fxmh) / (2 * h)  # the slope
        if verbose:
            print(ix, grad[ix], fx)
        it.iternext()  # step to next dimension
    return grad


def rel_error(x, y):
    """returns relative error"""
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def numerical_gradient(f, x, eps=1e-6):
    return eval_numerical_gradient(f, x, verbose=False, h=eps)


def relative_error(a, b):
    return float(rel_error(np.asarray(a), np.asarray(b)))


def tape_gradient(f, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = f(x)
    return tape.gradient(loss, x).numpy()


def gradient_check(f, x, eps=1e-6):
    analytic = tape_gradient(f, x)
    numeric = eval_numerical_gradient(lambda v: float(f(tf.constant(v))), np.copy(x), h=eps)
    return rel_error(analytic, numeric)
