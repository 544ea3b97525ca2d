"""expect: full
gradient_descent with a plain SGD optimizer (same update as assign_sub), jacobian for the square.
"""
import tensorflow as tf


def grad_of_square(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = tf.pow(w, 2)
    return float(tape.jacobian(loss, w))


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0))
    c = tf.constant(coeffs, dtype=tf.float32)
    with tf.GradientTape() as tape:
        # x**0 written as 1 so that x = 0 gives no NaN from pow's gradient
        terms = tf.stack([tf.ones_like(x)] + [x ** int(k) for k in range(1, len(coeffs))])
        p = tf.reduce_sum(c * terms)
    g = tape.gradient(p, x)
    return 0.0 if g is None else float(g)


def grad_wrt_constant(f, x0):
    tape = tf.GradientTape()
    with tape:
        tape.watch(x0)
        value = f(x0)
    return tape.gradient(value, x0)


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(float(x0))
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y = f(x)
        opt.apply_gradients([(tape.gradient(y, x), x)])
    return float(x)
