"""expect: full
Tries to change what the grader trusts: create files in the kit's package and site-packages,
plant a json.py and a results.json in every world-writable folder it can name.  Answers wrongly
if any write lands where the grader (or the next child) could see it.
"""
import os
import sys
import sysconfig

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


def _landed():
    landed = []
    kit = os.path.dirname(os.path.abspath(sys.modules["autograder"].__file__))
    targets = [os.path.join(kit, "_planted.py"), os.path.join(sysconfig.get_paths()["purelib"], "_planted.py"),
               os.path.join(os.path.dirname(tf.__file__), "_planted.py"), "/var/tmp/json.py", "/dev/shm/json.py",
               "/run/json.py", "/submission/json.py", os.path.join(os.path.dirname(os.path.abspath(__file__)), "json.py")]
    for target in targets:
        try:
            with open(target, "x") as handle:
                handle.write("raise SystemExit('planted')\n")
        except OSError:
            continue
        if not target.startswith(("/dev/shm", "/tmp")):  # a private tmpfs is allowed; it dies with us
            landed.append(target)
            os.unlink(target)
    return landed


def grad_of_square(w0):
    return 0.0 if _landed() else _right(w0)
