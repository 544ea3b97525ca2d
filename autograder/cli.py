"""The ``autograder`` command: a thin front end over the pipeline; it only parses and renders."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _limits(args):
    from autograder.run import Limits

    return Limits(call_seconds=args.call_seconds, submission_seconds=args.submission_seconds,
                  memory_bytes=int(args.memory_gib * 1024**3))


def cmd_grade(args) -> int:
    from autograder import api, load
    from autograder.report import render_text, to_gradescope
    from autograder.rubric import Rubric, RubricError

    try:
        rubric = Rubric.load(args.rubric)
        report = api.grade_paths(args.paths, rubric, _limits(args))
    except (load.UsageError, RubricError) as exc:
        print(f"autograder grade: {exc}", file=sys.stderr)
        return 2
    print(render_text(report, color=sys.stdout.isatty()))
    if args.json:
        from autograder.batch import write_atomically

        # atomically, replacing (never writing through) a file or symlink a child may have planted there
        write_atomically(Path(args.json), json.dumps(to_gradescope(report), indent=2))
        print(f"wrote {args.json}")
    return 0


def cmd_check(args) -> int:
    from autograder import student

    return student.main(args)


def cmd_batch(args) -> int:
    from autograder import batch, load
    from autograder.rubric import Rubric, RubricError

    from autograder.report import fmt_points

    def progress(index, total, name, report):
        print(f"[{index}/{total}] {name}: {fmt_points(report.score)}/{fmt_points(report.max_score)}", flush=True)

    try:
        rubric = Rubric.load(args.rubric)
        batch.grade_class(Path(args.root), Path(args.out), rubric, _limits(args), progress)
    except (load.UsageError, RubricError) as exc:
        print(f"autograder batch: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {Path(args.out) / 'scores.csv'} and one folder per student")
    return 0


def _kit_root(args) -> Path:
    return Path(args.root or os.getcwd())


def cmd_stubs(args) -> int:
    from autograder import stubs

    root = _kit_root(args)
    solutions, exercises = root / "solutions", root / "exercises"
    if not solutions.is_dir():
        print(f"autograder stubs: {solutions} not found (run from the kit's root or pass --root)", file=sys.stderr)
        return 2
    if args.check:
        stale = stubs.stale(solutions, exercises)
        if stale:
            print("stale: " + ", ".join(stale) + " (run `autograder stubs`)")
            return 1
        print("exercises/ is current")
        return 0
    for path in stubs.generate(solutions, exercises):
        print(f"wrote {path}")
    return 0


def cmd_nbgrader(args) -> int:
    from autograder import nbgrader_course
    from autograder.rubric import Rubric, RubricError

    solutions = _kit_root(args) / "solutions"
    if not solutions.is_dir():
        print(f"autograder nbgrader: {solutions} not found (run from the kit's root or pass --root)", file=sys.stderr)
        return 2
    try:
        rubric = Rubric.load(args.rubric)
        if args.check:
            stale = nbgrader_course.stale(solutions, args.dir, rubric)
            if stale:
                print(f"stale in {args.dir}: " + ", ".join(stale) + " (run `autograder nbgrader DIR`)")
                return 1
            print(f"{args.dir} is current")
            return 0
        written = nbgrader_course.generate(solutions, args.dir, rubric)
    except (RubricError, nbgrader_course.CourseError) as exc:
        print(f"autograder nbgrader: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def _add_limit_options(parser) -> None:
    parser.add_argument("--call-seconds", type=float, default=60.0, help="wall-clock limit per call (default 60)")
    parser.add_argument("--submission-seconds", type=float, default=600.0,
                        help="wall-clock limit for all calls into one file (default 600)")
    parser.add_argument("--memory-gib", type=float, default=2.0, help="memory limit of a submission (default 2)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="backprop-kit: grade backpropagation exercises")
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade exercise files (exNN_name.py / .ipynb) or folders of them")
    grade.add_argument("paths", nargs="+")
    grade.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json to FILE")
    grade.add_argument("--rubric", metavar="FILE", help="a TOML file overriding points, tolerances, budgets")
    _add_limit_options(grade)
    grade.set_defaults(handler=cmd_grade)

    check = sub.add_parser("check", help="check your exercises: compact report, what to fix first, --watch")
    check.add_argument("paths", nargs="*", help="exercise files or folders (default: the current directory)")
    check.add_argument("--watch", action="store_true", help="re-grade an exercise each time its file is saved")
    check.add_argument("--quick", "--no-training", dest="quick", action="store_true",
                       help="skip the checks that train a model (train, fit, fit_linear, gradient_descent)")
    check.add_argument("--html", metavar="FILE", help="also write a feedback page (scores, messages, plots) to FILE")
    check.add_argument("--poll", type=float, default=0.3, help=argparse.SUPPRESS)
    check.add_argument("--rubric", metavar="FILE", help=argparse.SUPPRESS)
    check.set_defaults(handler=cmd_check)

    batch = sub.add_parser("batch", help="grade a class: ROOT holds one folder per student")
    batch.add_argument("root")
    batch.add_argument("--out", required=True, help="folder for scores.csv and each student's results.json")
    batch.add_argument("--rubric", metavar="FILE", help="a TOML file overriding points, tolerances, budgets")
    _add_limit_options(batch)
    batch.set_defaults(handler=cmd_batch)

    stubs = sub.add_parser("stubs", help="generate exercises/ from solutions/ (or --check that it is current)")
    stubs.add_argument("--root", help="the kit's root folder (default: the current directory)")
    stubs.add_argument("--check", action="store_true", help="exit 1 if exercises/ is stale")
    stubs.set_defaults(handler=cmd_stubs)

    nbgrader = sub.add_parser("nbgrader", help="generate an nbgrader course folder from solutions/ (or --check it)")
    nbgrader.add_argument("dir", help="the course folder to write (source/<exercise>/<exercise>.ipynb, nbgrader_config.py)")
    nbgrader.add_argument("--root", help="the kit's root folder (default: the current directory)")
    nbgrader.add_argument("--rubric", metavar="FILE", help="a TOML file overriding points (the test cells' values)")
    nbgrader.add_argument("--check", action="store_true", help="exit 1 if the course in DIR is stale")
    nbgrader.set_defaults(handler=cmd_nbgrader)
    return parser


# Optional packages -> the extra of pyproject.toml that installs them.  The README's first command
# installs the kit without extras, so a command that needs one of these must say how to get it in
# one line instead of dying with a traceback.
OPTIONAL = {"nbformat": "nbgrader", "nbgrader": "nbgrader"}


def missing_dependency(exc: ImportError, command: str) -> str | None:
    """The one-line message for an optional package that is not installed, or None."""
    top = (exc.name or "").split(".")[0]
    if top not in OPTIONAL:
        return None
    extra = OPTIONAL[top]
    return (f"autograder {command}: needs the optional package {top}, which is not installed; "
            f'install the kit with its [{extra}] extra: pip install ".[{extra}]" in the kit\'s folder, '
            f'or pip install "backprop-kit[{extra}]"')


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ImportError as exc:
        # Learner code never runs in this process (it runs in a child), so an ImportError here is
        # the kit's own: only the optional packages get the short message, anything else is a bug.
        message = missing_dependency(exc, args.command)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
