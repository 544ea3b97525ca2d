"""``autograder check``: the student's command: grade, show a compact report and what to fix first, watch.

The same pipeline as ``autograder grade`` (pytest as the engine, every call sandboxed); this
module only adds a progress display, a report sized for a terminal, and ``--watch``, which
re-grades an exercise when its file is saved, reusing the warm fork server.
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

from autograder import load, messages
from autograder.checks import all_exercises
from autograder.records import Report

# Checks of these functions train a model (or run an optimisation loop): skipped by --quick.
TRAINING_FUNCTIONS = frozenset({"train", "fit", "fit_linear", "gradient_descent"})
POLL_SECONDS = 0.3


def is_training(check) -> bool:
    return check.function in TRAINING_FUNCTIONS


# ---------------------------------------------------------------------------------------------
# Grading, with a progress display
# ---------------------------------------------------------------------------------------------


class _Session:
    """A pytest plugin for one grading run: drops training checks (--quick), drives the progress bar."""

    def __init__(self, progress, quick: bool):
        self.progress = progress
        self.quick = quick
        self.skipped: list = []  # (exercise, check key) left out by --quick
        self.tasks: dict = {}
        self.interrupted = False

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        if not self.quick:
            return
        keep, drop = [], []
        for item in items:
            (drop if is_training(item.check) else keep).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
            self.skipped = [(item.parent.exercise.name, item.check.key) for item in drop]

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


def grade(submissions, rubric, console, quick: bool = False, limits=None) -> Report:
    """Grade ``submissions`` (pytest engine, sandboxed) while showing a progress bar on ``console``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from autograder import api, run
    from autograder.plugin import run_pytest

    started = time.perf_counter()
    run.warm_up()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal)
    session = _Session(progress, quick)
    with progress:
        # --capture=no: pytest must not swallow the progress display (learner output never gets
        # here: it goes to a file in the sandbox child)
        engine = run_pytest(submissions, rubric, limits or run.Limits(),
                            # unraisableexception would run gc.collect() five times over the
                            # TensorFlow heap (about a second, every run)
                            extra_args=("--capture=no", "-p", "no:unraisableexception"),
                            plugins=[session], workers=api.default_workers())
    if session.interrupted:
        raise KeyboardInterrupt
    order = list(all_exercises())
    results, problems = [], []
    for submission in sorted(submissions, key=lambda s: order.index(s.exercise)):
        got = engine.results.get(submission.source, [])
        if not got and not any(name == submission.exercise for name, _ in session.skipped):
            problems.append(f"{submission.source}: the grader produced no result")
        results.extend(got)
    return Report(results=tuple(results), problems=tuple(problems), seconds=time.perf_counter() - started,
                  meta={"files": [s.source for s in submissions], "skipped": session.skipped,
                        "warnings": list(getattr(engine, "notes", ()))})


# ---------------------------------------------------------------------------------------------
# The compact report
# ---------------------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:g}"


def first_to_fix(report: Report):
    """(exercise, function, result) of the first failing check, exercises and functions in contract order."""
    grouped = report.by_exercise()
    for name, exercise in all_exercises().items():
        results = grouped.get(name, [])
        for function in exercise.functions:
            for result in results:
                if result.function == function and not result.passed:
                    return exercise, function, result
    return None


