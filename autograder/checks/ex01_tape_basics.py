"""ex01_tape_basics: gradients with tf.GradientTape, checked against closed forms."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import messages, oracle
from autograder.checks.framework import Check, Exercise, failed, parts_verdict, rng, signature, tape_required, verdict_for
from autograder.probes import Shipped
from autograder.records import PASS, Tensor, Verdict

NAME = "ex01_tape_basics"


def tape_ran(verdict, outcome, called):
    return tape_required(verdict, outcome, called, "compute the derivative with a tape (tape.gradient), not by hand "
                                                   "or numerically")


def check_grad_of_square(learner, rubric):
    tol = rubric.tolerance("float32")  # tf.Variable(python float) is float32
    parts = []
    for w0 in (5.0, -1.25, 0.0):
        outcome = learner.call("grad_of_square", w0)
        called = signature("grad_of_square", w0=w0)
        parts.append(failed(outcome) or tape_ran(verdict_for(
            outcome.value, 2 * w0, tol, called, {
                "returned w0**2 (the loss) instead of its derivative": w0**2,
                "returned w0 instead of 2 * w0": w0}, scalar=True), outcome, called))
    return parts_verdict(parts)


def _poly_derivative(coeffs, x0):
    return sum(k * c * x0 ** (k - 1) for k, c in enumerate(coeffs) if k > 0)


# a cubic, a quadratic and a quintic: coeffs may be of any length, so one written out to x**3 is seen
CUBIC_CASES = (((1.0, -2.0, 0.5, 3.0), 1.5), ((0.0, 0.0, 2.0), -0.7), ((0.5, 1.0, -1.0, 0.25, 2.0, -0.5), 1.1))
CONSTANT_CASES = (((4.0,), 2.0),)


def _polynomial_verdict(coeffs, x0, learner, rubric):
    outcome = learner.call("grad_of_polynomial", list(coeffs), x0)
    value = sum(c * x0**k for k, c in enumerate(coeffs))
    off_by_one = sum((k + 1) * c * x0**k for k, c in enumerate(coeffs))
    called = signature("grad_of_polynomial", coeffs=list(coeffs), x0=x0)
    verdict = failed(outcome) or verdict_for(
        outcome.value, _poly_derivative(coeffs, x0), rubric.tolerance("float32"), called, {
            "returned p(x0) instead of p'(x0)": value,
            "the powers are off by one (coeffs[k] multiplies x**(k+1))": off_by_one},
        scalar=True)
    # a constant polynomial has nothing to record, so only the non-constant cases can show the tape
    return tape_ran(verdict, outcome, called) if len(coeffs) > 1 else verdict


def check_grad_of_polynomial(cases, learner, rubric):
    return parts_verdict([_polynomial_verdict(coeffs, x0, learner, rubric) for coeffs, x0 in cases])


def check_grad_of_polynomial_constant(learner, rubric):
    """0 for a constant polynomial, but only from a function that differentiates: ``return 0.0`` must not score.

    The gate reuses a case of the cubic check (the call is memoised), so it costs nothing.
    """
    verdict = check_grad_of_polynomial(CONSTANT_CASES, learner, rubric)
    if not verdict.passed:
        if "NoneType" in verdict.message:
            return Verdict(0.0, f"{verdict.message}. {messages.UNCONNECTED_GRADIENT}")
        return verdict
    (coeffs, x0) = CUBIC_CASES[1]
    other = _polynomial_verdict(coeffs, x0, learner, rubric)
    if not other.passed:
        return Verdict(0.0, "grad_of_polynomial returned 0 for a constant polynomial, but this counts only when it "
                            f"also differentiates a non-constant one, and it does not: {other.message}")
    return PASS


def check_grad_wrt_constant(dtype, shape, learner, rubric):
    r = rng(1, len(shape), 3 if dtype == "float64" else 4)
    x = r.normal(size=shape)
    a = r.uniform(0.5, 2.0, size=shape)
    f = oracle.WAVY.probe(a)
    outcome = learner.call("grad_wrt_constant", f, Tensor(x, dtype))
    called = signature("grad_wrt_constant", f=f, x0=Tensor(x, dtype))
    problem = failed(outcome)
    if problem:
        return problem
    if outcome.value is None:
        return Verdict(0.0, f"{called} returned None: the tape only watches Variables by itself; "
                            "call tape.watch(x0) on a constant before computing f(x0)")
    return tape_ran(verdict_for(outcome.value, oracle.WAVY.gradient(a, x), rubric.tolerance(dtype), called),
                    outcome, called)


# (x0, lr, steps): every case has its own lr and step count, none has converged, so ignoring lr, ignoring
# steps or running to the minimum is caught; the 1-step case works even for a rebound name, which then
# tells the rebinding mistake apart from a tape that never saw x.
DESCENT_CASES = ((3.0, 0.1, 7), (-2.0, 0.05, 3), (0.4, 0.3, 1))
DESCENT_NO_STEPS = (1.0, 0.2, 0)

REBOUND = ("tape.gradient gave None on a later step: x is no longer a tf.Variable. Writing x = x - lr * grad "
           "(or x -= lr * grad) binds the name x to a new plain tensor, which the tape does not watch, so "
           "the next gradient is None (the mistake the exercise text warns about); update the Variable in "
           "place with x.assign_sub(lr * grad)")
NEVER_WATCHED = ("tape.gradient gave None on the first step: the tape did not watch x. Start from "
                 "x = tf.Variable(x0) (a Variable is watched by itself) and update it in place with x.assign_sub")


def _none_gradient(outcome) -> bool:
    """The crash of a gradient that came back None (lr * None) or of a Variable method on a plain tensor."""
    text = outcome.message
    return outcome.status == "error" and ("NoneType" in text or ("EagerTensor" in text and "assign" in text))


def quadratic_bowl(c, t):
    """f(x) = sum(c * (x - t)**2), minimum at t: gradient descent on it has a closed form."""
    import numpy as np
    import tensorflow as tf

    c, t = np.asarray(c), np.asarray(t)
    return lambda x: tf.reduce_sum(tf.cast(c, x.dtype) * (x - tf.cast(t, x.dtype)) ** 2)


BOWL = Shipped(quadratic_bowl)


def check_gradient_descent(learner, rubric):
    # f(x) = c * (x - t)**2: each step maps x - t to (x - t) * (1 - 2*c*lr), a closed form to compare with
    c, t = 1.5, 0.75
    f = BOWL.probe(np.array(c), np.array(t))
    tol = rubric.tolerance("float32")

    def run(x0, lr, steps):
        outcome = learner.call("gradient_descent", f, x0, lr, steps)
        called = signature("gradient_descent", f="c*(x-t)**2", x0=x0, lr=lr, steps=steps)
        return outcome, called, t + (x0 - t) * (1 - 2 * c * lr) ** steps

    outcomes = [run(*case) for case in DESCENT_CASES]
    one_step_worked = any(o.status == "ok" for (o, _, _), case in zip(outcomes, DESCENT_CASES) if case[2] == 1)
    parts = []
    for (outcome, called, want), (x0, lr, steps) in zip(outcomes, DESCENT_CASES):
        if _none_gradient(outcome):
            mistake = REBOUND if steps > 1 and one_step_worked else NEVER_WATCHED
            parts.append(Verdict(0.0, f"{called}: {outcome.message}. Likely mistake: {mistake}"))
            continue
        after = lambda step: t + (x0 - t) * (1 - 2 * c * step) ** steps  # noqa: E731 - x after `steps` steps of this size
        # at lr = 0.1, lr applied twice is a step of 0.01: the Keras default; then the message names both
        twice = "applied lr twice (a step of lr**2 * grad)"
        keras = "ignored lr (used the Keras default 0.01)"
        lr_mistakes = ({f"{twice}, or {keras}": after(0.01)} if abs(lr * lr - 0.01) < 1e-12
                       else {twice: after(lr * lr), keras: after(0.01)})
        verdict = failed(outcome) or verdict_for(outcome.value, want, tol, called, {
            "x moved uphill (x + lr * grad instead of x - lr * grad)": t + (x0 - t) * (1 + 2 * c * lr) ** steps,
            "one step too many": t + (x0 - t) * (1 - 2 * c * lr) ** (steps + 1),
            "one step too few": t + (x0 - t) * (1 - 2 * c * lr) ** max(steps - 1, 0),
            **lr_mistakes,
            "returned x0, the starting point": x0,
            "ran to the minimum instead of taking `steps` steps": t,
        }, scalar=True)
        parts.append(tape_ran(verdict, outcome, called))
    # zero steps must give x0 back, but returning x0 is no gradient descent: this case can only take points
    outcome, called, want = run(*DESCENT_NO_STEPS)
    verdict = failed(outcome) or verdict_for(outcome.value, want, tol, called, scalar=True)
    if not verdict.passed:
        parts.append(Verdict(0.0, f"{verdict.message} (with steps=0 the result is x0 itself)"))
    return parts_verdict(parts)


EXERCISE = Exercise(
    NAME,
    ("grad_of_square", "grad_of_polynomial", "grad_wrt_constant", "gradient_descent"),
    (
        Check("grad_of_square", "values", "d(w**2)/dw = 2w at w0 = 5, -1.25, 0", check_grad_of_square),
        Check("grad_of_polynomial", "cubic", "p'(x0) of a cubic, a quadratic and a quintic",
              partial(check_grad_of_polynomial, CUBIC_CASES)),
        Check("grad_of_polynomial", "constant", "a constant polynomial has derivative 0",
              check_grad_of_polynomial_constant),
        Check("grad_wrt_constant", "float64", "gradient at a constant, shaped like x0 (float64, 3x4)",
              partial(check_grad_wrt_constant, "float64", (3, 4))),
        Check("grad_wrt_constant", "float32", "gradient at a constant, shaped like x0 (float32, 5)",
              partial(check_grad_wrt_constant, "float32", (5,))),
        Check("gradient_descent", "bowl", "lands where the closed form says after 7, 3, 1 and 0 steps",
              check_gradient_descent, trains=True),
    ),
)
