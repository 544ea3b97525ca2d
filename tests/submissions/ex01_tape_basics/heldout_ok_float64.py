"""expect: full
Held-out (written from the contract alone): ex01: explicit loop for the polynomial, float64 where free, tf.Variable from x0 as is."""
import tensorflow as tf


def grad_of_square(w0):
    w = tf.Variable(w0)
    with tf.GradientTape() as t:
        loss = w * w
    dl_dw = t.gradient(loss, w)
    return dl_dw.numpy().item()


def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(tf.constant(x0, dtype=tf.float64))
    with tf.GradientTape() as t:
        total = tf.zeros([], dtype=tf.float64)
        power = tf.ones([], dtype=tf.float64)
        for k in range(len(coeffs)):
            total = total + coeffs[k] * power
            power = power * x
    g = t.gradient(total, x, unconnected_gradients="zero")
    return float(g)


def grad_wrt_constant(f, x0):
    x = tf.convert_to_tensor(x0)
    with tf.GradientTape() as t:
        t.watch(x)
        s = f(x)
    return t.gradient(s, x).numpy()


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(x0)
    for i in range(steps):
        with tf.GradientTape() as t:
            value = f(x)
        g = t.gradient(value, x)
        x.assign_sub(lr * g)
    return x.numpy().item()
