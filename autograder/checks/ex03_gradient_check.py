"""ex03_gradient_check: central differences, relative error, the tape, and a gradient check."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import oracle
from autograder.checks.framework import Check, Exercise, failed, parts_verdict, rng, signature, tape_required, verdict_for
from autograder.compare import Tolerance, as_array, mismatch
from autograder.probes import Shipped
from autograder.records import PASS, Array, Verdict

NAME = "ex03_gradient_check"
SHAPE = (3, 4)
OTHER_SHAPE = (2, 3, 2)  # x may have any shape: a loop over rows and columns only is seen


def wavy_case(seed, shape=SHAPE):
    r = rng(3, seed)
    x = r.normal(size=shape)
    a = r.uniform(0.5, 2.0, size=shape)
    return x, a


def wavy_numpy(a, x):
    return oracle.WAVY.value(a)(x)


def scaled_square(s):
    """f(x) = s * sum(x**2): with a large s an absolute-error gradient check fails."""
    import tensorflow as tf

    return lambda x: tf.cast(s, x.dtype) * tf.reduce_sum(x**2)


def hidden_cube():
    """The tape sees sum(x**2) only: stop_gradient hides the cube, so the tape and the numbers disagree."""
    import tensorflow as tf

    return lambda x: tf.reduce_sum(x**2) + tf.stop_gradient(tf.reduce_sum(x**3))


SCALED_SQUARE, HIDDEN_CUBE = Shipped(scaled_square), Shipped(hidden_cube)


def central_difference(a, x, eps, relative=False):
    """``relative``: the mistake of a step eps * |x_i| (a relative step) instead of eps itself."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = eps * abs(x[index]) if relative else eps
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (wavy_numpy(a, up) - wavy_numpy(a, down)) / (2 * step)
    return grad


def forward_difference(a, x, eps):
    grad = np.zeros_like(x)
    base = wavy_numpy(a, x)
    for index in np.ndindex(x.shape):
        up = x.copy()
        up[index] += eps
        grad[index] = (wavy_numpy(a, up) - base) / eps
    return grad


def check_numerical_gradient(eps, learner, rubric):
    """With eps = 1e-3 central differences are within ~1e-6 of the truth; forward ones are ~1e-3 off.
    The default-eps case is 3-d: the contract's x is an array of any shape."""
    x, a = wavy_case(1, SHAPE if eps is not None else OTHER_SHAPE)
    f = oracle.WAVY.numpy_probe(a)
    args = (f, Array(x)) + ((eps,) if eps is not None else ())
    outcome = learner.call("numerical_gradient", *args)
    problem = failed(outcome)
    if problem:
        return problem
    used_eps = eps if eps is not None else 1e-6
    called = signature("numerical_gradient", f="wavy", x=Array(x)) + (f" with eps={eps}" if eps else "")
    if eps is not None:
        # the central difference at this eps is off the true gradient by ~2e-6 here, while any way of writing
        # the formula agrees with ours to ~1e-12: so compare with the formula, and a function that ignores
        # eps (its more accurate default) shows up
        want, tol = central_difference(a, x, eps), rubric.tolerance("central_difference")
        ignored = {"ignored eps (used the default 1e-6 instead of the eps passed in)": central_difference(a, x, 1e-6)}
    else:
        want, tol, ignored = oracle.WAVY.gradient(a, x), rubric.tolerance("numerical_gradient"), {}
    verdict = verdict_for(outcome.value, want, tol, called, {
        "used forward differences (f(x+eps) - f(x)) / eps; use central differences "
        "(f(x+eps) - f(x-eps)) / (2*eps)": forward_difference(a, x, used_eps),
        "divided by eps instead of 2*eps": 2 * central_difference(a, x, used_eps),
        "perturbed each coordinate by eps * |x_i| (a relative step); the contract's step is eps itself":
            central_difference(a, x, used_eps, relative=True),
        **ignored})
    after = outcome.inputs_after[1] if len(outcome.inputs_after) > 1 else None
    # an ulp of drift (x[i] += eps, then -= 2*eps, += eps) is not what this guards against: x left perturbed
    if after is not None and mismatch(after, x, Tolerance(0.0, 1e-15)) is not None:
        return parts_verdict([verdict, Verdict(0.0, f"{called} changed x: restore each coordinate after "
                                                    "perturbing it (or work on a copy)")])
    return verdict


