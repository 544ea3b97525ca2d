"""expect: full
The four functions live on a class (one instance, its own tape options) and are exported as
module-level aliases, a style common in course code.
"""
import tensorflow as tf


class TapeExercises:
    def __init__(self, persistent=False):
        self.persistent = persistent

    def _tape(self):
        return tf.GradientTape(persistent=self.persistent)

    def grad_of_square(self, w0):
        w = tf.Variable(float(w0))
        with self._tape() as tape:
            loss = tf.square(w)
        return tape.gradient(loss, w).numpy().item()

    def grad_of_polynomial(self, coeffs, x0):
        x = tf.Variable(float(x0))
        with self._tape() as tape:
            p = tf.zeros_like(x) + coeffs[0]
            for k in range(1, len(coeffs)):
                p += coeffs[k] * tf.pow(x, float(k))
        grad = tape.gradient(p, x, unconnected_gradients="zero")
        return float(grad)

    def grad_wrt_constant(self, f, x0):
        with self._tape() as tape:
            tape.watch(x0)
            out = f(x0)
        return tape.gradient(out, x0)

    def gradient_descent(self, f, x0, lr, steps):
        x = tf.Variable(float(x0))
        for _ in range(steps):
            with self._tape() as tape:
                loss = f(x)
            x.assign_sub(lr * tape.gradient(loss, x))
        return x.numpy().item()


_exercises = TapeExercises()
grad_of_square = _exercises.grad_of_square
grad_of_polynomial = _exercises.grad_of_polynomial
grad_wrt_constant = _exercises.grad_wrt_constant
gradient_descent = _exercises.gradient_descent
