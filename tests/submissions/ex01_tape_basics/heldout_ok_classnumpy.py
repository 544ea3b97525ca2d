"""expect: full
Held-out (written from the contract alone): ex01: class with module-level aliases, numpy returns, tf.math.polyval, persistent tape."""
import numpy as np
import tensorflow as tf


class TapeBasics:
    @staticmethod
    def grad_of_square(w0):
        w = tf.Variable(w0)
        with tf.GradientTape(persistent=True) as tape:
            loss = tf.square(w)
        g = tape.gradient(loss, w)
        del tape
        return np.float64(g.numpy()).item()

    @staticmethod
    def grad_of_polynomial(coeffs, x0):
        x = tf.Variable(x0, dtype=tf.float32)
        with tf.GradientTape() as tape:
            # polyval wants highest degree first
            p = tf.math.polyval([tf.constant(c, tf.float32) for c in coeffs[::-1]], x)
        g = tape.gradient(p, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return float(np.asarray(g))

    @staticmethod
    def grad_wrt_constant(f, x0):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x0)
            val = f(x0)
        return np.asarray(tape.gradient(val, x0))

    @staticmethod
    def gradient_descent(f, x0, lr, steps):
        x = tf.Variable(x0)
        step = 0
        while step < steps:
            with tf.GradientTape() as tape:
                fx = f(x)
            grad = tape.gradient(fx, [x])[0]
            x.assign_sub(lr * grad)
            step += 1
        return float(x.numpy())


_tb = TapeBasics()
grad_of_square = _tb.grad_of_square
grad_of_polynomial = _tb.grad_of_polynomial
grad_wrt_constant = _tb.grad_wrt_constant
gradient_descent = _tb.gradient_descent
