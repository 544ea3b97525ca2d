"""expect: full
clone(CLONE_PARENT) from the child, and from a process it forked, to get a process outside its own
tree (a sibling of the child, so a child of the fork server): it execs `sleep 1000`.  Answers
wrongly if the child's own clone(CLONE_PARENT) works (inside a PID namespace's init it must fail).
"""
import ctypes
import os

import tensorflow as tf

CLONE_PARENT = 0x00008000
SIGCHLD = 17


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


def _clone_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    pid = libc.syscall(56, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0)  # 56: clone on x86_64
    if pid == 0:  # the new process: become a long sleeper
        os.execv("/bin/sleep", ["sleep", "1000"])
    return pid


def grad_of_square(w0):
    escaped = _clone_parent() > 0
    helper = os.fork()
    if helper == 0:  # not the namespace's init: here CLONE_PARENT works, but stays inside
        _clone_parent()
        os._exit(0)
    os.waitpid(helper, 0)
    return 0.0 if escaped else _right(w0)
