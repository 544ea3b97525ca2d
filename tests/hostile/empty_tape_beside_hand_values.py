"""expect: lose grad_of_square, grad_of_polynomial
Works the derivatives of grad_of_square and grad_of_polynomial out on paper and opens an empty tape
beside them, so that "a tape ran"; the other two functions are honest.  A tape that computed no
gradient earns nothing.
"""
import tensorflow as tf


def grad_of_square(w0):
    with tf.GradientTape():
        pass
    return 2.0 * float(w0)


def grad_of_polynomial(coeffs, x0):
    with tf.GradientTape():
        pass
    return float(sum(k * c * x0 ** (k - 1) for k, c in enumerate(coeffs) if k))


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
