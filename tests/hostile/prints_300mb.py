"""expect: lose grad_of_polynomial
Prints 300 MB to stdout in one function.
"""
import tensorflow as tf

import sys



def grad_of_square(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = w ** 2
    return float(tape.gradient(loss, w))




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

def grad_of_polynomial(coeffs, x0):
    line = "x" * 1023 + "\n"
    for _ in range(300 * 1024):
        sys.stdout.write(line)
    return 0.0
