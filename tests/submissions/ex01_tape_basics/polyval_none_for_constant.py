"""expect: lose grad_of_polynomial
tf.math.polyval on a Variable; for a constant polynomial tape.gradient gives None and float(None) fails.
"""
import tensorflow as tf


def grad_of_square(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = w ** 2
    return float(tape.gradient(loss, w))


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0), dtype=tf.float64)
    with tf.GradientTape() as tape:
        p = tf.math.polyval([tf.constant(c, tf.float64) for c in reversed(coeffs)], x)
    return float(tape.gradient(p, x))


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0)


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(float(x0))
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y = f(x)
        opt.apply_gradients([(tape.gradient(y, x), x)])
    return float(x.numpy())
