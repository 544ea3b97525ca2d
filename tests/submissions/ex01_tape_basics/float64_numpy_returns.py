"""expect: full
I work in float64 Variables and hand back numpy scalars / arrays instead of Python floats.
"""
import numpy as np
import tensorflow as tf


def grad_of_square(w0):
    w = tf.Variable(w0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        loss = tf.square(w)
    return tape.gradient(loss, w).numpy()          # 0-d numpy float64


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(x0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        p = tf.constant(coeffs[0], dtype=tf.float64)
        power = tf.ones_like(x)
        for c in coeffs[1:]:
            power = power * x              # x**k built by repeated products
            p = p + c * power
    g = tape.gradient(p, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return np.asarray(g.numpy())


def grad_wrt_constant(f, x0):
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0).numpy()


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(float(x0))
    for _ in range(int(steps)):
        with tf.GradientTape() as tape:
            y = f(x)
        grad = tape.gradient(y, x)
        x.assign_sub(lr * grad)
    return np.float32(x.numpy())
