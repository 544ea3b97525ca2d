"""expect: full
Held-out (written from the contract alone): ex01: straightforward tape usage, Python floats out."""
import tensorflow as tf


def grad_of_square(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = w ** 2
    return float(tape.gradient(loss, w))


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0))
    with tf.GradientTape() as tape:
        p = tf.add_n([c * x ** k for k, c in enumerate(coeffs)])
    g = tape.gradient(p, x)
    return 0.0 if g is None else float(g)


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        y = f(x0)
    return tape.gradient(y, x0)


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(x0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y = f(x)
        x.assign_sub(lr * tape.gradient(y, x))
    return float(x.numpy())
