"""The plain-text report of ``autograder grade`` (and batch's report.txt)."""

from __future__ import annotations

from autograder.messages import MAX_MESSAGE, learner_text
from autograder.records import Report, Status
from autograder.render import fmt_points

INPUTS_NOTE = "inputs drawn fresh for this grade: seed {seed} (`autograder grade --inputs-seed {seed}` replays it)"
MARKS = {Status.PASS: "PASS", Status.PART: "PART", Status.FAIL: "FAIL"}


def render_text(report: Report, color: bool = False) -> str:
    green, red, dim, bold, reset = ("\033[32m", "\033[31m", "\033[2m", "\033[1m", "\033[0m") if color else ("",) * 5
    lines = []
    # messages were escaped when graded (grade.judge); problems and sandbox notes are escaped here
    for problem in report.problems:
        lines.append(f"{red}! {learner_text(problem, MAX_MESSAGE)}{reset}")
    for warning in report.warnings:
        lines.append(f"{dim}sandbox: {learner_text(warning, MAX_MESSAGE)}{reset}")
    grouped = report.by_exercise()
    for exercise in report.scores:
        lines.append(f"{bold}{exercise.exercise}: {fmt_points(exercise.points)}/{fmt_points(exercise.possible)} "
                     f"points{reset}")
        for r in grouped[exercise.exercise]:
            mark = f"{green if r.passed else red}{MARKS[r.status]}{reset}"
            lines.append(f"  {mark} {fmt_points(r.score):>4}/{fmt_points(r.points):<3} {r.name}")
            if r.message and not r.passed:
                lines.append(f"       {dim}{r.message}{reset}")
    lines.append(f"{bold}Total: {fmt_points(report.score)}/{fmt_points(report.max_score)} points{reset}")
    if report.inputs:
        lines.append(f"{dim}{INPUTS_NOTE.format(seed=report.inputs)}{reset}")
    return "\n".join(lines)
