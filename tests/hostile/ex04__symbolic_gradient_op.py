"""expect: lose sigmoid_prime; maybe output_delta, hidden_delta, backprop, train, forward, tape_gradients, sgd_update
Computes the derivative with the raw SymbolicGradient op on a defined function, bypassing the tape.
"""
import tensorflow as tf
from tensorflow.python.framework import function as _function


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    z = tf.convert_to_tensor(z)

    @_function.Defun(z.dtype)
    def _sig(t):
        return tf.math.sigmoid(t)

    @tf.function
    def _grad(t):
        g = tf.raw_ops.SymbolicGradient(input=[t, tf.ones_like(t)], Tout=[t.dtype], f=_sig)
        return g[0]

    return _grad(z)
