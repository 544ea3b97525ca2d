"""autograder.render.compact: the `autograder check` report (see test_student.py for "Fix first")."""

from __future__ import annotations

from rich.console import Console

from autograder.records import CheckResult, LeftOut, Report
from autograder.render import compact

EX01, EX02 = "ex01_tape_basics", "ex02_chain_rule"


def shown(report, **kwargs) -> str:
    console = Console(record=True, width=200, force_terminal=False, color_system=None)
    compact.render(report, console, **kwargs)
    return console.export_text()


def test_a_line_per_exercise_the_left_out_checks_and_the_total():
    report = Report(results=(
        CheckResult(EX01, "grad_of_square", "grad_of_square:a", "the slope", 2.0, 2.0),
        CheckResult(EX02, "mse", "mse:a", "the mean", 3.0, 1.5, "mse(...): summed, not averaged"),
    ), seconds=1.0, warnings=("no seccomp",),
        left_out=((EX02, "fit_linear:a", LeftOut.QUICK), (EX02, "fit_linear:b", LeftOut.QUICK),
                  (EX01, "x:y", LeftOut.HIDDEN)))
    out = shown(report)
    assert "sandbox: no seccomp" in out
    assert "✓ ex01_tape_basics" in out and "2/2" in out and "all checks pass" in out
    assert "✗ ex02_chain_rule" in out and "1.5/3" in out and "1 of 1 checks fail" in out
    assert "skipped 2 training checks (--quick)" in out and "1 hidden check(s) not run here" in out
    assert "Total: 3.5/5 points" in out and "Fix first: ex02.mse" in out


def test_only_the_exercises_asked_for_are_shown_but_the_total_is_all():
    report = Report(results=(CheckResult(EX01, "grad_of_square", "grad_of_square:a", "s", 2.0, 2.0),
                             CheckResult(EX02, "mse", "mse:a", "m", 3.0, 3.0)))
    out = shown(report, exercises={EX02})
    assert EX01 not in out and "✓ ex02_chain_rule" in out and "Total: 5/5 points" in out
    assert "Every check passes." in out
