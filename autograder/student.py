"""``autograder check``: the student's command: grade, show a compact report and what to fix first, watch.

The same pipeline as ``autograder grade`` (pytest as the engine, every call sandboxed) with the
student's Select (no hidden checks; ``--quick`` leaves out training); this module only adds a
progress display and ``--watch``, which re-grades an exercise when its file is saved, reusing the
warm fork server.  The report itself is autograder.render.compact.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.markup import escape

from autograder import load, pipeline
from autograder.checks import all_exercises
from autograder.records import LeftOut, Report
from autograder.render import compact

POLL_SECONDS = 0.3


# ---------------------------------------------------------------------------------------------
# Grading, with a progress display
# ---------------------------------------------------------------------------------------------


class _Progress:
    """A pytest plugin for one grading run: drives the progress bar (one task per exercise)."""

    def __init__(self, progress):
        self.progress = progress
        self.tasks: dict = {}
        self.interrupted = False

    def pytest_collection_finish(self, session):
        counts: dict = {}
        for item in session.items:
            counts[item.parent.exercise.name] = counts.get(item.parent.exercise.name, 0) + 1
        for name, count in counts.items():
            self.tasks[name] = self.progress.add_task(name, total=count)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        task = self.tasks.get(item.parent.exercise.name)
        if task is not None:
            self.progress.update(task, description=f"{item.parent.exercise.number}.{item.check.function}")
        try:
            return (yield)
        finally:
            if task is not None:
                self.progress.advance(task)

    def pytest_keyboard_interrupt(self, excinfo):
        self.interrupted = True


def grade(submissions, rubric, console, select: pipeline.Select, limits=None) -> Report:
    """Grade ``submissions`` (pytest engine, sandboxed) while showing a progress bar on ``console``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from autograder import engine
    from autograder import sandbox

    started = time.perf_counter()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal)
    shown = _Progress(progress)
    with progress:
        # --capture=no: pytest must not swallow the progress display (learner output never gets
        # here: it goes to a file in the sandbox child)
        results = engine.grade(submissions, rubric, limits or sandbox.Limits(), select,
                               # unraisableexception would run gc.collect() five times over the
                               # TensorFlow heap (about a second, every run)
                               extra_args=("--capture=no", "-p", "no:unraisableexception"), plugins=[shown])
    if shown.interrupted:
        raise KeyboardInterrupt
    problems = pipeline.unproduced(submissions, results)
    return pipeline.score(pipeline.zero_unproduced(submissions, results, select).values(), rubric, problems=problems,
                          seconds=time.perf_counter() - started, exercises=select.exercises)


# ---------------------------------------------------------------------------------------------
# The command and --watch
# ---------------------------------------------------------------------------------------------


@dataclass
class Options:
    paths: list
    quick: bool = False
    watch: bool = False
    html: str | None = None
    poll: float = POLL_SECONDS
    rubric: str | None = None
    exercises: str | None = None  # "ex04,ex05": only these exercises (default: the rubric's assignment)


def snapshot(paths) -> dict:
    """path -> (mtime_ns, size) of every exercise file under ``paths`` (folders are re-listed each time)."""
    found = {}
    try:
        paths = load.find(paths)
    except load.UsageError:  # a folder emptied while watching: nothing to watch until a file comes back
        return found
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def _merged(latest: dict, seconds: float, skipped, files=()) -> Report:
    """Every exercise's latest results, as one report (``skipped``: the last re-grade's --quick left-outs)."""
    order = list(all_exercises())
    results = [r for name in sorted(latest, key=order.index) for r in latest[name]]
    # the files too: "Fix first" looks at which one was saved last
    return Report(results=tuple(results), seconds=seconds, files=tuple(files),
                  left_out=tuple((exercise, key, LeftOut.QUICK) for exercise, key in skipped))


def _write_html(options: Options, report: Report, console) -> None:
    from autograder.render import html

    Path(options.html).write_text(html.render(report), encoding="utf-8")
    console.print(f"[dim]wrote {escape(options.html)}[/]")


def grade_and_watch(options: Options, console=None) -> int:
    """Grade once (and with ``watch``, again on every save). 0: every check passes, 1: some fail, 2: usage."""
    from rich.console import Console

    from autograder.rubric import Rubric, RubricError

    console = console or Console(highlight=False)
    try:
        rubric = Rubric.load(options.rubric)
        select = pipeline.Select.student(rubric, options.exercises, options.quick)
        submissions = pipeline.load(options.paths, select).submissions
        if not submissions:
            raise load.UsageError(f"no exercise file of this assignment ({', '.join(select.exercises)}) in "
                                  f"{', '.join(map(str, options.paths))}")
    except (load.UsageError, RubricError) as exc:
        console.print(f"[red]autograder check: {escape(str(exc))}[/]")
        return 2
    report = grade(submissions, rubric, console, select)
    compact.render(report, console)
    if options.html:
        _write_html(options, report, console)
    if not options.watch:
        return 0 if report.results and all(r.passed for r in report.results) else 1
    latest: dict = {}  # exercise -> its latest results
    for result in report.results:
        latest.setdefault(result.exercise, []).append(result)
    return _watch(options, rubric, console, latest, select)


def _watch(options: Options, rubric, console, latest: dict, select: pipeline.Select) -> int:
    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    seen = snapshot(options.paths)
    console.print(f"[dim]watching {len(seen)} exercise file(s) for changes; Ctrl+C to stop[/]")
    try:
        while True:
            time.sleep(options.poll)
            now = snapshot(options.paths)
            changed = [path for path, stamp in now.items() if seen.get(path) != stamp]
            if not changed:
                seen = now
                continue
            time.sleep(0.05)  # an editor may write in several steps: let the file settle
            now = snapshot(options.paths)
            changed = [path for path in changed if path in now]
            seen = now
            if not changed:
                continue
            started = time.perf_counter()
            subs = pipeline.load(changed, select).submissions
            if not subs:  # a file of an exercise outside the assignment: nothing to re-grade
                continue
            names = ", ".join(Path(s.source).name for s in subs)
            console.rule(f"[bold]{escape(names)} changed: re-grading", style="dim")
            report = grade(subs, rubric, console, select)
            for sub in subs:
                latest[sub.exercise] = [r for r in report.results if r.exercise == sub.exercise]
            merged = _merged(latest, time.perf_counter() - started, report.left_out_for(LeftOut.QUICK),
                             [str(path) for path in now])
            for problem in report.problems:
                console.print(f"[red]! {escape(problem)}[/]")
            compact.render(merged, console, exercises={s.exercise for s in subs})
            if options.html:
                _write_html(options, merged, console)
    except KeyboardInterrupt:
        console.print("[dim]stopped watching[/]")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(args) -> int:
    """The ``autograder check`` handler (args from cli.build_parser)."""
    options = Options(paths=args.paths or [os.getcwd()], quick=args.quick, watch=args.watch, html=args.html,
                      poll=args.poll, rubric=args.rubric, exercises=getattr(args, "exercises", None))
    try:
        return grade_and_watch(options)
    except KeyboardInterrupt:
        return 130
    finally:
        from autograder import sandbox

        sandbox.shut_down()
        sys.stdout.flush()
