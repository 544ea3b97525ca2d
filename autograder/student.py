"""``autograder check``: the student's command: grade, show a compact report and what to fix first, watch.

The same pipeline as ``autograder grade`` (pytest as the engine, every call sandboxed); this
module only adds a progress display, a report sized for a terminal, and ``--watch``, which
re-grades an exercise when its file is saved, reusing the warm fork server.
"""

from __future__ import annotations

import os
import re
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
from autograder.report import fmt_points

POLL_SECONDS = 0.3


def is_training(check) -> bool:
    """A check that trains a model (or runs an optimisation loop), as its exercise declares: --quick skips it."""
    return check.trains


# ---------------------------------------------------------------------------------------------
# Grading, with a progress display
# ---------------------------------------------------------------------------------------------


class _Session:
    """A pytest plugin for one grading run: drops training checks (--quick), drives the progress bar."""

    def __init__(self, progress, quick: bool, rubric=None):
        self.progress = progress
        self.quick = quick
        self.rubric = rubric
        self.skipped: list = []  # (exercise, check key) left out by --quick
        self.hidden: list = []  # (exercise, check key) left out as hidden by the rubric
        self.tasks: dict = {}
        self.interrupted = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items):
        # hidden checks are the instructor's: graded by `autograder grade`, never run or shown here
        if self.rubric is not None and self.rubric.hidden_keys():
            hidden = [i for i in items if self.rubric.is_hidden(i.parent.exercise.name, i.check.key)]
            if hidden:
                config.hook.pytest_deselected(items=hidden)
                items[:] = [i for i in items if i not in hidden]
                self.hidden = [(i.parent.exercise.name, i.check.key) for i in hidden]
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

    from autograder import api
    from autograder import sandbox as run
    from autograder.plugin import run_pytest

    started = time.perf_counter()
    run.warm_up()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal)
    session = _Session(progress, quick, rubric)
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
        left_out = session.skipped + session.hidden
        if not got and not any(name == submission.exercise for name, _ in left_out):
            problems.append(f"{submission.source}: the grader produced no result")
        results.extend(got)
    return Report(results=tuple(results), problems=tuple(problems), seconds=time.perf_counter() - started,
                  meta={"files": [s.source for s in submissions], "skipped": session.skipped, "hidden": session.hidden,
                        "warnings": list(getattr(engine, "notes", ()))})


# ---------------------------------------------------------------------------------------------
# The compact report
# ---------------------------------------------------------------------------------------------


def _unfinished(message: str) -> bool:
    """Every problem in the message is "not implemented yet" (a check may prefix it with what it called)."""
    return all(messages.NOT_IMPLEMENTED in part or part.endswith(" is not implemented yet")
               for part in message.split(" | "))


def _todo(results) -> bool:
    """Every failing check of a function says "not implemented yet" (its own stub, or a stub it calls)."""
    return all(_unfinished(r.message) for r in results if not r.passed)


def closure(exercise, function: str) -> list:
    """The contract functions ``function`` uses, directly or through others (Exercise.uses), in contract order."""
    direct = dict(exercise.uses)
    seen: set = set()
    stack = list(direct.get(function, ()))
    while stack:
        name = stack.pop()
        if name not in seen and name != function:
            seen.add(name)
            stack.extend(direct.get(name, ()))
    return [f for f in exercise.functions if f in seen]


@dataclass(frozen=True)
class Diagnosis:
    """One failing function of one exercise: is it wrong or unfinished, and is an earlier function to blame."""

    exercise: object  # the Exercise
    function: str
    results: tuple  # every result of the function
    todo: bool  # only "not implemented yet"
    wrong_causes: tuple = ()  # failing functions it uses that are themselves wrong (the roots)
    todo_causes: tuple = ()  # ... that are not implemented yet

    @property
    def failing(self) -> list:
        return [r for r in self.results if not r.passed]

    @property
    def explained(self) -> bool:
        return bool(self.wrong_causes or self.todo_causes)

    def because(self) -> str:
        """"likely because sigmoid_prime is wrong, ...": why this function's failure is probably not its own."""
        reasons = []
        for names, text in ((self.wrong_causes, messages.REASON_WRONG), (self.todo_causes, messages.REASON_TODO)):
            if names:
                reasons.append(text.format(names=_and(names), verb="are" if len(names) > 1 else "is"))
        return messages.LIKELY_BECAUSE.format(reasons=" and ".join(reasons)) if reasons else ""


