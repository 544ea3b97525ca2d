"""expect: full
I perturb x in place through a flat view and put every coordinate back; tape via a tf.Variable.
"""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    work = x if x.flags.c_contiguous else np.ascontiguousarray(x)
    flat = work.reshape(-1)                 # a view: writing flat[i] changes work
    grad = np.empty(flat.shape, dtype=np.float64)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f(work)
        flat[i] = old - eps
        f_minus = f(work)
        flat[i] = old                       # restore
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad.reshape(x.shape)


def relative_error(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    num = np.abs(a - b)
    den = np.maximum(1e-12, np.abs(a) + np.abs(b))
    return np.max(num / den).item()


def tape_gradient(f, x):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = f(v)
    g = tape.gradient(y, v)
    if g is None:
        return np.zeros(np.shape(x))
    return np.reshape(g.numpy(), np.shape(x))


def gradient_check(f, x, eps=1e-6):
    analytic = tape_gradient(f, x)
    numeric = numerical_gradient(lambda v: float(f(tf.constant(v))), x, eps)
    return relative_error(analytic, numeric)
