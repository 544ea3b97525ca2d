"""expect: full
Horner's rule with tf.math.polyval, one persistent tape, and I return 0-d tensors / the Variable.
"""
import tensorflow as tf


def grad_of_square(w0):
    w = tf.Variable(w0)
    with tf.GradientTape(persistent=True) as tape:
        loss = w * w
    g = tape.gradient(loss, w)
    del tape
    return tf.identity(g)                 # 0-d tensor


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(x0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        # polyval wants the highest power first
        p = tf.math.polyval([tf.constant(c, tf.float64) for c in reversed(coeffs)], x)
    g = tape.gradient(p, x)
    if g is None:
        return tf.constant(0.0, tf.float64)
    return g


def grad_wrt_constant(f, x0):
    with tf.GradientTape() as tape:
        tape.watch(x0)
        out = f(x0)
    return tf.reshape(tape.gradient(out, x0), tf.shape(x0))


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(x0, dtype=tf.float32)
    i = 0
    while i < steps:
        with tf.GradientTape() as tape:
            loss = f(x)
        (g,) = tape.gradient(loss, [x])
        x.assign(x - lr * g)
        i += 1
    return x                               # the Variable itself (0-d)
