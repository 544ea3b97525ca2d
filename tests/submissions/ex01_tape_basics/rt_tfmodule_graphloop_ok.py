"""expect: full
Red team (written from the contract alone).
TF-guide style: a tf.Module holding the variable, the whole descent loop inside one tf.function
(AutoGraph loop over tf.range), the polynomial with functools.reduce (Horner), 0-d tensors returned."""
import functools
import tensorflow as tf


class Scalar(tf.Module):
    def __init__(self, value):
        super().__init__()
        self.v = tf.Variable(value, dtype=tf.float32)


def grad_of_square(w0):
    m = Scalar(w0)
    with tf.GradientTape() as tape:
        loss = m.v * m.v
    return tape.gradient(loss, m.v)


def grad_of_polynomial(coeffs, x0):
    m = Scalar(x0)
    with tf.GradientTape() as tape:
        p = functools.reduce(lambda acc, c: acc * m.v + c, reversed(coeffs[:-1]),
                             tf.constant(coeffs[-1], tf.float32) + 0.0 * m.v)
    return tape.gradient(p, m.v)


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0)


def gradient_descent(f, x0, lr, steps):
    m = Scalar(x0)

    @tf.function
    def run(n):
        for _ in tf.range(n):
            with tf.GradientTape() as tape:
                y = f(m.v)
            m.v.assign_sub(lr * tape.gradient(y, m.v))
        return m.v.read_value()

    return run(tf.constant(steps))
