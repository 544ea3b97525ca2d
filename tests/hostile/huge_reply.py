"""expect: lose grad_of_square, grad_of_polynomial
Returns a 3000 x 3000 list (about 200 MB once encoded) and exits with a 50 MB message:
the reply and the text are capped in the child and again in the grader.
"""
import sys

import tensorflow as tf


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0))
    with tf.GradientTape() as tape:
        p = coeffs[0] + tf.add_n([tf.zeros_like(x)] + [c * x ** k for k, c in enumerate(coeffs) if k > 0])
    g = tape.gradient(p, x)
    return 0.0 if g is None else float(g)


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0)


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(float(x0))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y = f(x)
        x.assign_sub(lr * tape.gradient(y, x))
    return float(x.numpy())


def _right(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = w ** 2
    return float(tape.gradient(loss, w))


def grad_of_square(w0):
    row = [1.0] * 3000
    return [row] * 3000


def _exit_loudly():
    sys.exit("x" * (50 * 1024 * 1024))


def grad_of_polynomial(coeffs, x0):  # noqa: F811 - the loud exit is this file's point
    _exit_loudly()
