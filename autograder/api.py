"""The pipeline in one call: load -> run (sandboxed, via pytest) -> grade -> score -> Report."""

from __future__ import annotations

import os
import time
from pathlib import Path

from autograder import load
from autograder import sandbox as run
from autograder.checks import all_exercises
from autograder.grade import missing_exercise_results
from autograder.records import Report
from autograder.rubric import Rubric, resolve_exercises


def default_workers() -> int:
    """One file at a time per core: the learner's code runs in child processes, one per file."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def selected_exercises(rubric: Rubric, exercises=None) -> tuple:
    """The assignment's exercises: ``exercises`` (numbers or full names) if given, else the rubric's
    ``[assignment] exercises``, else all.  An unknown name is a RubricError listing the known ones."""
    if exercises is None:
        return rubric.exercises()
    if isinstance(exercises, str):
        exercises = exercises.split(",")
    return resolve_exercises(exercises, "--exercises")


def grade_paths(paths, rubric: Rubric | None = None, limits: run.Limits = run.Limits(),
                workers: int | None = None, exercises=None) -> Report:
    """Grade every exercise file under ``paths``.  Raises load.UsageError when there is none.

    ``exercises`` (e.g. ``["ex04", "ex05_tape_regression"]`` or ``"ex04,ex05"``) makes the
    assignment a subset: only those exercises are graded and counted (a folder missing one of
    them scores it zero); files of other exercises are left out with a note in ``problems``.
    """
    started = time.perf_counter()
    rubric = rubric or Rubric.load()
    selected = selected_exercises(rubric, exercises)
    found = load.load_all(paths)
    submissions = [s for s in found if s.exercise in selected]
    # a file handed in for another exercise is not graded, and the report says so (a student who
    # uploads ex05 to the ex04 assignment must not be left guessing why it scored nothing)
    problems = [f"{s.source}: not graded: {s.exercise} is not part of this assignment ({', '.join(selected)})"
                for s in found if s.exercise not in selected]
    folders = any(Path(p).is_dir() for p in paths)
    if not submissions and not folders:
        raise load.UsageError(f"none of the files given is part of this assignment ({', '.join(selected)})")
    plugin = None
    if submissions:  # pytest given no file would collect from its rootdir, so never call it idle
        run.warm_up()  # the fork server imports TensorFlow while we import it for the oracle
        from autograder.plugin import run_pytest

        plugin = run_pytest(submissions, rubric, limits, workers=workers or default_workers())
    results = []
    if folders:
        # a folder is a whole submission: an exercise of the assignment it lacks scores zero, with a message
        handed_in = {s.exercise for s in submissions}
        for name, exercise in all_exercises().items():
            if name in selected and name not in handed_in:
                results.extend(missing_exercise_results(exercise, rubric))
    for submission in submissions:
        got = plugin.results.get(submission.source, [])
        if not got:
            problems.append(f"{submission.source}: the grader produced no result (pytest failed to collect it)")
        results.extend(got)
    order = list(all_exercises())
    results.sort(key=lambda r: order.index(r.exercise))  # stable: checks keep their order
    hidden = rubric.hidden_keys()
    return Report(results=tuple(results), problems=tuple(problems), seconds=time.perf_counter() - started,
                  meta={"files": [s.source for s in submissions], "warnings": list(plugin.notes if plugin else ()),
                        "exercises": list(selected),
                        # which results are hidden checks, so that to_gradescope needs only the report
                        "hidden": [f"{r.exercise}/{r.check_id}" for r in results if (r.exercise, r.check_id) in hidden],
                        "hidden_visibility": rubric.hidden_visibility})
