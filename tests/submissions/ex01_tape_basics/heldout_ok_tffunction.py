"""expect: full
Held-out (written from the contract alone): ex01: gradient computations inside @tf.function helpers; Horner evaluation."""
import tensorflow as tf


@tf.function
def _square_grad(w):
    with tf.GradientTape() as tape:
        loss = w ** 2
    return tape.gradient(loss, w)


def grad_of_square(w0):
    w = tf.Variable(w0)
    return float(_square_grad(w).numpy())


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(x0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        # Horner's rule: p = (((c_n) x + c_{n-1}) x + ...) x + c_0
        p = tf.constant(0.0, dtype=tf.float64)
        for c in reversed(coeffs):
            p = p * x + c
    g = tape.gradient(p, x)
    if g is None:  # constant polynomial
        return 0.0
    return float(g.numpy())


def grad_wrt_constant(f, x0):
    tape = tf.GradientTape()
    with tape:
        tape.watch(x0)
        out = f(x0)
    g = tape.gradient(out, x0)
    return tf.reshape(g, tf.shape(x0))


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(x0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = f(x)
        x.assign_sub(lr * tape.gradient(y, x))

    for _ in range(steps):
        step()
    return float(x.read_value())
