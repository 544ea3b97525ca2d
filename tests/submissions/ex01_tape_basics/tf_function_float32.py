"""expect: full
float32 throughout (explicit dtypes, no float64 anywhere) and the tape work inside tf.function-compiled
helpers: the gradient step and the polynomial are traced graphs.
"""
import tensorflow as tf


@tf.function
def _square_grad(w):
    with tf.GradientTape() as tape:
        loss = w * w
    return tape.gradient(loss, w)


def grad_of_square(w0):
    return float(_square_grad(tf.Variable(w0, dtype=tf.float32)))


@tf.function
def _poly_grad(coeffs, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        powers = tf.pow(x, tf.range(1, tf.size(coeffs), dtype=tf.float32))
        p = coeffs[0] + tf.reduce_sum(coeffs[1:] * powers)
    return tape.gradient(p, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def grad_of_polynomial(coeffs, x0):
    return float(_poly_grad(tf.constant(coeffs, tf.float32), tf.constant(x0, tf.float32)))


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0)


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(tf.constant(x0, tf.float32))
    lr = tf.constant(lr, tf.float32)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = f(x)
        x.assign_sub(lr * tape.gradient(y, x))

    for _ in range(steps):
        step()
    return float(x.read_value())