def relative_error_cases():
    """Three pairs with different answers, so no constant passes: a sign flip (answer exactly 1), close
    arrays (a small answer, worst at one element) and equal arrays with zeros (answer 0: the floor keeps 0/0 away)."""
    r = rng(3, 2)
    a = r.normal(size=(4, 5))
    b = a + r.normal(scale=1e-3, size=a.shape)
    b[0, 0] = -a[0, 0]  # opposite signs: relative error exactly 1 there
    b[1, 1] = a[1, 1] = 0.0  # both zero: the 1e-12 floor keeps this from being 0/0
    close_a = r.normal(size=(3, 2))
    close_b = close_a * (1 + r.uniform(-1e-4, 1e-4, size=close_a.shape))
    close_b[2, 1] = close_a[2, 1] * (1 + 3e-3)  # the worst element, not the first
    equal = r.normal(size=(2, 3))
    equal[0, 1] = equal[1, 2] = 0.0
    return ((a, b), (close_a, close_b), (equal, equal.copy()))


def check_relative_error(learner, rubric):
    parts = []
    for a, b in relative_error_cases():
        ratio = np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))
        outcome = learner.call("relative_error", Array(a), Array(b))
        parts.append(failed(outcome) or verdict_for(
            outcome.value, float(np.max(ratio)), rubric.tolerance("float64"),
            signature("relative_error", a=Array(a), b=Array(b)), {
                "used abs(a + b) in the denominator instead of abs(a) + abs(b)":
                    float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a + b)))),
                "returned the mean instead of the max": float(np.mean(ratio)),
                "returned the absolute error": float(np.max(np.abs(a - b)))}, scalar=True))
    # one point for one formula: every case must be right (a constant answer can match one of them)
    verdict = parts_verdict(parts)
    return verdict if verdict.passed else Verdict(0.0, verdict.message)


def check_tape_gradient(learner, rubric):
    x, a = wavy_case(3)
    outcome = learner.call("tape_gradient", oracle.WAVY.probe(a), Array(x))
    called = signature("tape_gradient", f="wavy", x=Array(x))
    verdict = failed(outcome) or verdict_for(outcome.value, oracle.WAVY.gradient(a, x), rubric.tolerance("float64"), called)
    # a fine numerical gradient can land inside the tolerance; the child sees that no tape ran
    return tape_required(verdict, outcome, called, "tape_gradient must take the gradient with the tape")


def hidden_cube_case():
    """f(x) = sum(x**2) + stop_gradient(sum(x**3)): the tape sees 2x, the numbers 2x + 3x**2.

    x > 0 everywhere keeps the two gradients of one sign, so the right answer is below 1 and depends on x
    (with mixed signs it would be exactly 1, the answer a function that always says "disagree" gives).
    """
    x = np.abs(wavy_case(5)[0]) + 0.2
    tape, numeric = 2 * x, 2 * x + 3 * x**2
    return x, float(np.max(np.abs(tape - numeric) / np.maximum(1e-12, np.abs(tape) + np.abs(numeric)))), tape, numeric


def _one_number(outcome, label):
    """(the returned float, None) or (None, a zero Verdict saying why it is not one finite number)."""
    problem = failed(outcome)
    if problem:
        return None, problem
    got = as_array(outcome.value)
    if got is None or got.size != 1 or not np.isfinite(got).all():
        return None, Verdict(0.0, f"gradient_check(f={label}) should return one finite number, got {outcome.value!r}")
    return float(got.reshape(())), None


def _correct_cases(learner):
    """gradient_check on two functions whose tape gradient is right: (label, value or None, Verdict or None)."""
    x, a = wavy_case(4)
    results = []
    for f, label in ((oracle.WAVY.probe(a), "wavy"), (SCALED_SQUARE.probe(1e6), "1e6 * sum(x**2)")):
        value, problem = _one_number(learner.call("gradient_check", f, Array(x)), label)
        if problem is None and value > 1e-6:
            hint = (" (for a function with large gradients this suggests an absolute rather than a relative error)"
                    if label != "wavy" else "")
            problem = Verdict(0.0, f"gradient_check(f={label}, x) returned {value:.3g} for a correct gradient; a "
                                   f"relative error of central differences should be below 1e-6{hint}")
        results.append((label, value, problem))
    return results


