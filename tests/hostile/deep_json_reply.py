"""expect: lose grad_of_square, grad_of_polynomial, grad_wrt_constant, gradient_descent
Replaces the child's every reply, the first (after the import) included, with JSON nested 200000 deep:
Python's json.loads then raises RecursionError, not a JSONDecodeError.  The file must still be scored
out of the exercise's whole points, not dropped from the total.
"""
from multiprocessing import connection

_send_bytes = connection.Connection.send_bytes


def _deep(self, buf, offset=0, size=None):
    return _send_bytes(self, b"[" * 200000 + b"]" * 200000)


connection.Connection.send_bytes = _deep


def grad_of_square(w0):
    return 2.0 * w0
