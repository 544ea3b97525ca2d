"""The nbgrader test-cell helper: grade one contract function in the running notebook's kernel.

A generated test cell reads ``check("ex04_manual_backprop", "sigmoid_prime", globals(), points=2)``.
It runs the kit's checks of that one function (the same grade stage as ``autograder grade``,
``grade.evaluate``: judged, then scored by the rubric) over ``run.InProcess`` on the notebook's
globals, prints a summary with the kit's feedback (autograder.render.notebook), and returns the points earned as a float.  As the cell's last expression that number
is the cell's ``execute_result``, which nbgrader (>= 0.9, ``utils.determine_grade``) takes as the
cell's partial credit: nbgrader's score for the cell equals the kit's score for the function.

nbgrader gives 0 to a grade cell with an ``error`` output *or any* ``stderr`` stream output, even
next to a correct score.  So the checks run with stdout/stderr silenced at both levels (Python
streams, and file descriptors 1 and 2, where TensorFlow's C++ logs and ipykernel's fd capture
live), with Python warnings ignored and logging disabled; the summary goes to stdout afterwards.

In-kernel grading protects nothing: the learner's code runs in the kernel that grades it.  For
untrusted submissions use ``autograder grade`` (a sandboxed child per file) on the notebooks.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings

from autograder.records import ExerciseScore
from autograder.render import fmt_points
from autograder.render.notebook import cell_summary


class _Sink(io.TextIOBase):
    """A text stream that drops what it is given (learner prints during the checks)."""

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        return len(text)


@contextlib.contextmanager
def _silenced():
    """Nothing written while this is open reaches the cell's outputs (stdout or stderr)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a broken stream must not stop the grading
            stream.flush()
    saved = []
    devnull = None
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            saved.append((fd, os.dup(fd)))
            os.dup2(devnull, fd)
    except OSError:
        pass  # no usable descriptors (an embedded interpreter): the Python-level silencing remains
    previous_disable = logging.root.manager.disable
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
            warnings.simplefilter("ignore")
            # handlers created earlier (absl, Keras) hold the kernel's stderr object itself
            logging.disable(logging.CRITICAL)
            yield
    finally:
        logging.disable(previous_disable)
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        if devnull is not None:
            os.close(devnull)


def check(exercise: str, function: str, namespace, points: float | None = None) -> float | None:
    """Grade ``function`` of ``exercise`` as defined in ``namespace`` (a notebook's ``globals()``).

    Returns the points earned (a float: nbgrader's partial credit for the cell).  ``points`` is
    the cell's value in nbgrader; when the kit's rubric gives the function another total (an
    instructor's rubric override), the kit's fraction is scaled to it, so nbgrader never sees a
    score above the cell's maximum.

    When the namespace is not ``__main__`` (the kit's ``autograder grade`` imports a notebook's
    code as a module in its sandbox and grades that module itself), this returns None at once:
    grading at import time would run every check twice.
    """
    name = namespace.get("__name__") if isinstance(namespace, dict) else getattr(namespace, "__name__", None)
    if name != "__main__":
        return None
    with _silenced():
        from autograder import grade
        from autograder.checks.framework import Learner
        from autograder.checks import all_exercises
        from autograder.rubric import Rubric
        from autograder.sandbox import InProcess

        known = all_exercises()
        if exercise not in known:
            raise ValueError(f"unknown exercise {exercise!r} (known: {', '.join(known)})")
        chosen = known[exercise]
        checks = [c for c in chosen.checks if c.function == function]
        if not checks:
            raise ValueError(f"{exercise} has no checks for {function!r} (functions: {', '.join(chosen.functions)})")
        rubric = Rubric.load()
        learner = Learner(InProcess(namespace))
        results = [grade.evaluate(chosen, c, learner, rubric) for c in checks]
    tally = ExerciseScore.of(exercise, results)
    earned, total = tally.points, tally.possible
    note = ""
    if points is None:
        points = total
    elif abs(points - total) > 1e-9:
        note = (f"(the kit's rubric gives {function} {fmt_points(total)} points, this cell {fmt_points(points)}: "
                f"the kit's fraction is scaled to the cell)")
        earned = earned * points / total if total else 0.0
    earned = round(min(max(earned, 0.0), points), 4)
    print(cell_summary(exercise, function, results, earned, points, note))
    return float(earned)
