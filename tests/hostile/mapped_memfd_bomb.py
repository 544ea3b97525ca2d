"""expect: lose grad_of_square
Holds memfds only through mappings it never touches (each fd closed once mapped): no open file and
no resident page shows them, 4 GiB in all.
"""
import mmap
import os

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
    block = b"x" * (8 * 1024 * 1024)
    kept = []
    for _ in range(512):
        fd = os.memfd_create("bomb")
        os.write(fd, block)
        kept.append(mmap.mmap(fd, len(block), flags=mmap.MAP_SHARED, prot=mmap.PROT_READ))
        os.close(fd)
    return _right(w0)
