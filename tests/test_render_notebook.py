"""autograder.render.notebook: the text an nbgrader test cell prints."""

from __future__ import annotations

from autograder.records import CheckResult
from autograder.render.notebook import cell_summary

EX04 = "ex04_manual_backprop"


def test_the_cell_names_the_function_its_score_and_each_failing_checks_message():
    results = (CheckResult(EX04, "sigmoid", "sigmoid:a", "matches", 1.0, 1.0),
               CheckResult(EX04, "sigmoid", "sigmoid:b", "extremes", 1.0, 0.0, "overflow at -1000"))
    text = cell_summary(EX04, "sigmoid", results, 1.0, 2.0, note="(scaled)")
    assert text.splitlines() == ["ex04.sigmoid: 1/2 points", "  PASS    1/1   matches", "  FAIL    0/1   extremes",
                                 "       overflow at -1000", "(scaled)"]
