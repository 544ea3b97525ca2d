"""Grade a whole class: one folder per student; per student a results.json, a text report and a
feedback page; one CSV for the class."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import tempfile
from pathlib import Path

from autograder import api, html_report, load
from autograder.checks import all_exercises
from autograder.grade import missing_exercise_results
from autograder.records import Report
from autograder.report import render_text, to_gradescope


def write_atomically(path, text: str) -> None:
    """Write ``text`` to ``path`` as a new file renamed into place: a reader sees the old file or the
    new one, never half of it, and a symlink or file planted at ``path`` is replaced, never written through."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _own_folder(path: Path) -> Path:
    """``path`` as a real folder: a symlink (or file) put there in its place is removed first."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        path.mkdir()
        return path
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        path.mkdir()
    return path


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
        target = _own_folder(out / folder.name)
        write_atomically(target / "results.json", json.dumps(to_gradescope(report), indent=2))
        write_atomically(target / "report.txt", render_text(report) + "\n")
        write_atomically(target / "feedback.html", html_report.render(report, title=f"{folder.name}: feedback"))
        graded.append((folder.name, report))
        if progress:
            progress(index, len(students), folder.name, report)
    exercises = list(all_exercises())
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["student", *exercises, "total", "max"])
    for name, report in graded:
        per = report.by_exercise()
        writer.writerow([name, *(f"{sum(r.score for r in per.get(e, [])):g}" for e in exercises),
                         f"{report.score:g}", f"{report.max_score:g}"])
    write_atomically(out / "scores.csv", table.getvalue())
    return graded
