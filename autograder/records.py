"""The plain, immutable records that flow between the grading stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

# ---------------------------------------------------------------------------------------------
# Arguments: how the trusted side describes a value the child must build before calling learner
# code.  Only plain data crosses the process boundary; the child turns these into tensors.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tensor:
    """A ``tf.constant`` (or, with ``variable=True``, a ``tf.Variable``) of ``dtype``.

    ``dtype`` may be a float or an integer dtype (``"int32"`` for class labels).  The values
    cross the wire as float64, so integer values must be whole numbers below 2**53; the child
    rounds them back exactly and refuses anything else rather than truncating silently.
    """

    value: np.ndarray
    dtype: str = "float64"
    variable: bool = False


@dataclass(frozen=True)
class Array:
    """A plain ``numpy.ndarray`` of ``dtype`` (float or integer, as for ``Tensor``)."""

    value: np.ndarray
    dtype: str = "float64"


@dataclass(frozen=True)
class Probe:
    """A grader-owned object built in the child (see ``autograder.probes``): by name, or from
    ``source``, the grader's own code for it, declared in the exercise's checks module."""

    name: str
    params: tuple = ()
    source: str = ""


@dataclass(frozen=True)
class Call:
    """Call ``function(*args, **kwargs)`` from the submission's module.

    ``manual=True`` asks the child to report whether automatic differentiation ran during the
    call.
    """

    function: str
    args: tuple = ()
    kwargs: tuple = ()  # (name, value) pairs, so the record stays hashable
    manual: bool = False
    returns: bool = True  # False: the contract ignores the return value (read only the inputs after)
    spy: str = ""  # a module function whose calls the child records (its rows' fingerprints: fingerprint_rows)
    read: str = ""  # how the child reads a return value that is not numbers: a reader it knows by name


SPY_DIRECTION_SEED = 20261123


def fingerprint_rows(*arrays) -> np.ndarray:
    """One number per row of the arrays side by side (the first argument of a spied call and, when it
    has as many rows, the second: a mini-batch's x and y): the row's dot product with a fixed random
    vector, rounded.  The trusted side computes the same for the data it sent, so it can tell which
    (x, y) pairs went into each mini-batch, and whether every x row kept its own y, without receiving
    the data back."""
    rows = [np.asarray(a, dtype=np.float64) for a in arrays]
    rows = np.hstack([r.reshape(r.shape[0], -1) for r in rows])
    direction = np.random.default_rng(SPY_DIRECTION_SEED).normal(size=rows.shape[1])
    return np.round(rows @ direction, 6)


@dataclass(frozen=True)
class Load:
    """Import another file of the same submission into a child that has served one already.

    The trusted side has put the file where a fresh child finds its own (/submission/MODULE.py)
    and removed the last one.  The child first compares its global state with what it was before
    any learner code ran and answers ``Outcome("dirty", message=what changed)`` instead of
    importing when anything did, so the trusted side starts a fresh child for the file (see
    sandbox.child.state_changes)."""

    module: str


@dataclass(frozen=True)
class Outcome:
    """What came back from one learner call, as plain values only.

    ``status`` is one of: ``ok``, ``error`` (the learner raised), ``not_implemented``,
    ``missing`` (no such function), ``import_error`` (the module did not import), ``timeout``,
    ``crashed`` (the child died), ``memory`` (it used too much memory), ``bad_value`` (the
    return value could not be turned into numbers); and, answering a ``Load`` only, ``dirty``
    (the child's global state is not what it was before learner code ran).
    """

    status: str
    value: Any = None  # nested tuples of float64 ndarrays / floats / None
    inputs_after: tuple = ()  # every Tensor(variable=True) / Array argument after the call
    used_autodiff: tuple = ()  # names of the autodiff entry points that ran during the call
    message: str = ""
    seconds: float = 0.0
    spied: tuple = ()  # per call of Call.spy: the sorted fingerprints of its first argument's rows

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Verdict:
    """A check's judgement: the fraction of its points earned and what to tell the student.

    ``extra`` carries plain, JSON-safe data for richer feedback (a training curve, a small heat
    map of a wrong gradient); scoring never reads it.
    """

    fraction: float
    message: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def passed(self) -> bool:
        return self.fraction >= 1.0


PASS = Verdict(1.0, "")


@dataclass(frozen=True)
class Graded:
    """What the grade stage says of one check: the fraction earned, before the rubric's points.

    Points x fraction is the score stage's (``scored``), so a check's judgement and its worth
    stay apart: the same judgement scores differently under an instructor's rubric.
    """

    exercise: str
    function: str
    check_id: str
    description: str
    fraction: float  # clamped to [0, 1]
    message: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def scored(self, points: float) -> "CheckResult":
        return CheckResult(self.exercise, self.function, self.check_id, self.description, points,
                           round(points * self.fraction, 4), self.message, self.seconds, dict(self.extra))


@dataclass(frozen=True)
class CheckResult:
    """One graded and scored check, ready for reporting."""

    exercise: str
    function: str
    check_id: str
    description: str
    points: float
    score: float
    message: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict, hash=False)  # the Verdict's extra, for the feedback report

    @property
    def name(self) -> str:
        number = self.exercise.split("_", 1)[0]
        return f"{number}.{self.function}: {self.description}"

    @property
    def passed(self) -> bool:
        return self.score >= self.points

    @property
    def status(self) -> "Status":
        return Status.of(self.score, self.points)


class Status(Enum):
    """Full marks, some of them, or none: how every report colours a check or an exercise."""

    PASS = "pass"
    PART = "part"
    FAIL = "fail"

    @classmethod
    def of(cls, score: float, points: float) -> "Status":
        return cls.PASS if score >= points else (cls.PART if score > 0 else cls.FAIL)


class LeftOut(Enum):
    """Why a check was not graded in this run (the ``select`` predicate's answer)."""

    HIDDEN = "hidden"  # the rubric's [hidden] checks: the instructor's, not run for the student
    QUICK = "quick"  # --quick: a check that trains a model
    KEYWORD = "keyword"  # pytest's -k


@dataclass(frozen=True)
class ExerciseScore:
    """One exercise's line in every report: its points out of the points possible."""

    exercise: str
    points: float
    possible: float
    checks: int  # how many checks were scored
    passing: int  # ... of which earned full marks

    @property
    def status(self) -> Status:
        return Status.of(self.points, self.possible)

    @classmethod
    def of(cls, exercise: str, results) -> "ExerciseScore":
        """The one place per-exercise totals are added up."""
        results = list(results)
        return cls(exercise, sum(r.score for r in results), sum(r.points for r in results), len(results),
                   sum(r.passed for r in results))


@dataclass(frozen=True)
class Report:
    """Every check's result for one submission (one or more exercises), as the score stage built it."""

    results: tuple = ()  # CheckResult, exercises in the kit's order, checks in each exercise's order
    problems: tuple = ()  # messages about files that could not be graded at all
    seconds: float = 0.0
    files: tuple = ()  # the files graded (the student's "Fix first" looks at which was saved last)
    warnings: tuple = ()  # sandbox protections this machine could not apply
    exercises: tuple = ()  # the assignment's exercises (full names)
    hidden: frozenset = frozenset()  # (exercise, check_id) of results that are the rubric's hidden checks
    hidden_visibility: str = "after_due_date"  # Gradescope's visibility for those
    left_out: tuple = ()  # (exercise, check key, LeftOut) of checks not graded in this run
    inputs: int = 0  # the seed the checks drew their inputs from (0: the kit's fixed inputs); replays the grade

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def scores(self) -> tuple:
        """An ExerciseScore per exercise graded, in the report's order."""
        return tuple(ExerciseScore.of(name, results) for name, results in self.by_exercise().items())

    def left_out_for(self, reason: LeftOut) -> tuple:
        return tuple((exercise, key) for exercise, key, why in self.left_out if why is reason)

    def by_exercise(self) -> dict:
        grouped: dict = {}
        for result in self.results:
            grouped.setdefault(result.exercise, []).append(result)
        return grouped
