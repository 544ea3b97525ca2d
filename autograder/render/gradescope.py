"""Gradescope's autograder results.json for a Report."""

from __future__ import annotations

from autograder.records import Report


def to_gradescope(report: Report) -> dict:
    """score, max_score, execution_time and one test per check.

    A hidden check (the rubric's ``[hidden] checks``, ``Report.hidden``) gets the rubric's
    ``hidden.visibility`` (``after_due_date`` by default) instead of ``visible``.
    """
    tests = []
    for number, r in enumerate(report.results, start=1):
        tests.append({
            "name": r.name,
            "number": str(number),
            "score": r.score,
            "max_score": r.points,
            "status": "passed" if r.passed else "failed",
            "output": r.message or "passed",
            "visibility": report.hidden_visibility if (r.exercise, r.check_id) in report.hidden else "visible",
        })
    result = {
        "score": round(report.score, 4),
        "max_score": round(report.max_score, 4),
        "execution_time": round(report.seconds, 2),
        "tests": tests,
    }
    lines = list(report.problems)
    if report.inputs:
        from autograder.render.text import INPUTS_NOTE

        lines.append(INPUTS_NOTE.format(seed=report.inputs))
    if lines:
        result["output"] = "\n".join(lines)
    return result
