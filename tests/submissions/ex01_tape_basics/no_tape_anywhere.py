"""expect: lose grad_of_square, grad_of_polynomial, grad_wrt_constant, gradient_descent
Right numbers without the tape: 2*w0 by hand, the power rule on paper, central differences for the
constant and for the descent steps. The exercise is the tape, so none of it counts.
"""
import tensorflow as tf


def grad_of_square(w0):
    return 2.0 * float(w0)


def grad_of_polynomial(coeffs, x0):
    return float(sum(k * c * x0 ** (k - 1) for k, c in enumerate(coeffs) if k > 0))


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2.0 * h)


def grad_wrt_constant(f, x0):
    flat = tf.reshape(x0, [-1])
    h = 1e-6 if x0.dtype == tf.float64 else 1e-2
    parts = []
    for i in range(int(flat.shape[0])):
        e = tf.one_hot(i, int(flat.shape[0]), dtype=x0.dtype) * h
        parts.append((f(tf.reshape(flat + e, tf.shape(x0))) - f(tf.reshape(flat - e, tf.shape(x0)))) / (2 * h))
    return tf.reshape(tf.stack(parts), tf.shape(x0))


def gradient_descent(f, x0, lr, steps):
    x = tf.constant(float(x0), tf.float64)
    for _ in range(steps):
        x = x - lr * _central(f, x, 1e-6)
    return float(x)
