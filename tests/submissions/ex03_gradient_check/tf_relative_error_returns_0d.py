"""expect: full
relative_error in TensorFlow returning a 0-d tensor; numerical_gradient with an identity matrix of
unit steps (fresh arrays, x untouched); gradient_check returns a 0-d numpy float.
"""
import numpy as np
import tensorflow as tf


def numerical_gradient(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    steps = np.eye(x.size, dtype=np.float64) * eps
    out = np.array([(f(x + s.reshape(x.shape)) - f(x - s.reshape(x.shape))) / (2 * eps)
                    for s in steps], dtype=np.float64)
    return out.reshape(x.shape)


def relative_error(a, b):
    a = tf.cast(tf.convert_to_tensor(a), tf.float64)
    b = tf.cast(tf.convert_to_tensor(b), tf.float64)
    ratio = tf.abs(a - b) / tf.maximum(tf.constant(1e-12, tf.float64), tf.abs(a) + tf.abs(b))
    return tf.reduce_max(ratio)


def tape_gradient(f, x):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        out = f(x)
    grad = tape.gradient(out, x)
    return np.asarray(grad)


def gradient_check(f, x, eps=1e-6):
    f_numpy = lambda v: float(f(tf.constant(v)))
    err = relative_error(tape_gradient(f, x), numerical_gradient(f_numpy, x, eps))
    return np.float64(err)
