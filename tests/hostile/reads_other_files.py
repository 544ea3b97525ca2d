"""expect: full
Looks for what a child must not see: other files beside its submission (a sibling student's folder,
the grader's results), the kit's solutions, tests and grading modules (by path and by import),
/root, and the grader's command line in /proc.  Answers wrongly if it finds any of them.
"""
import glob
import os
import sys

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


def _found():
    found = []
    here = os.path.dirname(os.path.abspath(__file__))
    if [n for n in os.listdir(here) if n != os.path.basename(__file__) and not n.startswith("__pycache__")]:
        found.append(f"files beside the submission: {os.listdir(here)}")
    if os.path.exists(os.path.join(os.path.dirname(here), "other_student")):
        found.append("a sibling student's folder")
    kit = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["autograder"].__file__)))
    for relative in ("solutions/ex01_tape_basics.py", "autograder/oracle.py", "autograder/checks/__init__.py",
                     "tests/test_isolation.py", "pyproject.toml"):
        try:
            with open(os.path.join(kit, relative), "rb") as handle:
                handle.read(1)
            found.append(relative)
        except OSError:
            pass
    for module in ("autograder.checks", "autograder.oracle", "autograder.sandbox.client"):
        try:
            __import__(module)
            found.append(f"import {module}")
        except Exception:  # noqa: BLE001 - any failure to import is what we want
            pass
    for pattern in ("/root/*", "/home/*", "/tmp/pytest-of-*", "/tmp/autograder-*", "/work/*/*", "/proc/*/cwd/*"):
        hits = glob.glob(pattern)
        if hits:
            found.append(f"{pattern}: {hits[:3]}")
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        if b"pytest" in text or b"autograder.cli" in text:
            found.append(f"the grader's command line in {cmdline}")
    return found


def grad_of_square(w0):
    return 0.0 if _found() else _right(w0)
