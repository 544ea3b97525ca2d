"""Grade a whole class: one folder per student; per student a results.json, a text report and a
feedback page; one CSV for the class."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from autograder import api, html_report, load
from autograder.checks import all_exercises
from autograder.grade import missing_exercise_results
from autograder.records import Report
from autograder.report import render_text, to_gradescope


def grade_student(folder: Path, rubric, limits) -> Report:
    """A student's folder, graded; a folder with nothing gradable is a zero with a message, not a crash."""
    try:
        return api.grade_paths([str(folder)], rubric, limits)
    except load.UsageError as exc:
        results = [r for exercise in all_exercises().values() for r in missing_exercise_results(exercise, rubric)]
        return Report(results=tuple(results), problems=(str(exc),))


def grade_class(root: Path, out: Path, rubric, limits, progress=None) -> list:
    students = sorted(d for d in Path(root).iterdir() if d.is_dir() and not d.name.startswith("."))
    if not students:
        raise load.UsageError(f"{root}: no student folders in it (expected one folder per student)")
    out.mkdir(parents=True, exist_ok=True)
    graded = []
    for index, folder in enumerate(students, start=1):
        report = grade_student(folder, rubric, limits)
        target = out / folder.name
        target.mkdir(exist_ok=True)
        (target / "results.json").write_text(json.dumps(to_gradescope(report), indent=2), encoding="utf-8")
        (target / "report.txt").write_text(render_text(report) + "\n", encoding="utf-8")
        (target / "feedback.html").write_text(html_report.render(report, title=f"{folder.name}: feedback"),
                                              encoding="utf-8")
        graded.append((folder.name, report))
        if progress:
            progress(index, len(students), folder.name, report)
    exercises = list(all_exercises())
    with open(out / "scores.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *exercises, "total", "max"])
        for name, report in graded:
            per = report.by_exercise()
            writer.writerow([name, *(f"{sum(r.score for r in per.get(e, [])):g}" for e in exercises),
                             f"{report.score:g}", f"{report.max_score:g}"])
    return graded
