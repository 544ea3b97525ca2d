"""What an exercise's checks are made of: the Check record, the Learner handle, verdict helpers.

A check is a small function ``run(learner, rubric) -> Verdict``.  It asks the learner for plain
values (``learner.call``), computes the oracle itself (trusted side, TensorFlow or closed
forms), and compares with ``compare``.  Exercise modules in ``autograder.checks`` declare a
tuple of Checks; nothing else needs to know about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder import compare, messages, records, wire
from autograder.records import PASS, Verdict


@dataclass(frozen=True)
class Check:
    function: str  # the contract's function name this check belongs to
    slug: str  # stable id within the function; rubric key is "function:slug"
    description: str  # shown after "exNN.function: "
    run: Callable  # (Learner, Rubric) -> Verdict

    @property
    def key(self) -> str:
        return f"{self.function}:{self.slug}"


@dataclass(frozen=True)
class Exercise:
    name: str  # exNN_topic, the file name the grader looks for
    functions: tuple  # the contract's functions, in contract order
    checks: tuple  # of Check

    @property
    def number(self) -> str:
        return self.name.split("_", 1)[0]


class Learner:
    """The submission as the checks see it: call a function, get an Outcome of plain values.

    Calls are memoised by their exact arguments, so checks that look at the same expensive
    call (a training run) share one run.
    """

    def __init__(self, sandbox):
        self._sandbox = sandbox
        self._memo: dict = {}

    def call(self, function: str, *args, manual: bool = False, seconds: float | None = None,
             fresh: bool = False, returns: bool = True, spy: str = "", **kwargs) -> records.Outcome:
        """``fresh=True`` runs the call again even if it ran before (to test determinism);
        ``returns=False`` ignores the return value, as the contract does for update functions;
        ``spy`` names a module function whose calls are recorded (see records.Call)."""
        request = records.Call(function, tuple(args), tuple(sorted(kwargs.items())), manual, returns, spy)
        key = wire.dumps(request)
        if fresh or key not in self._memo:
            self._memo[key] = self._sandbox.call(request, seconds)
        return self._memo[key]


# ---------------------------------------------------------------------------------------------
# Small helpers the exercise modules share
# ---------------------------------------------------------------------------------------------


def signature(function: str, **args) -> str:
    """'backprop(a0: float64 (7, 6), ...)': what was called, for the student's message."""
    parts = []
    for name, value in args.items():
        if isinstance(value, (records.Tensor, records.Array)):
            kind = "Variable " if isinstance(value, records.Tensor) and value.variable else ""
            if isinstance(value, records.Array):
                kind = "ndarray "
            parts.append(f"{name}: {kind}{value.dtype} {tuple(np.shape(value.value))}")
        elif isinstance(value, records.Probe):
            parts.append(f"{name}: <{value.name.split(':')[-1]}>")
        elif isinstance(value, tuple) and value and isinstance(value[0], records.Tensor):
            parts.append(f"{name}: [{len(value)} Variables]")
        else:
            parts.append(f"{name}={value!r}")
    return f"{function}({', '.join(parts)})"


def failed(outcome: records.Outcome) -> Verdict | None:
    """A zero verdict when the call itself did not produce a value (not implemented, raised, ...)."""
    if outcome.status == "ok":
        return None
    if outcome.status == "not_implemented":
        return Verdict(0.0, messages.NOT_IMPLEMENTED)
    return Verdict(0.0, outcome.message)


def autodiff_used(outcome: records.Outcome, function: str) -> Verdict | None:
    if outcome.used_autodiff:
        return Verdict(0.0, messages.USED_AUTODIFF.format(function=function, what=", ".join(outcome.used_autodiff)))
    return None


def verdict_for(got, want, tol: compare.Tolerance, called: str, mistakes: dict | None = None,
                scalar: bool = False, what: str = "the result") -> Verdict:
    """Pass, or a message: what was called, how the result differs, and a named mistake if one fits."""
    problem = compare.mismatch(got, want, tol, scalar)
    if problem is None:
        return records.PASS
    message = f"{called}: {what}: {problem}"
    named = compare.diagnose(got, mistakes or {}, tol, scalar)
    if named:
        message += f". Likely mistake: {named}"
    return Verdict(0.0, message)


def parts_verdict(verdicts: list) -> Verdict:
    """Combine sub-results of one check: the fraction that passed, the messages of the rest."""
    if not verdicts:
        return records.PASS
    fraction = sum(v.fraction for v in verdicts) / len(verdicts)
    text = " | ".join(dict.fromkeys(v.message for v in verdicts if not v.passed))
    return Verdict(round(fraction, 6), text)


def rng(*seed) -> np.random.Generator:
    return np.random.default_rng(list(seed))


def update_verdict(function, names, params, grads, lr, after, rubric, dtype):
    """Each parameter must move by exactly -lr * its own gradient (shared with ex05's train_step)."""
    tol = rubric.tolerance("update" if dtype == "float64" else "float32")
    parts = []
    for i, (name, p, g, new) in enumerate(zip(names, params, grads, after)):
        step = np.asarray(new, dtype=np.float64) - np.asarray(p, dtype=np.float64).astype(dtype)
        problem = compare.mismatch(step, -lr * g, tol)
        if problem is None:
            parts.append(PASS)
            continue
        if np.allclose(step, 0.0, atol=1e-12):
            text = (f"{name} did not change: update the tf.Variable in place (assign_sub), rebinding "
                    f"the name inside the function changes nothing outside it")
        elif compare.mismatch(step, lr * g, tol) is None:
            text = f"{name} moved by +lr * gradient: the sign is flipped"
        else:
            others = [n for j, (n, g2) in enumerate(zip(names, grads)) if j != i and np.shape(g2) == np.shape(g)
                      and compare.mismatch(step, -lr * g2, tol) is None]
            if others:
                text = f"{name} was updated with the gradient of {others[0]}, not its own"
            else:
                text = f"the step taken by {name} is wrong: {problem}"
        parts.append(Verdict(0.0, f"{function}: {text}"))
    return parts_verdict(parts)
