"""expect: full
Red team (written from the contract alone).
numerical_gradient perturbs x in place with += eps, -= 2 eps, += eps: an ulp of drift, accepted.
"""
import numpy as np
import tensorflow as tf

def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += eps; fp = f(x)
        x[idx] -= 2 * eps; fm = f(x)
        x[idx] += eps
        g[idx] = (fp - fm) / (2 * eps)
    return g

def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64); b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))

def tape_gradient(f, x):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = f(t)
    return tape.gradient(y, t).numpy()

def gradient_check(f, x, eps=1e-6):
    f_numpy = lambda v: float(f(tf.constant(v)))
    return relative_error(tape_gradient(f, x), numerical_gradient(f_numpy, x, eps))
