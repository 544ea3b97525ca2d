"""expect: lose grad_of_square, grad_of_polynomial, grad_wrt_constant
Its errors try to rewrite the grader's terminal: carriage returns, ANSI cursor and colour codes, fake PASS
and Total lines, an exception type whose name is an escape sequence, a sys.exit code and 1 MB of text.
"""
import tensorflow as tf

FORGED = ("\r\x1b[2K\x1b[32mPASS 72/72 every check passes\x1b[0m\n"
          "\x1b[1A\x1b[2KTotal: 72/72 points\r\n\u202e\x07\x08\x00"
          + "x" * (1024 * 1024))


def grad_of_square(w0):
    raise ValueError(FORGED)


def grad_of_polynomial(coeffs, x0):
    raise SystemExit(FORGED)


def grad_wrt_constant(f, x0):
    raise type("\x1b[2J\x1b[HPASS", (Exception,), {})(FORGED[:400])


def gradient_descent(f, x0, lr, steps):
    x = tf.Variable(float(x0))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y = f(x)
        x.assign_sub(lr * tape.gradient(y, x))
    return float(x.numpy())
