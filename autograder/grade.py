"""Grade one check: run it against a learner and judge it (trusted side; a failure is a result).

The judgement is a fraction (records.Graded); the rubric's points are applied by the score
stage (``Graded.scored``, see autograder.pipeline).
"""

from __future__ import annotations

import time
import traceback

from autograder import messages, records
from autograder.checks.framework import Check, Exercise, Learner
from autograder.records import CheckResult, Graded, Verdict
from autograder.rubric import Rubric


def judge(exercise: Exercise, check: Check, learner: Learner | None, rubric: Rubric,
          import_failure: records.Outcome | None = None) -> Graded:
    """One check's judgement.  Never raises: a grader bug is reported as a result, not lost."""
    started = time.perf_counter()
    if import_failure is not None:
        verdict = Verdict(0.0, import_failure.message)
    else:
        try:
            verdict = check.run(learner, rubric)
            if not isinstance(verdict, Verdict):
                raise TypeError(f"check returned {type(verdict).__name__}, not a Verdict")
        except Exception as exc:  # noqa: BLE001 - report it on the check, keep grading the rest
            tail = traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:]
            detail = " / ".join(line.strip() for line in "".join(tail).splitlines() if line.strip())
            verdict = Verdict(0.0, messages.GRADER_FAILED.format(detail=detail))
    return Graded(exercise=exercise.name, function=check.function, check_id=check.key, description=check.description,
                  fraction=min(max(float(verdict.fraction), 0.0), 1.0),
                  # the trusted side's own pass over learner text: a tampered child's message is
                  # escaped and capped here whatever the child claims to have done
                  message=messages.learner_text(verdict.message, messages.MAX_MESSAGE),
                  seconds=round(time.perf_counter() - started, 4), extra=dict(verdict.extra))


def not_handed_in(exercise: Exercise) -> tuple:
    """A zero judgement per check for an exercise that was not handed in (grading a whole set)."""
    message = messages.NO_FILE.format(exercise=exercise.name)
    return tuple(Graded(exercise.name, c.function, c.key, c.description, 0.0, message) for c in exercise.checks)


def evaluate(exercise: Exercise, check: Check, learner: Learner | None, rubric: Rubric,
             import_failure: records.Outcome | None = None) -> CheckResult:
    """Judge and score one check at once: for in-process callers (the notebook helper, tests)."""
    return judge(exercise, check, learner, rubric, import_failure).scored(rubric.points(exercise.name, check.key))
