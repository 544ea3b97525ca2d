"""The pipeline in one call: load -> run (sandboxed, via pytest) -> grade -> score -> Report."""

from __future__ import annotations

import time

from autograder import load, run
from autograder.records import Report
from autograder.rubric import Rubric


def grade_paths(paths, rubric: Rubric | None = None, limits: run.Limits = run.Limits()) -> Report:
    """Grade every exercise file under ``paths``.  Raises load.UsageError when there is none."""
    started = time.perf_counter()
    rubric = rubric or Rubric.load()
    submissions = load.load_all(paths)
    run.warm_up()  # the fork server imports TensorFlow while we import it for the oracle
    from autograder.plugin import run_pytest

    plugin = run_pytest(submissions, rubric, limits)
    results = []
    problems = []
    for submission in submissions:
        got = plugin.results.get(submission.source, [])
        if not got:
            problems.append(f"{submission.source}: the grader produced no result (pytest failed to collect it)")
        results.extend(got)
    return Report(results=tuple(results), problems=tuple(problems), seconds=time.perf_counter() - started,
                  meta={"files": [s.source for s in submissions]})
