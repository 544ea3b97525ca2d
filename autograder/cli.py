"""The ``autograder`` command: a thin front end over the pipeline; it only parses and renders."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _limits(args):
    from autograder.sandbox import Limits

    try:
        return Limits(call_seconds=args.call_seconds, submission_seconds=args.submission_seconds,
                      memory_bytes=int(args.memory_gib * 1024**3))
    except ValueError as exc:  # Limits names the field; say which option set it
        option = {"call_seconds": "--call-seconds", "submission_seconds": "--submission-seconds",
                  "memory_bytes": "--memory-gib"}
        named = next((flag for field, flag in option.items() if f"Limits.{field} " in str(exc)), "a limit")
        print(f"autograder: {named}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _seed(text: str) -> int:
    """--inputs-seed: a whole number >= 0 (numpy's seeds cannot be negative)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0 (the seed a report printed), got {text!r}")
    return value


def _inputs_seed(args) -> int:
    """The seed of the checks' inputs: --inputs-seed N replays a grade, --fresh-inputs draws a new one."""
    from autograder.checks.framework import fresh_inputs_seed

    if args.inputs_seed is not None:
        return args.inputs_seed
    return fresh_inputs_seed() if args.fresh_inputs else 0


def cmd_grade(args) -> int:
    from autograder import api, load
    from autograder.render.gradescope import to_gradescope
    from autograder.render.text import render_text
    from autograder.rubric import Rubric, RubricError

    try:
        rubric = Rubric.load(args.rubric)
        report = api.grade_paths(args.paths, rubric, _limits(args), exercises=args.exercises,
                                 inputs=_inputs_seed(args))
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


def cmd_gradescope(args) -> int:
    from autograder import gradescope
    from autograder.rubric import RubricError

    try:
        bundle = gradescope.build(Path(args.out), rubric_file=args.rubric, exercises=args.exercises,
                                  fresh_inputs=args.fresh_inputs)
    except (RubricError, gradescope.BundleError) as exc:
        print(f"autograder gradescope: {exc}", file=sys.stderr)
        return 2
    print(bundle.summary())
    return 0


def cmd_check(args) -> int:
    from autograder import student

    return student.main(args)


def cmd_batch(args) -> int:
    from autograder import batch, load
    from autograder.rubric import Rubric, RubricError

    out = Path(args.out)
    try:
        rubric = Rubric.load(args.rubric)
        with _BatchProgress() as progress:
            batch.grade_class(Path(args.root), out, rubric, _limits(args), progress.update, workers=args.workers,
                              force=args.force, scheduler=args.scheduler, exercises=args.exercises,
                              fresh_inputs=args.fresh_inputs)
    except (load.UsageError, RubricError) as exc:
        print(f"autograder batch: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out / 'gradebook.csv'}, {out / 'summary.md'} and one folder per student")
    return 0


class _BatchProgress:
    """A rich progress bar (rate, ETA) on a terminal; elsewhere (a log, CI) one plain line per student."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=False)
        self.bar = None
        self.task = None
        self.started = None
        self.fresh = 0  # students graded in this run (the rate and ETA are over these only)

    def __enter__(self):
        import time

        self.started = time.monotonic()
        if self.console.is_terminal:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                TimeRemainingColumn(), TextColumn("{task.fields[last]}"), console=self.console)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def update(self, event) -> None:
        import time

        from rich.markup import escape

        from autograder.messages import learner_text
        from autograder.render import fmt_points

        record = event.record
        score = sum(r["score"] for r in record["results"])
        top = sum(r["points"] for r in record["results"])
        elapsed = time.monotonic() - self.started
        if not event.skipped:
            self.fresh += 1
        rate = self.fresh / elapsed * 60 if elapsed > 0 and self.fresh else 0.0
        left = event.total - event.done
        eta = f"{left * elapsed / self.fresh:.0f} s" if self.fresh else "?"
        what = "already graded" if event.skipped else f"{fmt_points(score)}/{fmt_points(top)}"
        if record["error"]:
            what += f" (grading failed: {record['error']})"
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task("grading", total=event.total, rate="", last="")
            # rich's own speed would count the skipped students too: the rate shown is this run's
            # names and notes come from the students' uploads: never read as rich markup
            self.bar.update(self.task, completed=event.done, rate=f"{rate:.1f} students/min",
                            last=escape(f"{learner_text(event.student, 80)}: {what}"))
            for note in record["notes"] if not event.skipped else ():
                self.bar.console.print(f"  note: {learner_text(event.student, 80)}: {note}", markup=False,
                                       highlight=False)
        else:
            print(f"[{event.done}/{event.total}] {learner_text(event.student, 80)}: {what}"
                  + ("" if event.skipped else f"  ({rate:.1f} students/min, ETA {eta})"), flush=True)
            for note in record["notes"] if not event.skipped else ():
                print(f"  note: {learner_text(event.student, 80)}: {note}", flush=True)


def _kit_root(args) -> Path:
    return Path(args.root or os.getcwd())


def cmd_init(args) -> int:
    from autograder import submit
    from autograder.rubric import Rubric, RubricError

    try:
        exercises = None
        if args.exercises:
            from autograder.api import selected_exercises

            exercises = selected_exercises(Rubric.load(), args.exercises)
        written = submit.init(Path(args.dir), force=args.force, exercises=exercises)
    except (submit.SubmitError, RubricError) as exc:
        print(f"autograder init: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {args.dir}: {', '.join(p.name for p in written)}")
    print(f"next: edit the exercise files, then run `autograder check {args.dir}` (or `pytest` in that folder)")
    return 0


def cmd_submit(args) -> int:
    from autograder import load, submit
    from autograder.rubric import Rubric, RubricError

    try:
        packed = submit.make_submission(Path(args.path), Path(args.out), Rubric.load(args.rubric),
                                        exercises=args.exercises, limits=_limits(args), force=args.force)
    except (submit.SubmitError, load.UsageError, RubricError) as exc:
        print(f"autograder submit: {exc}", file=sys.stderr)
        return 2
    print(packed.summary())
    return 0


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
    from autograder.sandbox import Limits

    default = Limits()  # one set of defaults: the sandbox's own
    parser.add_argument("--call-seconds", type=float, default=default.call_seconds,
                        help=f"wall-clock limit per call (default {default.call_seconds:g})")
    parser.add_argument("--submission-seconds", type=float, default=default.submission_seconds,
                        help=f"wall-clock limit for all calls into one file (default {default.submission_seconds:g})")
    parser.add_argument("--memory-gib", type=float, default=default.memory_bytes / 1024**3,
                        help=f"memory limit of a submission (default {default.memory_bytes / 1024**3:g})")


def _add_exercises_option(parser) -> None:
    parser.add_argument("--exercises", metavar="LIST",
                        help="the assignment's exercises, e.g. ex04,ex05 or ex04_manual_backprop (default: the "
                             "rubric's [assignment] exercises, else all); scored out of their own points")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="backprop-kit: grade backpropagation exercises")
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade exercise files (exNN_name.py / .ipynb) or folders of them")
    grade.add_argument("paths", nargs="+")
    grade.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json to FILE")
    grade.add_argument("--rubric", metavar="FILE", help="a TOML file overriding points, tolerances, budgets")
    inputs = grade.add_mutually_exclusive_group()
    inputs.add_argument("--fresh-inputs", action="store_true",
                        help="draw every check's inputs from a new seed (printed, so the grade can be replayed): "
                             "answers stored in advance for the kit's public inputs then fail")
    inputs.add_argument("--inputs-seed", type=_seed, metavar="N", help="draw the checks' inputs from seed N (replay)")
    _add_exercises_option(grade)
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
    _add_exercises_option(check)
    check.set_defaults(handler=cmd_check)

    gradescope = sub.add_parser("gradescope", help="build Gradescope's autograder.zip (setup.sh, run_autograder, "
                                                   "the kit as a wheel, the rubric)")
    gradescope.add_argument("--out", default="autograder.zip", help="the zip to write (default autograder.zip)")
    gradescope.add_argument("--rubric", metavar="FILE",
                            help="a TOML file overriding points, tolerances, budgets, hidden checks")
    gradescope.add_argument("--fresh-inputs", action="store_true",
                            help="grade each submission on inputs drawn from a seed of its own (quoted in its "
                                 "results.json; `autograder grade --inputs-seed N` replays it), so answers stored "
                                 "for the kit's public fixed inputs fail")
    _add_exercises_option(gradescope)
    gradescope.set_defaults(handler=cmd_gradescope)

    batch = sub.add_parser("batch", help="grade a class: ROOT holds one folder or .zip per student "
                                         "(or is an nbgrader course with submitted/<student>/<assignment>/)")
    batch.add_argument("root")
    batch.add_argument("--out", required=True,
                       help="folder for gradebook.csv, summary.md and one folder per student (results.json, ...)")
    batch.add_argument("--workers", type=int, default=1,
                       help="grading worker processes, each with its own fork server (default 1)")
    batch.add_argument("--force", action="store_true",
                       help="grade every student again (default: skip students already graded from the same files)")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster (tcp://host:8786) instead of local worker processes")
    batch.add_argument("--fresh-inputs", action="store_true",
                       help="each student's checks draw their inputs from a new seed (kept in their record and "
                            "results.json): answers stored in advance for the kit's public inputs fail")
    _add_exercises_option(batch)
    batch.add_argument("--rubric", metavar="FILE", help="a TOML file overriding points, tolerances, budgets")
    _add_limit_options(batch)
    batch.set_defaults(handler=cmd_batch)

    init = sub.add_parser("init", help="write the exercise stubs and their contract (README.md) into DIR")
    init.add_argument("dir", help="the folder to write into (created if needed)")
    init.add_argument("--force", action="store_true", help="overwrite exercise files that already exist")
    _add_exercises_option(init)
    init.set_defaults(handler=cmd_init)

    submit = sub.add_parser("submit", help="check your exercise files and pack them into a zip to hand in "
                                           "(with a manifest: file hashes and the self-check score)")
    submit.add_argument("path", nargs="?", default=".", help="the folder with your exNN_*.py files (default: here)")
    submit.add_argument("--out", default="submission.zip", help="the zip to write (default submission.zip)")
    submit.add_argument("--force", action="store_true",
                        help="pack even when an exercise is missing or a file does not import")
    submit.add_argument("--rubric", metavar="FILE", help=argparse.SUPPRESS)
    _add_exercises_option(submit)
    _add_limit_options(submit)
    submit.set_defaults(handler=cmd_submit)

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
OPTIONAL = {"nbformat": "nbgrader", "nbgrader": "nbgrader", "distributed": "dask", "dask": "dask"}


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
