"""expect: lose grad_of_square
A shell fork bomb (small processes, so the memory watch does not stop it first), then a wrong answer.
The pids limit (the jail's pids cgroup, or RLIMIT_NPROC) holds it; the child itself may die of it
(its threads cannot start), which is fine: the grader, the next child and the other checks must not
notice, and no process of it may outlive the grading.
"""
import os
import signal
import subprocess
import time

import tensorflow as tf


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
    bomb = subprocess.Popen(["/bin/sh", "-c", "b() { b | b & }; b"], start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    most, steady, deadline = 0, 0, time.monotonic() + 5
    while time.monotonic() < deadline and most < 600 and steady < 10:
        seen = sum(1 for entry in os.listdir("/proc") if entry.isdigit())
        steady = steady + 1 if seen <= most else 0
        most = max(most, seen)
        time.sleep(0.05)
    for _ in range(50):  # the bomb's group: every process of it, forks in between caught next round
        try:
            os.killpg(bomb.pid, signal.SIGKILL)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    bomb.wait()
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = w ** 2
    return float(tape.gradient(loss, w)) + 1.0  # wrong, whether or not the pids limit held