def render(report: Report, console, exercises=None) -> None:
    """Print the compact report: a line per exercise, a line per failing function, the total, a hint."""
    from rich.table import Table

    for problem in report.problems:
        console.print(f"[red]! {escape(problem)}[/]")
    for warning in report.meta.get("warnings") or ():
        console.print(f"[dim]sandbox: {escape(warning)}[/]")
    grouped = report.by_exercise()
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column()
    for name, exercise in all_exercises().items():
        if name not in grouped or (exercises is not None and name not in exercises):
            continue
        results = grouped[name]
        got, most = sum(r.score for r in results), sum(r.points for r in results)
        failing = [r for r in results if not r.passed]
        if not failing:
            table.add_row(f"[green]✓ {name}[/]", f"[green]{_fmt(got)}/{_fmt(most)}[/]", "[green]all checks pass[/]")
            continue
        color = "yellow" if got > 0 else "red"
        table.add_row(f"[bold {color}]✗ {name}[/]", f"[{color}]{_fmt(got)}/{_fmt(most)}[/]",
                      f"{len(failing)} of {len(results)} checks fail")
        not_started = []
        for function in exercise.functions:
            mine = [r for r in results if r.function == function]
            wrong = [r for r in mine if not r.passed]
            if not wrong:
                continue
            if all(r.message == messages.NOT_IMPLEMENTED for r in wrong):
                not_started.append(function)
                continue
            points = f"{_fmt(sum(r.score for r in mine))}/{_fmt(sum(r.points for r in mine))}"
            text = _shorten(wrong[0].message.split(" | ")[0], 200)  # the first problem; the hint and --html say more
            more = len(wrong) - 1
            table.add_row(f"    {function}", f"[dim]{points}[/]",
                          escape(text) + (f" [dim](+{more} more failing check{'s' * (more > 1)})[/]" if more else ""))
        if not_started:
            table.add_row("    [dim]not implemented yet[/]", "", f"[dim]{escape(', '.join(not_started))}[/]")
    console.print(table)
    skipped = report.meta.get("skipped") or []
    if skipped:
        console.print(f"[dim]skipped {len(skipped)} training checks (--quick)[/]")
    console.print(f"[bold]Total: {_fmt(report.score)}/{_fmt(report.max_score)} points[/]"
                  f" [dim]({report.seconds:.1f} s)[/]")
    hint = first_to_fix(report)
    if hint:
        exercise, function, result = hint
        console.print(f"[bold]Fix first:[/] [cyan]{exercise.number}.{function}[/] ({escape(result.description)}): "
                      f"{escape(_shorten(result.message, 600))}")
    elif report.results:
        console.print("[bold green]Every check passes.[/]")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _merged(latest: dict, seconds: float, skipped) -> Report:
    order = list(all_exercises())
    results = [r for name in sorted(latest, key=order.index) for r in latest[name]]
    return Report(results=tuple(results), seconds=seconds, meta={"skipped": skipped})


def _write_html(options: Options, report: Report, console) -> None:
    from autograder import html_report

    Path(options.html).write_text(html_report.render(report), encoding="utf-8")
    console.print(f"[dim]wrote {escape(options.html)}[/]")


def check(options: Options, console=None) -> int:
    """Grade once (and with ``watch``, again on every save). 0: every check passes, 1: some fail, 2: usage."""
    from rich.console import Console

    from autograder.rubric import Rubric, RubricError

    console = console or Console(highlight=False)
    try:
        rubric = Rubric.load(options.rubric)
        submissions = load.load_all(options.paths)
    except (load.UsageError, RubricError) as exc:
        console.print(f"[red]autograder check: {escape(str(exc))}[/]")
        return 2
    report = grade(submissions, rubric, console, options.quick)
    render(report, console)
    if options.html:
        _write_html(options, report, console)
    if not options.watch:
        return 0 if report.results and all(r.passed for r in report.results) else 1
    latest: dict = {}  # exercise -> its latest results
    for result in report.results:
        latest.setdefault(result.exercise, []).append(result)
    return _watch(options, rubric, console, latest)


def _watch(options: Options, rubric, console, latest: dict) -> int:
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
            subs = load.load_all(changed)
            names = ", ".join(Path(s.source).name for s in subs)
            console.rule(f"[bold]{escape(names)} changed: re-grading", style="dim")
            report = grade(subs, rubric, console, options.quick)
            for sub in subs:
                latest[sub.exercise] = [r for r in report.results if r.exercise == sub.exercise]
            merged = _merged(latest, time.perf_counter() - started, report.meta.get("skipped"))
            for problem in report.problems:
                console.print(f"[red]! {escape(problem)}[/]")
            render(merged, console, exercises={s.exercise for s in subs})
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
                      poll=args.poll, rubric=args.rubric)
    try:
        return check(options)
    except KeyboardInterrupt:
        return 130
    finally:
        from autograder import run

        run.shut_down()
        sys.stdout.flush()
