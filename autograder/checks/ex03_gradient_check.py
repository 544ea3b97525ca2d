"""ex03_gradient_check: central differences, relative error, the tape, and a gradient check."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import oracle
from autograder.check import Check, Exercise, failed, parts_verdict, rng, signature, verdict_for
from autograder.compare import Tolerance, as_array, mismatch
from autograder.records import PASS, Array, Probe, Verdict

NAME = "ex03_gradient_check"
SHAPE = (3, 4)


def wavy_case(seed):
    r = rng(3, seed)
    x = r.normal(size=SHAPE)
    a = r.uniform(0.5, 2.0, size=SHAPE)
    return x, a


def wavy_numpy(a, x):
    flat, af = x.reshape(-1), a.reshape(-1)
    return float(np.sum(np.sin(af * flat) * flat**2) + np.sum(flat[:-1] * flat[1:]))


def central_difference(a, x, eps):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += eps
        down[index] -= eps
        grad[index] = (wavy_numpy(a, up) - wavy_numpy(a, down)) / (2 * eps)
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
    """With eps = 1e-3 central differences are within ~1e-6 of the truth; forward ones are ~1e-3 off."""
    x, a = wavy_case(1)
    f = Probe("np_fn:wavy", (a,))
    args = (f, Array(x)) + ((eps,) if eps is not None else ())
    outcome = learner.call("numerical_gradient", *args)
    problem = failed(outcome)
    if problem:
        return problem
    used_eps = eps if eps is not None else 1e-6
    tol = Tolerance(rtol=1e-4, atol=2e-5) if eps is not None else Tolerance(rtol=1e-4, atol=1e-5)
    called = signature("numerical_gradient", f="wavy", x=Array(x)) + (f" with eps={eps}" if eps else "")
    verdict = verdict_for(outcome.value, oracle.wavy_gradient(a, x), tol, called, {
        "used forward differences (f(x+eps) - f(x)) / eps; use central differences "
        "(f(x+eps) - f(x-eps)) / (2*eps)": forward_difference(a, x, used_eps),
        "divided by eps instead of 2*eps": 2 * oracle.wavy_gradient(a, x)})
    after = outcome.inputs_after[1] if len(outcome.inputs_after) > 1 else None
    if after is not None and mismatch(after, x, Tolerance(0.0, 1e-15)) is not None:
        return parts_verdict([verdict, Verdict(0.0, f"{called} changed x: restore each coordinate after "
                                                    "perturbing it (or work on a copy)")])
    return verdict


def check_relative_error(learner, rubric):
    r = rng(3, 2)
    a = r.normal(size=(4, 5))
    b = a + r.normal(scale=1e-3, size=a.shape)
    b[0, 0] = -a[0, 0]  # opposite signs: relative error exactly 1 there
    b[1, 1] = a[1, 1] = 0.0  # both zero: the 1e-12 floor keeps this from being 0/0
    want = float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))
    outcome = learner.call("relative_error", Array(a), Array(b))
    return failed(outcome) or verdict_for(
        outcome.value, want, rubric.tolerance("float64"), signature("relative_error", a=Array(a), b=Array(b)), {
            "used abs(a + b) in the denominator instead of abs(a) + abs(b)":
                float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a + b)))),
            "returned the mean instead of the max": float(np.mean(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)))),
            "returned the absolute error": float(np.max(np.abs(a - b)))}, scalar=True)


def check_tape_gradient(learner, rubric):
    x, a = wavy_case(3)
    outcome = learner.call("tape_gradient", Probe("fn:wavy", (a,)), Array(x))
    return failed(outcome) or verdict_for(outcome.value, oracle.wavy_gradient(a, x), rubric.tolerance("float64"),
                                          signature("tape_gradient", f="wavy", x=Array(x)))


def check_gradient_check_agrees(learner, rubric):
    """A correct tape gradient of a smooth function: the check's result must be tiny."""
    parts = []
    x, a = wavy_case(4)
    for f, label in ((Probe("fn:wavy", (a,)), "wavy"), (Probe("fn:scaled_square", (1e6,)), "1e6 * sum(x**2)")):
        outcome = learner.call("gradient_check", f, Array(x))
        problem = failed(outcome)
        if problem:
            parts.append(problem)
            continue
        got = as_array(outcome.value)
        if got is None or got.size != 1 or not np.isfinite(got).all():
            parts.append(Verdict(0.0, f"gradient_check(f={label}) should return one finite number, got {outcome.value!r}"))
        elif float(got.reshape(())) > 1e-6:
            hint = (" (for a function with large gradients this suggests an absolute rather than a relative error)"
                    if label != "wavy" else "")
            parts.append(Verdict(0.0, f"gradient_check(f={label}, x) returned {float(got.reshape(())):.3g} for a "
                                      f"correct gradient; a relative error of central differences should be below 1e-6{hint}"))
        else:
            parts.append(PASS)
    return parts_verdict(parts)


def check_gradient_check_disagrees(learner, rubric):
    """f(x) = sum(x**2) + stop_gradient(sum(x**3)): the tape misses a term, the check must notice."""
    x, _ = wavy_case(5)
    outcome = learner.call("gradient_check", Probe("fn:hidden_cube", ()), Array(x))
    problem = failed(outcome)
    if problem:
        return problem
    got = as_array(outcome.value)
    if got is None or got.size != 1:
        return Verdict(0.0, f"gradient_check should return one number, got {outcome.value!r}")
    if float(got.reshape(())) < 1e-2:
        return Verdict(0.0, f"gradient_check returned {float(got.reshape(())):.3g} for a function whose tape "
                            "gradient is wrong (it hides a term from the tape); it should be large")
    return PASS


def check_gradient_check_uses_eps(learner, rubric):
    """With eps = 1e-2 central differences are off by O(eps**2): the result must be that relative error."""
    x, a = wavy_case(6)
    eps = 1e-2
    want = float(np.max(np.abs(oracle.wavy_gradient(a, x) - central_difference(a, x, eps))
                        / np.maximum(1e-12, np.abs(oracle.wavy_gradient(a, x)) + np.abs(central_difference(a, x, eps)))))
    outcome = learner.call("gradient_check", Probe("fn:wavy", (a,)), Array(x), eps)
    return failed(outcome) or verdict_for(outcome.value, want, Tolerance(rtol=1e-2, atol=1e-9),
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
        Check("gradient_check", "disagrees", "large when the tape's gradient is wrong", check_gradient_check_disagrees),
    ),
)
