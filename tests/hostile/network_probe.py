"""expect: full
Tries to reach a server on the grading machine (127.0.0.1:47613) and answers wrongly if it can.
"""
import socket

import tensorflow as tf





def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0))
    with tf.GradientTape() as tape:
        # the constant term is written without x**0: the tape gives NaN for d(x**0)/dx at x = 0
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


def grad_of_square(w0):
    try:
        with socket.create_connection(("127.0.0.1", 47613), timeout=2) as connection:
            connection.sendall(b"leaked")
        return 0.0  # reached the network: a wrong answer, so the test notices
    except OSError:
        w = tf.Variable(w0)
        with tf.GradientTape() as tape:
            loss = w ** 2
        return float(tape.gradient(loss, w))
