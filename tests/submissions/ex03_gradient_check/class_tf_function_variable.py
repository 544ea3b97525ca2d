"""expect: full
Everything on a GradientChecker object exported as module-level names; the tape gradient is taken
inside a tf.function on a float64 Variable; the numerical gradient loops over a flat copy with
np.put / np.take.
"""
import numpy as np
import tensorflow as tf


class GradientChecker:
    def __init__(self, default_eps=1e-6):
        self.default_eps = default_eps

    def numerical_gradient(self, f, x, eps=None):
        eps = self.default_eps if eps is None else eps
        base = np.array(x, dtype=np.float64).ravel()
        out = np.empty_like(base)
        for i in range(base.size):
            up, down = base.copy(), base.copy()
            np.put(up, i, np.take(base, i) + eps)
            np.put(down, i, np.take(base, i) - eps)
            out[i] = (f(up.reshape(np.shape(x))) - f(down.reshape(np.shape(x)))) / (2 * eps)
        return out.reshape(np.shape(x))

    @staticmethod
    def relative_error(a, b):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        return float((np.abs(a - b) / np.fmax(np.abs(a) + np.abs(b), 1e-12)).max())

    @staticmethod
    def tape_gradient(f, x):
        v = tf.Variable(np.asarray(x, dtype=np.float64))

        @tf.function
        def grad():
            with tf.GradientTape() as tape:
                out = f(v)
            return tape.gradient(out, v)

        return grad().numpy()

    def gradient_check(self, f, x, eps=1e-6):
        f_numpy = lambda v: float(f(tf.constant(v)))  # noqa: E731
        return self.relative_error(self.tape_gradient(f, x), self.numerical_gradient(f_numpy, x, eps))


_checker = GradientChecker()
numerical_gradient = _checker.numerical_gradient
relative_error = _checker.relative_error
tape_gradient = _checker.tape_gradient
gradient_check = _checker.gradient_check
