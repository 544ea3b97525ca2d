"""expect: full
Held-out (written from the contract alone): ex03: flat index with np.unravel_index; class + aliases; tf.function-free."""
import numpy as np
import tensorflow as tf


class GradCheck:
    def numerical_gradient(self, f, x, eps=1e-6):
        g = np.zeros(x.shape, dtype=np.float64)
        for flat in range(x.size):
            i = np.unravel_index(flat, x.shape)
            saved = x[i].copy()
            x[i] = saved + eps
            fp = f(x)
            x[i] = saved - eps
            fm = f(x)
            x[i] = saved
            g[i] = (fp - fm) / (2 * eps)
        return g

    def relative_error(self, a, b):
        num = np.abs(np.subtract(a, b, dtype=np.float64))
        den = np.maximum(1e-12, np.abs(a) + np.abs(b))
        return float((num / den).max())

    def tape_gradient(self, f, x):
        v = tf.Variable(tf.convert_to_tensor(x, dtype=tf.float64))
        with tf.GradientTape() as t:
            val = f(v)
        return t.gradient(val, v).numpy()

    def gradient_check(self, f, x, eps=1e-6):
        f_numpy = lambda v: float(f(tf.constant(v)))
        return self.relative_error(self.tape_gradient(f, x),
                                   self.numerical_gradient(f_numpy, x, eps))


_gc = GradCheck()
numerical_gradient = _gc.numerical_gradient
relative_error = _gc.relative_error
tape_gradient = _gc.tape_gradient
gradient_check = _gc.gradient_check
