"""autograder.render.gradescope: Gradescope's results.json, from a Report alone."""

from __future__ import annotations

from autograder.records import CheckResult, Report
from autograder.render.gradescope import to_gradescope

EX01 = "ex01_tape_basics"


def test_one_test_per_check_with_hidden_checks_at_the_rubrics_visibility():
    report = Report(results=(
        CheckResult(EX01, "grad_of_square", "grad_of_square:a", "the slope", 2.0, 2.0),
        CheckResult(EX01, "grad_of_square", "grad_of_square:b", "at zero", 1.0, 0.25, "off"),
    ), seconds=1.234, hidden=frozenset({(EX01, "grad_of_square:b")}), hidden_visibility="after_published")
    result = to_gradescope(report)
    assert (result["score"], result["max_score"], result["execution_time"]) == (2.25, 3.0, 1.23)
    first, second = result["tests"]
    assert first == {"name": "ex01.grad_of_square: the slope", "number": "1", "score": 2.0, "max_score": 2.0,
                     "status": "passed", "output": "passed", "visibility": "visible"}
    assert (second["status"], second["output"], second["visibility"]) == ("failed", "off", "after_published")
    assert "output" not in result


def test_problems_are_the_top_level_output():
    assert to_gradescope(Report(problems=("a", "b")))["output"] == "a\nb"