def _and(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def diagnose(report: Report) -> list:
    """A Diagnosis per failing function, exercises and functions in contract order."""
    grouped = report.by_exercise()
    found = []
    for name, exercise in all_exercises().items():
        results = grouped.get(name, [])
        mine = {f: tuple(r for r in results if r.function == f) for f in exercise.functions}
        failing = {f for f, rs in mine.items() if any(not r.passed for r in rs)}
        todo = {f for f in failing if _todo(mine[f])}

        def own_fault(f) -> bool:  # a stub is its own cause; a wrong answer is, unless a function it uses fails
            return f in todo or not any(g in failing for g in closure(exercise, f))

        for function in exercise.functions:
            if function not in failing:
                continue
            # the roots: failing functions it uses whose failure is their own
            roots = [f for f in closure(exercise, function) if f in failing and own_fault(f)]
            found.append(Diagnosis(exercise, function, mine[function], function in todo,
                                   tuple(f for f in roots if f not in todo), tuple(f for f in roots if f in todo)))
    return found


def edited(report: Report) -> dict:
    """exercise -> when its file was last saved (ns), for the files graded that can still be read."""
    stamps = {}
    for source in report.meta.get("files") or ():
        try:
            stamps[Path(source).stem] = os.stat(source).st_mtime_ns
        except OSError:
            continue
    return stamps


def first_to_fix(report: Report):
    """(exercise, function, result) to work on first, or None when every check passes.

    In order: a wrong answer in the exercise whose file was saved most recently (what the student
    is working on), then wrong answers in the other exercises, then a function that is not
    implemented yet.  A failure that an earlier failing function it uses explains ("likely
    because sigmoid_prime is wrong") comes after every unexplained wrong answer.  Ties go to the
    contract's order of exercises and functions.
    """
    found = diagnose(report)
    if not found:
        return None
    stamps = edited(report)
    order = list(all_exercises())

    def rank(d: Diagnosis):
        tier = 2 if d.todo else (1 if d.explained else 0)
        recent = 0 if d.todo else -stamps.get(d.exercise.name, 0)
        return tier, recent, order.index(d.exercise.name), d.exercise.functions.index(d.function)

    chosen = min(found, key=rank)
    # the result that says most: a wrong answer rather than "not implemented", a named mistake first
    failing = chosen.failing
    wrong = [r for r in failing if not _unfinished(r.message)]
    named = [r for r in wrong if "Likely mistake" in r.message]
    return chosen.exercise, chosen.function, (named or wrong or failing)[0]


# ---------------------------------------------------------------------------------------------
# Making one message fit a line without losing what it says
# ---------------------------------------------------------------------------------------------

_WORDS = re.compile(r"(\W+)")
# the parts of a message that carry the diagnosis: kept whole when a line is shortened
_KEEP = re.compile(r"(?:\. |\.|\s)?(?:Likely mistake: |Hint: )| \((?:line \d+ (?:in|of) |no line of )")
# "backprop(a0: float64 (7, 6), y: ...)" at the start of a message: what was called
_CALL = re.compile(r"^(\w+)\((?:[^()]|\([^()]*\))+\)")


def fold(parts) -> list:
    """Parts that differ only in one word (the parameter's name) become one: 'w1, b1, w2, b2 did not change'."""
    groups: list = []  # [tokens, index that varies or None, [words at that index]]
    for part in parts:
        tokens = _WORDS.split(part)
        for group in groups:
            template, at, words = group
            if len(template) != len(tokens):
                continue
            differ = [i for i, (a, b) in enumerate(zip(template, tokens)) if a != b]
            if len(differ) == 1 and (at is None or differ[0] == at) and re.fullmatch(r"\w+", tokens[differ[0]]):
                group[1] = differ[0]
                words.append(tokens[differ[0]])
                break
            if not differ:  # the very same text again
                break
        else:
            groups.append([tokens, None, []])
    folded = []
    for template, at, words in groups:
        if at is None:
            folded.append("".join(template))
        else:
            names = _and([template[at], *words]).replace(" and ", ", ")
            folded.append("".join(template[:at]) + names + "".join(template[at + 1:]))
    return folded


def compact(message: str, limit: int) -> str:
    """``message`` in at most about ``limit`` characters; its named mistake, hint and crash line are never cut."""
    if len(message) <= limit:
        return message
    found = _KEEP.search(message)
    head, tail = (message[: found.start()], message[found.start():]) if found else (message, "")
    if len(head) + len(tail) > limit:
        head = _CALL.sub(lambda m: f"{m.group(1)}(...)", head, count=1)  # the argument list goes first
    room = max(limit - len(tail), 60)
    return _shorten(head, room) + tail


def summary_of(results, limit: int) -> str:
    """The first problem of a function's failing checks, its repeats folded in, compacted to ``limit``."""
    wrong = [r for r in results if not r.passed]
    parts = fold(dict.fromkeys(p for r in wrong for p in r.message.split(" | ")))
    return compact(parts[0], limit) if parts else ""


def render(report: Report, console, exercises=None) -> None:
    """Print the compact report: a line per exercise, a line per failing function, the total, a hint."""
    from rich.table import Table

    for problem in report.problems:
        console.print(f"[red]! {escape(messages.learner_text(problem, messages.MAX_MESSAGE))}[/]")
    for warning in report.meta.get("warnings") or ():
        console.print(f"[dim]sandbox: {escape(messages.learner_text(warning, messages.MAX_MESSAGE))}[/]")
    grouped = report.by_exercise()
    diagnosis = {(d.exercise.name, d.function): d for d in diagnose(report)}
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
            table.add_row(f"[green]✓ {name}[/]", f"[green]{fmt_points(got)}/{fmt_points(most)}[/]",
                          "[green]all checks pass[/]")
            continue
        color = "yellow" if got > 0 else "red"
        table.add_row(f"[bold {color}]✗ {name}[/]", f"[{color}]{fmt_points(got)}/{fmt_points(most)}[/]",
                      f"{len(failing)} of {len(results)} checks fail")
        not_started = []
        for function in exercise.functions:
            d = diagnosis.get((name, function))
            if d is None:
                continue
            if d.todo:
                not_started.append(function)
                continue
            mine = d.results
            points = f"{fmt_points(sum(r.score for r in mine))}/{fmt_points(sum(r.points for r in mine))}"
            because = d.because()
            # the first problem, whole where it names the mistake; the hint and --html say more
            text = escape(summary_of(mine, 160 if because else 240))
            if because:
                text = f"[yellow]{escape(because)}.[/] {text}"
            more = len(d.failing) - 1
            table.add_row(f"    {function}", f"[dim]{points}[/]",
                          text + (f" [dim](+{more} more failing check{'s' * (more > 1)})[/]" if more else ""))
        if not_started:
            table.add_row("    [dim]not implemented yet[/]", "", f"[dim]{escape(', '.join(not_started))}[/]")
    console.print(table)
    skipped = report.meta.get("skipped") or []
    if skipped:
        console.print(f"[dim]skipped {len(skipped)} training checks (--quick)[/]")
    hidden = report.meta.get("hidden") or []
    if hidden:
        console.print(f"[dim]{len(hidden)} hidden check(s) not run here: your instructor grades them and "
                      "shows them after the due date[/]")
    console.print(f"[bold]Total: {fmt_points(report.score)}/{fmt_points(report.max_score)} points[/]"
                  f" [dim]({report.seconds:.1f} s)[/]")
    hint = first_to_fix(report)
    if hint:
        exercise, function, result = hint
        d = diagnosis.get((exercise.name, function))
        because = f"{d.because()}. " if d is not None and not d.todo and d.explained else ""
        parts = fold(dict.fromkeys(result.message.split(" | ")))
        text = " | ".join(compact(p, 600) for p in parts[:3]) + (" | ..." if len(parts) > 3 else "")
        console.print(f"[bold]Fix first:[/] [cyan]{exercise.number}.{function}[/] ({escape(result.description)}): "
                      f"{escape(because + text)}")
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
    order = list(all_exercises())
    results = [r for name in sorted(latest, key=order.index) for r in latest[name]]
    # the files too: "Fix first" looks at which one was saved last
    return Report(results=tuple(results), seconds=seconds, meta={"skipped": skipped, "files": list(files)})


def _write_html(options: Options, report: Report, console) -> None:
    from autograder import html_report

    Path(options.html).write_text(html_report.render(report), encoding="utf-8")
    console.print(f"[dim]wrote {escape(options.html)}[/]")


def check(options: Options, console=None) -> int:
    """Grade once (and with ``watch``, again on every save). 0: every check passes, 1: some fail, 2: usage."""
    from rich.console import Console

    from autograder.rubric import Rubric, RubricError

    console = console or Console(highlight=False)
    from autograder.api import selected_exercises

    try:
        rubric = Rubric.load(options.rubric)
        wanted = selected_exercises(rubric, options.exercises)
        submissions = [s for s in load.load_all(options.paths) if s.exercise in wanted]
        if not submissions:
            raise load.UsageError(f"no exercise file of this assignment ({', '.join(wanted)}) in "
                                  f"{', '.join(map(str, options.paths))}")
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
    return _watch(options, rubric, console, latest, wanted)


def _watch(options: Options, rubric, console, latest: dict, wanted=None) -> int:
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
            subs = [s for s in load.load_all(changed) if wanted is None or s.exercise in wanted]
            if not subs:  # a file of an exercise outside the assignment: nothing to re-grade
                continue
            names = ", ".join(Path(s.source).name for s in subs)
            console.rule(f"[bold]{escape(names)} changed: re-grading", style="dim")
            report = grade(subs, rubric, console, options.quick)
            for sub in subs:
                latest[sub.exercise] = [r for r in report.results if r.exercise == sub.exercise]
            merged = _merged(latest, time.perf_counter() - started, report.meta.get("skipped"),
                             [str(path) for path in now])
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
                      poll=args.poll, rubric=args.rubric, exercises=getattr(args, "exercises", None))
    try:
        return check(options)
    except KeyboardInterrupt:
        return 130
    finally:
        from autograder import sandbox as run

        run.shut_down()
        sys.stdout.flush()
