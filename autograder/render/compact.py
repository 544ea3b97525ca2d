"""The compact report of ``autograder check``: a line per exercise and per failing function, what to fix first.

Which failure to show first and why (``diagnose``, ``first_to_fix``) and how to fit a message on a
line without losing its diagnosis (``compact``, ``fold``) are rendering decisions: nothing here
changes a score.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape

from autograder import messages
from autograder.checks import all_exercises
from autograder.records import ExerciseScore, LeftOut, Report, Status
from autograder.render import fmt_points

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
    for source in report.files:
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
    for warning in report.warnings:
        console.print(f"[dim]sandbox: {escape(messages.learner_text(warning, messages.MAX_MESSAGE))}[/]")
    grouped = report.by_exercise()
    scores = {e.exercise: e for e in report.scores}
    diagnosis = {(d.exercise.name, d.function): d for d in diagnose(report)}
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column()
    for name, exercise in all_exercises().items():
        if name not in grouped or (exercises is not None and name not in exercises):
            continue
        score = scores[name]
        points = f"{fmt_points(score.points)}/{fmt_points(score.possible)}"
        if score.status is Status.PASS:
            table.add_row(f"[green]✓ {name}[/]", f"[green]{points}[/]", "[green]all checks pass[/]")
            continue
        color = "yellow" if score.status is Status.PART else "red"
        table.add_row(f"[bold {color}]✗ {name}[/]", f"[{color}]{points}[/]",
                      f"{score.checks - score.passing} of {score.checks} checks fail")
        not_started = []
        for function in exercise.functions:
            d = diagnosis.get((name, function))
            if d is None:
                continue
            if d.todo:
                not_started.append(function)
                continue
            mine = d.results
            function_score = ExerciseScore.of(name, mine)  # the same tally, over one function's checks
            points = f"{fmt_points(function_score.points)}/{fmt_points(function_score.possible)}"
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
    skipped = report.left_out_for(LeftOut.QUICK)
    if skipped:
        console.print(f"[dim]skipped {len(skipped)} training checks (--quick)[/]")
    hidden = report.left_out_for(LeftOut.HIDDEN)
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
