"""The text an nbgrader test cell prints (autograder.notebook grades; this only renders)."""

from __future__ import annotations

from autograder.records import Status
from autograder.render import fmt_points
from autograder.render.text import MARKS


def cell_summary(exercise: str, function: str, results, earned: float, points: float, note: str = "") -> str:
    """One line per check, the kit's message under each failure; ``earned``/``points`` is the cell's score."""
    number = exercise.split("_", 1)[0]
    lines = [f"{number}.{function}: {fmt_points(earned)}/{fmt_points(points)} points"]
    for r in results:
        lines.append(f"  {MARKS[r.status]} {fmt_points(r.score):>4}/{fmt_points(r.points):<3} {r.description}")
        if r.message and r.status is not Status.PASS:
            lines.append(f"       {r.message}")
    if note:
        lines.append(note)
    return "\n".join(lines)