def _wrong_case(learner, rubric):
    """gradient_check on the hidden-cube function, whose tape gradient is wrong: (value, expected, Verdict or None)."""
    x, want, tape, numeric = hidden_cube_case()
    value, problem = _one_number(learner.call("gradient_check", HIDDEN_CUBE.probe(), Array(x)), "hidden_cube")
    if problem is None:
        problem = verdict_for(value, want, rubric.tolerance("relative_error"),
                              "gradient_check(f=<sum(x**2) + a cube the tape cannot see>, x: ndarray float64 (3, 4))", {
                                  "returned the absolute error max|tape - numeric|, not the relative error":
                                      float(np.max(np.abs(tape - numeric))),
                                  "returned the mean relative error, not the max":
                                      float(np.mean(np.abs(tape - numeric) / (np.abs(tape) + np.abs(numeric)))),
                                  "the check gives ~0: it compares a gradient with itself (is tape_gradient the tape's, and "
                                  "numerical_gradient from f's values?)": 0.0}, scalar=True)
        problem = None if problem.passed else problem
    return value, want, problem


def check_gradient_check_agrees(learner, rubric):
    """Tiny for a correct gradient; but a check that is tiny for a wrong gradient too (return 0.0) judges nothing."""
    results = _correct_cases(learner)
    problems = [problem for _, _, problem in results if problem]
    if problems:
        return parts_verdict(problems)
    value, _, _ = _wrong_case(learner, rubric)
    if value is None or value < 1e-2:
        shown = "no number" if value is None else f"{value:.3g}"
        return Verdict(0.0, f"gradient_check returned small values for correct gradients, but also {shown} for a wrong "
                            "one (a term hidden from the tape): the point for reporting agreement counts only from a "
                            "check that also reports a disagreement")
    return PASS


def check_gradient_check_disagrees(learner, rubric):
    """The exact relative error for a wrong tape gradient; and only from a check that also reports agreement."""
    value, want, problem = _wrong_case(learner, rubric)
    if problem:
        return problem
    label, small, _ = _correct_cases(learner)[0]
    if small is None or small > 1e-6:
        shown = "no number" if small is None else f"{small:.3g}"
        return Verdict(0.0, f"gradient_check returned {value:.3g} for a wrong gradient, as it should, but {shown} for "
                            f"a correct one (f={label}, expected below 1e-6): the point for reporting a disagreement counts "
                            "only from a check that also reports agreement")
    return PASS


def check_gradient_check_uses_eps(learner, rubric):
    """With eps = 1e-2 central differences are off by O(eps**2): the result must be that relative error."""
    x, a = wavy_case(6)
    eps = 1e-2
    want = float(np.max(np.abs(oracle.WAVY.gradient(a, x) - central_difference(a, x, eps))
                        / np.maximum(1e-12, np.abs(oracle.WAVY.gradient(a, x)) + np.abs(central_difference(a, x, eps)))))
    outcome = learner.call("gradient_check", oracle.WAVY.probe(a), Array(x), eps)
    return failed(outcome) or verdict_for(outcome.value, want, rubric.tolerance("gradient_check_eps"),
                                          signature("gradient_check", f="wavy", x=Array(x), eps=eps),
                                          {"ignored eps (used the default 1e-6)": 0.0}, scalar=True)


EXERCISE = Exercise(
    NAME,
    ("numerical_gradient", "relative_error", "tape_gradient", "gradient_check"),
    (
        Check("numerical_gradient", "central", "central differences, accurate to O(eps**2), x unchanged",
              partial(check_numerical_gradient, 1e-3)),
        Check("numerical_gradient", "default-eps", "works with the default eps",
              partial(check_numerical_gradient, None)),
        Check("relative_error", "mixed-signs", "max |a-b| / max(1e-12, |a|+|b|) with mixed signs and zeros",
              check_relative_error),
        Check("tape_gradient", "float64", "the tape's gradient as an array shaped like x", check_tape_gradient),
        Check("gradient_check", "agrees", "tiny for a correct gradient, even a large one (relative, not absolute)",
              check_gradient_check_agrees),
        Check("gradient_check", "eps", "uses the given eps (eps = 1e-2 gives an O(eps**2) relative error)",
              check_gradient_check_uses_eps),
        Check("gradient_check", "disagrees", "the relative error when the tape's gradient is wrong",
              check_gradient_check_disagrees),
    ),
    uses=(("gradient_check", ("tape_gradient", "numerical_gradient", "relative_error")),),
)
