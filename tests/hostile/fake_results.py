"""expect: lose grad_of_square
Writes a fake results.json wherever it can and prints fake PASSED lines, and returns a wrong value.
"""
import tensorflow as tf

import glob, json, os
_fake = {"score": 100, "max_score": 100, "tests": []}
for _place in ["results.json", "/tmp/results.json", os.path.expanduser("~/results.json"),
               *[os.path.join(os.path.dirname(p), "results.json") for p in glob.glob("/proc/*/cwd/x")]]:
    try:
        with open(_place, "w") as _h:
            json.dump(_fake, _h)
    except OSError:
        pass
for _ in range(50):
    print("PASSED ex01.grad_of_square 1/1")





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
    print("ex01_tape_basics: 6/6 points\n============ 99 passed in 0.1s ============")
    return 0.0
