"""expect: lose grad_of_square
Patches every autograder module it finds in sys.modules so comparisons always pass, and returns a wrong value.
"""
import tensorflow as tf

import sys
for _name, _mod in list(sys.modules.items()):
    if _name.startswith("autograder"):
        for _attr in ("mismatch", "close", "verdict_for", "diagnose"):
            if hasattr(_mod, _attr):
                setattr(_mod, _attr, lambda *a, **k: None)
# and the comparison module, if the child can import it (inside the jail it cannot: the kit's
# grading modules are not in its filesystem)
try:
    import autograder.compare as _compare
    _compare.mismatch = lambda *a, **k: None
    _compare.close = lambda *a, **k: True
except ImportError:
    pass





def grad_of_polynomial(coeffs, x0):
    x = tf.Variable(float(x0))
    with tf.GradientTape() as tape:
        # the constant term is written without x**0: the tape gives NaN for d(x**0)/dx at x = 0
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

def grad_of_square(w0):
    return -1.0
