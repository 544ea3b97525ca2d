"""Benchmark: what grading costs, per exercise, and fork server vs a fresh process per submission.

    python bench/grading.py [--copies N] [--repeats R] [--part exercises|whole|oracle|fork]

Prints (1) the grading time of the reference solutions per exercise, after TensorFlow is
imported, split into learner calls and everything else (medians of R runs); the whole reference
submission one file at a time and two side by side (R runs each, interleaved); the same one file
at a time with the oracle's memo emptied before each run or kept (interleaved); (2) for N copies of the reference
submission of one fast exercise, the per-submission wall time of starting a child and running
all of its checks, (a) one fresh interpreter per submission and (b) forked from the warm fork
server, interleaved in one run, with medians and their ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def per_exercise(repeats: int) -> None:
    from autograder import api, sandbox

    sandbox.warm_up()
    import tensorflow  # noqa: F401 - measured separately: the target is the cost after this import

    api.grade_paths([str(ROOT / "solutions" / "ex01_tape_basics.py")])  # warm every cache once
    print(f"grading the reference solutions (after TensorFlow is imported, fork server warm; "
          f"median of {repeats} runs each):")
    print(f"{'exercise':26} {'checks':>6} {'wall s':>7} {'in checks s':>11}")
    total = 0.0
    for path in sorted((ROOT / "solutions").glob("ex*.py")):
        walls, in_checks = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            report = api.grade_paths([str(path)])
            walls.append(time.perf_counter() - started)
            in_checks.append(sum(r.seconds for r in report.results))
        wall = statistics.median(walls)
        total += wall
        full = "" if report.score == report.max_score else f"  (NOT FULL: {report.score}/{report.max_score})"
        print(f"{path.stem:26} {len(report.results):6d} {wall:7.2f} {statistics.median(in_checks):11.2f}{full}")
    print(f"{'all exercises':26} {'':6} {total:7.2f}")


def warm_up() -> None:
    """The fork server, TensorFlow, the oracle's data and caches, as per_exercise leaves them."""
    from autograder import api, sandbox

    sandbox.warm_up()
    api.grade_paths([str(ROOT / "solutions")], workers=1)


def whole_submission(repeats: int) -> None:
    """The full reference submission (every exercise file) graded one file at a time vs two side by side."""
    from autograder import api

    times: dict = {1: [], 2: []}
    for i in range(repeats):
        for workers in ((1, 2) if i % 2 == 0 else (2, 1)):
            started = time.perf_counter()
            report = api.grade_paths([str(ROOT / "solutions")], workers=workers)
            times[workers].append(time.perf_counter() - started)
            assert report.score == report.max_score
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"\nthe whole reference submission ({repeats} runs each, interleaved):")
    print(f"  one file at a time:  median {one:.2f} s")
    print(f"  two files at a time: median {two:.2f} s   ratio {one / two:.2f}x")


def oracle_memo(repeats: int) -> None:
    """The whole reference submission, one file at a time, with the oracle's memo (oracle.by_value)
    emptied before each run (as for a worker's first student) or kept (every later one), interleaved:
    wall time and the grader's own CPU time (this process: pytest, the oracle, the wire)."""
    from autograder import api, oracle

    figures: dict = {"oracle cold": ([], []), "oracle warm": ([], [])}
    for i in range(repeats):
        for mode in (("oracle cold", "oracle warm") if i % 2 == 0 else ("oracle warm", "oracle cold")):
            if mode == "oracle cold":
                oracle.clear_memos()
            cpu, started = time.process_time(), time.perf_counter()
            report = api.grade_paths([str(ROOT / "solutions")], workers=1)
            figures[mode][0].append(time.perf_counter() - started)
            figures[mode][1].append(time.process_time() - cpu)
            assert report.score == report.max_score
    print(f"\nthe whole reference submission, one file at a time, the oracle's memo emptied or kept "
          f"({repeats} runs each, interleaved):")
    cold_wall, cold_cpu = (statistics.median(v) for v in figures["oracle cold"])
    for mode, (walls, cpus) in figures.items():
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"  {mode}: wall median {wall:.2f} s (x{wall / cold_wall:.2f})   "
              f"grader's CPU median {cpu:.2f} s (x{cpu / cold_cpu:.2f})")


def fresh_vs_forked(copies: int) -> None:
    from autograder import sandbox
    from autograder.checks.framework import Learner
    from autograder.checks import all_exercises
    from autograder.grade import evaluate
    from autograder.rubric import Rubric

    exercise = all_exercises()["ex03_gradient_check"]
    rubric = Rubric.load()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    times: dict = {"fresh": [], "forked": []}
    server = sandbox.fork_server()
    for i in range(copies):
        target = workdir / str(i) / f"{exercise.name}.py"
        target.parent.mkdir()
        shutil.copy(ROOT / "solutions" / f"{exercise.name}.py", target)
        for mode in (("fresh", "forked") if i % 2 == 0 else ("forked", "fresh")):  # interleave: fair to both
            started = time.perf_counter()
            with sandbox.Sandbox(str(target), exercise.name, sandbox.Limits(),
                                 server=None if mode == "fresh" else server) as box:
                learner = Learner(box)
                results = [evaluate(exercise, check, learner, rubric) for check in exercise.checks]
            times[mode].append(time.perf_counter() - started)
            assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    shutil.rmtree(workdir)
    fresh, forked = statistics.median(times["fresh"]), statistics.median(times["forked"])
    print(f"\n{copies} copies of the {exercise.name} reference, start + all {len(exercise.checks)} checks per copy:")
    print(f"  (a) fresh process per submission: median {fresh:.3f} s  (min {min(times['fresh']):.3f}, max {max(times['fresh']):.3f})")
    print(f"  (b) fork server:                  median {forked:.3f} s  (min {min(times['forked']):.3f}, max {max(times['forked']):.3f})")
    print(f"  ratio (a)/(b): {fresh / forked:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--part", choices=("all", "exercises", "whole", "oracle", "fork"), default="all",
                        help="one section only (default: all)")
    args = parser.parse_args()
    wanted = lambda part: args.part in ("all", part)  # noqa: E731
    if wanted("exercises"):
        per_exercise(args.repeats)  # (warms the fork server and every cache too)
    else:
        warm_up()
    if wanted("whole"):
        whole_submission(args.repeats)
    if wanted("oracle"):
        oracle_memo(args.repeats)
    if wanted("fork"):
        fresh_vs_forked(args.copies)
    from autograder import sandbox

    sandbox.shut_down()


if __name__ == "__main__":
    main()
