"""Report: render a graded Report as text for people or as Gradescope's results.json."""

from __future__ import annotations

import math

from autograder.messages import MAX_MESSAGE, learner_text
from autograder.records import Report


def fmt_points(x: float) -> str:
    """Points as people read them: at most two decimals, rounded down, no trailing zeros (6.33, 7, 0.5).

    Rounded down so that a score just short of full marks never prints as full marks.  Every
    report (terminal, notebook, HTML, self-check) uses this one formatter.
    """
    hundredths = math.floor(float(x) * 100 + 1e-6)  # the 1e-6 absorbs float noise: 0.29 * 100 = 28.999...
    text = f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def render_text(report: Report, color: bool = False) -> str:
    green, red, dim, bold, reset = ("\033[32m", "\033[31m", "\033[2m", "\033[1m", "\033[0m") if color else ("",) * 5
    lines = []
    # messages were escaped when graded (grade.evaluate); problems and sandbox notes are escaped here
    for problem in report.problems:
        lines.append(f"{red}! {learner_text(problem, MAX_MESSAGE)}{reset}")
    for warning in report.meta.get("warnings", []):
        lines.append(f"{dim}sandbox: {learner_text(warning, MAX_MESSAGE)}{reset}")
    for exercise, results in report.by_exercise().items():
        got = sum(r.score for r in results)
        total = sum(r.points for r in results)
        lines.append(f"{bold}{exercise}: {fmt_points(got)}/{fmt_points(total)} points{reset}")
        for r in results:
            mark = f"{green}PASS{reset}" if r.passed else (f"{red}FAIL{reset}" if r.score == 0 else f"{red}PART{reset}")
            lines.append(f"  {mark} {fmt_points(r.score):>4}/{fmt_points(r.points):<3} {r.name}")
            if r.message and not r.passed:
                lines.append(f"       {dim}{r.message}{reset}")
    lines.append(f"{bold}Total: {fmt_points(report.score)}/{fmt_points(report.max_score)} points{reset}")
    return "\n".join(lines)


def to_gradescope(report: Report, rubric=None) -> dict:
    """Gradescope's autograder results.json: score, max_score, execution_time and one test per check.

    A hidden check (the rubric's ``[hidden] checks``) gets the rubric's ``hidden.visibility``
    (``after_due_date`` by default) instead of ``visible``; without ``rubric``, the report's own
    record of which checks are hidden (``api.grade_paths`` puts it in ``meta``) is used.
    """
    if rubric is not None:
        hidden = rubric.hidden_keys()
        hidden_visibility = rubric.hidden_visibility
    else:
        hidden = {tuple(entry.split("/", 1)) for entry in report.meta.get("hidden", ())}
        hidden_visibility = report.meta.get("hidden_visibility", "after_due_date")
    tests = []
    for number, r in enumerate(report.results, start=1):
        tests.append({
            "name": r.name,
            "number": str(number),
            "score": r.score,
            "max_score": r.points,
            "status": "passed" if r.passed else "failed",
            "output": r.message or "passed",
            "visibility": hidden_visibility if (r.exercise, r.check_id) in hidden else "visible",
        })
    result = {
        "score": round(report.score, 4),
        "max_score": round(report.max_score, 4),
        "execution_time": round(report.seconds, 2),
        "tests": tests,
    }
    if report.problems:
        result["output"] = "\n".join(report.problems)
    return result
