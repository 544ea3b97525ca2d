"""The pipeline in one call: load -> run (sandboxed, via pytest) -> grade -> score -> Report."""

from __future__ import annotations

import os
import time
from pathlib import Path

from autograder import load, run
from autograder.checks import all_exercises
from autograder.grade import missing_exercise_results
from autograder.records import Report
from autograder.rubric import Rubric


def default_workers() -> int:
    """One file at a time per core: the learner's code runs in child processes, one per file."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def grade_paths(paths, rubric: Rubric | None = None, limits: run.Limits = run.Limits(),
                workers: int | None = None) -> Report:
    """Grade every exercise file under ``paths``.  Raises load.UsageError when there is none."""
    started = time.perf_counter()
    rubric = rubric or Rubric.load()
    submissions = load.load_all(paths)
    run.warm_up()  # the fork server imports TensorFlow while we import it for the oracle
    from autograder.plugin import run_pytest

    plugin = run_pytest(submissions, rubric, limits, workers=workers or default_workers())
    results = []
    problems = []
    if any(Path(p).is_dir() for p in paths):
        # a folder is a whole submission: an exercise it lacks scores zero, with a message
        handed_in = {s.exercise for s in submissions}
        for name, exercise in all_exercises().items():
            if name not in handed_in:
                results.extend(missing_exercise_results(exercise, rubric))
    for submission in submissions:
        got = plugin.results.get(submission.source, [])
        if not got:
            problems.append(f"{submission.source}: the grader produced no result (pytest failed to collect it)")
        results.extend(got)
    order = list(all_exercises())
    results.sort(key=lambda r: order.index(r.exercise))  # stable: checks keep their order
    return Report(results=tuple(results), problems=tuple(problems), seconds=time.perf_counter() - started,
                  meta={"files": [s.source for s in submissions], "warnings": list(plugin.notes)})
