"""The grading pipeline in one place: load -> grade -> score, then a renderer (autograder.render).

    load(paths, select)                       -> Loaded: the Submissions to grade, notes on files left out
    grade(submission, rubric, limits, select) -> ExerciseResult: a Graded judgement per selected check
    score(exercise_results, rubric, ...)      -> Report: points per check, an ExerciseScore per exercise

``select`` (a Select) is the one answer to "is this check graded in this run?": the assignment's
exercises, the rubric's hidden checks (left out for a student), ``--quick`` and pytest's ``-k``.
pytest stays the engine users see (autograder.engine): one item per check, each asking its file's
``Grading`` for its judgement; the file's collector then owns the ExerciseResult.  ``grade_paths``
is the whole pipeline in one call.  Learner code runs only in the sandbox child (autograder.sandbox).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import load as files
from autograder import messages, records
from autograder.checks.framework import Learner, inputs_seed
from autograder.checks import all_exercises
from autograder.grade import judge, not_handed_in
from autograder.records import Graded, LeftOut, Report
from autograder.rubric import Rubric, resolve_exercises
from autograder.sandbox import Limits, Sandbox

def is_training(check) -> bool:
    """A check that trains a model (or runs an optimisation loop), as its exercise declares: --quick leaves it out."""
    return check.trains


def selected_exercises(rubric: Rubric, exercises=None) -> tuple:
    """``exercises`` (numbers or full names, a list or "ex04,ex05") if given, else the rubric's
    ``[assignment] exercises``, else all.  An unknown name is a RubricError listing the known ones."""
    if exercises is None:
        return rubric.exercises()
    return resolve_exercises(exercises.split(",") if isinstance(exercises, str) else exercises, "--exercises")


@dataclass(frozen=True)
class Select:
    """Which exercises and checks a run grades."""

    exercises: tuple = ()  # the assignment's exercises (full names, the kit's order)
    hidden: frozenset = frozenset()  # (exercise, check key) left out: the instructor's hidden checks
    quick: bool = False  # leave out the checks that train a model
    keyword: str = ""  # a pytest -k expression

    @classmethod
    def instructor(cls, rubric: Rubric, exercises=None) -> "Select":
        return cls(selected_exercises(rubric, exercises))

    @classmethod
    def student(cls, rubric: Rubric, exercises=None, quick: bool = False, keyword: str = "") -> "Select":
        return cls(selected_exercises(rubric, exercises), rubric.hidden_keys(), quick, keyword)

    def wants(self, exercise_name: str) -> bool:
        return exercise_name in self.exercises

    def reason(self, exercise, check) -> LeftOut | None:
        """Why ``check`` is left out, or None when it is graded."""
        if (exercise.name, check.key) in self.hidden:
            return LeftOut.HIDDEN
        if self.quick and is_training(check):
            return LeftOut.QUICK
        if self.keyword and not _matches(self.keyword, (exercise.number, check.function, f"{check.function}[{check.slug}]")):
            return LeftOut.KEYWORD
        return None

    def __call__(self, exercise, check) -> bool:
        return self.reason(exercise, check) is None

    def left_out(self, exercise) -> tuple:
        return tuple((c.key, why) for c in exercise.checks if (why := self.reason(exercise, c)) is not None)


def _matches(keyword: str, names) -> bool:
    """pytest's own -k matching (a substring of a name, with and/or/not) over the names the kit gives a
    check: its exercise's number, its function and its item's name."""
    from _pytest.mark.expression import Expression  # pytest's; the parser is not public API

    try:
        expression = Expression.compile(keyword)
    except Exception:  # noqa: BLE001 - pytest itself reports a malformed -k; never hide a check for it
        return True
    return expression.evaluate(lambda word, **_: any(word.lower() in name.lower() for name in names))


@dataclass(frozen=True)
class Loaded:
    submissions: tuple  # load.Submission, one per exercise file of the assignment
    problems: tuple  # files handed in for an exercise outside the assignment
    whole: bool  # a folder was given: an exercise of the assignment it lacks scores zero


def load(paths, select: Select) -> Loaded:
    """The exercise files under ``paths`` (nothing is imported: the files are only read)."""
    found = files.load_all(paths)
    # a student who uploads ex05 to the ex04 assignment must not be left guessing why it scored nothing
    problems = tuple(f"{s.source}: not graded: {s.exercise} is not part of this assignment "
                     f"({', '.join(select.exercises)})" for s in found if not select.wants(s.exercise))
    return Loaded(tuple(s for s in found if select.wants(s.exercise)), problems, any(Path(p).is_dir() for p in paths))


@dataclass(frozen=True)
class ExerciseResult:
    """What the grade stage says of one exercise file (or of an exercise not handed in: ``source`` None)."""

    exercise: str
    source: str | None
    graded: tuple = ()  # records.Graded, in the exercise's check order
    left_out: tuple = ()  # (check key, LeftOut) of the checks ``select`` left out
    notes: tuple = ()  # sandbox protections this machine could not apply

    @property
    def empty(self) -> bool:
        return not self.graded and not self.left_out


def _source(submission: files.Submission) -> bytes | None:
    """The file's text as read when it was loaded (the child imports exactly this), or None."""
    return None if submission.code is None else submission.code.encode("utf-8")


