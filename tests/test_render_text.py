"""autograder.render.text: the `autograder grade` text, from a Report alone."""

from __future__ import annotations

from autograder.records import CheckResult, Report
from autograder.render.text import render_text

EX01, EX02 = "ex01_tape_basics", "ex02_chain_rule"


def report():
    return Report(results=(
        CheckResult(EX01, "grad_of_square", "grad_of_square:a", "the slope", 2.0, 2.0),
        CheckResult(EX01, "grad_of_square", "grad_of_square:b", "at zero", 1.0, 0.0, "got 1, expected 0"),
        CheckResult(EX02, "mse", "mse:a", "the mean", 3.0, 1.5, "summed, not averaged"),
    ), problems=("x.py: not graded",), warnings=("no seccomp here",))


def test_a_line_per_exercise_a_line_per_check_and_the_total():
    lines = render_text(report()).splitlines()
    assert lines[:2] == ["! x.py: not graded", "sandbox: no seccomp here"]
    assert "ex01_tape_basics: 2/3 points" in lines and "ex02_chain_rule: 1.5/3 points" in lines
    assert any(line.startswith("  PASS    2/2") and "ex01.grad_of_square: the slope" in line for line in lines)
    assert any(line.startswith("  FAIL    0/1") for line in lines) and any(line.startswith("  PART  1.5/3") for line in lines)
    assert "       got 1, expected 0" in lines and lines[-1] == "Total: 3.5/6 points"
    assert "       " + "the slope" not in lines  # a passing check has no message line


def test_colour_only_adds_escape_codes():
    coloured = render_text(report(), color=True)
    assert "\033[32mPASS" in coloured and "\033[31mFAIL" in coloured
    assert render_text(report()) == coloured.replace("\033[32m", "").replace("\033[31m", "").replace(
        "\033[2m", "").replace("\033[1m", "").replace("\033[0m", "")
