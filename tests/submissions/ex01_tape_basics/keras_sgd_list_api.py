"""expect: full
gradient_descent with tf.keras.optimizers.SGD over a list of variables (tape.gradient on a list,
apply_gradients(zip(...))); grad_wrt_constant through tape.jacobian of a scalar; numpy-float returns.
"""
import numpy as np
import tensorflow as tf


def grad_of_square(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = w ** 2
    [g] = tape.gradient(loss, [w])
    return np.float32(g)


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0))
    with tf.GradientTape() as tape:
        p = tf.math.polyval([tf.constant(c) for c in coeffs[::-1]], x)
    g = tape.gradient(p, x)
    return np.float64(0.0 if g is None else g.numpy())


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.jacobian(y, x0)


def gradient_descent(f, x0, lr, steps):
    params = [tf.Variable(float(x0))]
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = f(params[0])
        grads = tape.gradient(loss, params)
        optimizer.apply_gradients(zip(grads, params))
    return params[0].numpy()