def _folder(submission: files.Submission) -> str:
    """The folder a file was handed in from: a child never serves files of two folders."""
    return os.path.dirname(os.path.abspath(submission.source))


def new_sandbox(submission: files.Submission, limits: Limits) -> Sandbox:
    """A fresh child of the file's own."""
    return Sandbox(submission.python, submission.exercise, limits, source=_source(submission))


class ChildReuse:
    """Children handed on from one file of a submission to the next (sandbox.Sandbox.switch_to).

    TensorFlow's first operations in a new process and the process itself cost about 0.2 s of CPU
    per file; a child that is still clean after a file serves the next (the sandbox decides, and
    starts a fresh one otherwise).  One sandbox is parked per thread, so files graded side by side
    never share a child; and a child only serves files of one folder: one grading run is one
    student's submission, and a child never reaches another folder's file even if a run is given two.
    ``close`` stops whatever is parked (a grade leaves no process)."""

    def __init__(self):
        self._parked: dict = {}  # thread ident -> (folder, Sandbox)
        self._lock = threading.Lock()
        self._closed = False  # after close, what comes back is stopped at once (a teardown after the run's end)

    def take(self, submission: files.Submission, limits: Limits) -> Sandbox:
        with self._lock:
            parked = self._parked.pop(threading.get_ident(), None)
        if parked is not None:
            folder, box = parked
            if folder == _folder(submission) and box.limits == limits:
                box.switch_to(submission.python, submission.exercise, _source(submission))
                return box
            box.close()
        return new_sandbox(submission, limits)

    def give_back(self, submission: files.Submission, box: Sandbox) -> None:
        with self._lock:
            previous = self._parked.pop(threading.get_ident(), None)
            closed = self._closed
            if not closed:
                self._parked[threading.get_ident()] = (_folder(submission), box)
        if previous is not None:
            previous[1].close()
        if closed:
            box.close()  # given back after the run's end: nobody will take it

    def close(self) -> None:
        with self._lock:
            self._closed = True
            parked, self._parked = list(self._parked.values()), {}
        for _folder, box in parked:
            box.close()


class Grading:
    """One submission's sandbox, opened by its first check and kept for the rest (used from one thread).

    ``reuse``: a ChildReuse to take the sandbox from and give it back to (the engine's), or None
    for a sandbox of the file's own, closed with it."""

    def __init__(self, submission: files.Submission, rubric: Rubric, limits: Limits = Limits(), inputs: int = 0,
                 reuse: ChildReuse | None = None):
        self.submission, self.rubric, self.limits = submission, rubric, limits
        self.inputs = inputs  # the seed every check draws its inputs from (0: the kit's fixed inputs)
        self.reuse = reuse
        self.exercise = all_exercises()[submission.exercise]
        self.notes: tuple = ()
        self._sandbox = self._learner = self._import_failure = None
        self.healthy = True

    def check(self, check) -> Graded:
        """The check's judgement; a module that did not import fails every check with the reason."""
        if self._sandbox is None and self._import_failure is None:
            try:
                self._sandbox = (self.reuse.take(self.submission, self.limits) if self.reuse is not None
                                 else new_sandbox(self.submission, self.limits))
                status = self._sandbox.import_status()
            except Exception as exc:  # noqa: BLE001 - a file the grader could not load still gets every check, at 0
                self.healthy = False  # a child in an unknown state is stopped, never handed on
                status = records.Outcome("crashed", message=messages.GRADER_FAILED.format(
                    detail=f"loading {self.submission.source}: {type(exc).__name__}: {str(exc)[:300]}"))
            self._import_failure = status if status.status != "ok" else None
            self._learner = Learner(self._sandbox) if self._sandbox is not None else None
        with inputs_seed(self.inputs):
            return judge(self.exercise, check, self._learner, self.rubric, self._import_failure)

    def close(self, clean: bool = True) -> None:
        """``clean=False`` (grading stopped by an error): the child is stopped, never handed on."""
        if self._sandbox is not None:
            self.notes = tuple(dict.fromkeys((*self.notes, *self._sandbox.notes)))
            if self.reuse is not None and clean and self.healthy:
                self.reuse.give_back(self.submission, self._sandbox)
            else:
                self._sandbox.close()
            self._sandbox = None

    def __enter__(self):
        return self

    def __exit__(self, kind, *exc):
        self.close(clean=kind is None)


