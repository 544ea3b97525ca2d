"""expect: lose grad_of_square, grad_of_polynomial, grad_wrt_constant, gradient_descent
The untouched stub: every function still raises NotImplementedError.
"""
import tensorflow as tf


def grad_of_square(w0):
    raise NotImplementedError


def grad_of_polynomial(coeffs, x0):
    raise NotImplementedError


def grad_wrt_constant(f, x0):
    raise NotImplementedError


def gradient_descent(f, x0, lr, steps):
    raise NotImplementedError
