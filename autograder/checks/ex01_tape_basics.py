"""ex01_tape_basics: gradients with tf.GradientTape, checked against closed forms."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import oracle
from autograder.check import Check, Exercise, failed, parts_verdict, rng, signature, verdict_for
from autograder.records import Probe, Tensor, Verdict

NAME = "ex01_tape_basics"


def check_grad_of_square(learner, rubric):
    tol = rubric.tolerance("float32")  # tf.Variable(python float) is float32
    parts = []
    for w0 in (5.0, -1.25, 0.0):
        outcome = learner.call("grad_of_square", w0)
        parts.append(failed(outcome) or verdict_for(
            outcome.value, 2 * w0, tol, signature("grad_of_square", w0=w0), {
                "returned w0**2 (the loss) instead of its derivative": w0**2,
                "returned w0 instead of 2 * w0": w0}, scalar=True))
    return parts_verdict(parts)


def _poly_derivative(coeffs, x0):
    return sum(k * c * x0 ** (k - 1) for k, c in enumerate(coeffs) if k > 0)


def check_grad_of_polynomial(cases, learner, rubric):
    tol = rubric.tolerance("float32")
    parts = []
    for coeffs, x0 in cases:
        outcome = learner.call("grad_of_polynomial", list(coeffs), x0)
        value = sum(c * x0**k for k, c in enumerate(coeffs))
        off_by_one = sum((k + 1) * c * x0**k for k, c in enumerate(coeffs))
        parts.append(failed(outcome) or verdict_for(
            outcome.value, _poly_derivative(coeffs, x0), tol,
            signature("grad_of_polynomial", coeffs=list(coeffs), x0=x0), {
                "returned p(x0) instead of p'(x0)": value,
                "the powers are off by one (coeffs[k] multiplies x**(k+1))": off_by_one},
            scalar=True))
    return parts_verdict(parts)


def check_grad_wrt_constant(dtype, shape, learner, rubric):
    r = rng(1, len(shape), 3 if dtype == "float64" else 4)
    x = r.normal(size=shape)
    a = r.uniform(0.5, 2.0, size=shape)
    f = Probe("fn:wavy", (a,))
    outcome = learner.call("grad_wrt_constant", f, Tensor(x, dtype))
    called = signature("grad_wrt_constant", f=f, x0=Tensor(x, dtype))
    problem = failed(outcome)
    if problem:
        return problem
    if outcome.value is None:
        return Verdict(0.0, f"{called} returned None: the tape only watches Variables by itself; "
                            "call tape.watch(x0) on a constant before computing f(x0)")
    return verdict_for(outcome.value, oracle.wavy_gradient(a, x), rubric.tolerance(dtype), called)


def check_gradient_descent(learner, rubric):
    # f(x) = c * (x - t)**2: each step maps x - t to (x - t) * (1 - 2*c*lr), a closed form to compare with
    c, t = 1.5, 0.75
    f = Probe("fn:quadratic_bowl", (np.array(c), np.array(t)))
    tol = rubric.tolerance("float32")
    parts = []
    for x0, lr, steps in ((3.0, 0.1, 25), (-2.0, 0.05, 3), (1.0, 0.2, 0)):
        outcome = learner.call("gradient_descent", f, x0, lr, steps)
        want = t + (x0 - t) * (1 - 2 * c * lr) ** steps
        parts.append(failed(outcome) or verdict_for(
            outcome.value, want, tol, signature("gradient_descent", f="c*(x-t)**2", x0=x0, lr=lr, steps=steps), {
                "x moved uphill (x + lr * grad instead of x - lr * grad)": t + (x0 - t) * (1 + 2 * c * lr) ** steps,
                "one step too many": t + (x0 - t) * (1 - 2 * c * lr) ** (steps + 1),
                "one step too few": t + (x0 - t) * (1 - 2 * c * lr) ** max(steps - 1, 0),
            }, scalar=True))
    return parts_verdict(parts)


EXERCISE = Exercise(
    NAME,
    ("grad_of_square", "grad_of_polynomial", "grad_wrt_constant", "gradient_descent"),
    (
        Check("grad_of_square", "values", "d(w**2)/dw = 2w at w0 = 5, -1.25, 0", check_grad_of_square),
        Check("grad_of_polynomial", "cubic", "p'(x0) of a cubic and a quadratic",
              partial(check_grad_of_polynomial, (((1.0, -2.0, 0.5, 3.0), 1.5), ((0.0, 0.0, 2.0), -0.7)))),
        Check("grad_of_polynomial", "constant", "a constant polynomial has derivative 0",
              partial(check_grad_of_polynomial, (((4.0,), 2.0),))),
        Check("grad_wrt_constant", "float64", "gradient at a constant, shaped like x0 (float64, 3x4)",
              partial(check_grad_wrt_constant, "float64", (3, 4))),
        Check("grad_wrt_constant", "float32", "gradient at a constant, shaped like x0 (float32, 5)",
              partial(check_grad_wrt_constant, "float32", (5,))),
        Check("gradient_descent", "bowl", "lands where the closed form says after 25, 3 and 0 steps",
              check_gradient_descent),
    ),
)