def grade(submission: files.Submission, rubric: Rubric, limits: Limits, select, inputs: int = 0,
          reuse: ChildReuse | None = None) -> ExerciseResult:
    """Grade the checks of one file that ``select(exercise, check)`` keeps, in order, in one sandbox."""
    with Grading(submission, rubric, limits, inputs, reuse) as grading:
        exercise = grading.exercise
        graded = tuple(grading.check(c) for c in exercise.checks if select(exercise, c))
    left_out = select.left_out(exercise) if isinstance(select, Select) else ()
    return ExerciseResult(exercise.name, submission.source, graded, left_out, grading.notes)


def missing(loaded: Loaded, select: Select) -> tuple:
    """Zero-score results for the assignment's exercises a whole (folder) submission lacks."""
    handed_in = {s.exercise for s in loaded.submissions}
    return tuple(ExerciseResult(name, None, not_handed_in(exercise)) for name, exercise in all_exercises().items()
                 if loaded.whole and select.wants(name) and name not in handed_in)


def unproduced(submissions, results: dict) -> tuple:
    """A problem for each submission the engine returned nothing for (``results``: source -> ExerciseResult)."""
    return tuple(f"{s.source}: the grader produced no result" + ("" if s.source in results else
                                                                  " (pytest failed to collect it)")
                 for s in submissions if s.source not in results or results[s.source].empty)


def zero_unproduced(submissions, results: dict, select) -> dict:
    """``results`` with a zero for each check of a file the engine returned nothing for: a file the
    grader failed on keeps its exercise's points in the total, so no failure can shrink what a
    submission is scored out of."""
    whole = dict(results)
    for s in submissions:
        if s.source not in results or results[s.source].empty:
            exercise = all_exercises()[s.exercise]
            message = messages.NO_RESULT.format(source=s.source)
            whole[s.source] = ExerciseResult(s.exercise, s.source, tuple(
                Graded(exercise.name, c.function, c.key, c.description, 0.0, message)
                for c in exercise.checks if select(exercise, c)))
    return whole


def score(exercise_results, rubric: Rubric, problems=(), seconds: float = 0.0, exercises=(), inputs: int = 0) -> Report:
    """Points x fraction per check (the rubric's points), in the kit's order of exercises."""
    order = list(all_exercises())
    ordered = sorted(exercise_results, key=lambda e: order.index(e.exercise))  # stable: a file's checks keep order
    results = tuple(g.scored(rubric.points(g.exercise, g.check_id)) for e in ordered for g in e.graded)
    return Report(results=results, problems=tuple(problems), seconds=seconds,
                  files=tuple(e.source for e in exercise_results if e.source is not None),
                  warnings=tuple(dict.fromkeys(n for e in ordered for n in e.notes)), exercises=tuple(exercises),
                  hidden=frozenset((r.exercise, r.check_id) for r in results if rubric.is_hidden(r.exercise, r.check_id)),
                  hidden_visibility=rubric.hidden_visibility,
                  left_out=tuple((e.exercise, key, why) for e in ordered for key, why in e.left_out), inputs=inputs)


def grade_paths(paths, rubric: Rubric | None = None, limits: Limits = Limits(), workers: int | None = None,
                exercises=None, inputs: int = 0) -> Report:
    """The whole pipeline for ``autograder grade``: every exercise file under ``paths``, sandboxed.

    ``exercises`` (e.g. ``["ex04", "ex05_tape_regression"]`` or ``"ex04,ex05"``) makes the
    assignment a subset: only those exercises are graded and counted (a folder missing one of
    them scores it zero); files of other exercises are left out with a note in ``problems``.
    ``inputs``: the seed of every check's inputs; 0 (the default) is the kit's fixed inputs, as the
    student's self-check uses; ``check.fresh_inputs_seed()`` draws a new one (``--fresh-inputs``).
    Raises load.UsageError when there is nothing of the assignment to grade.
    """
    from autograder import engine

    started = time.perf_counter()
    rubric = rubric or Rubric.load()
    select = Select.instructor(rubric, exercises)
    loaded = load(paths, select)
    if not loaded.submissions and not loaded.whole:
        raise files.UsageError(f"none of the files given is part of this assignment ({', '.join(select.exercises)})")
    # pytest given no file would collect from its rootdir, so it is never called idle
    results = engine.grade(loaded.submissions, rubric, limits, select, workers=workers, inputs=inputs) if loaded.submissions else {}
    problems = loaded.problems + unproduced(loaded.submissions, results)
    results = zero_unproduced(loaded.submissions, results, select)
    return score((*missing(loaded, select), *results.values()), rubric, problems=problems,
                 seconds=time.perf_counter() - started, exercises=select.exercises, inputs=inputs)
