"""What the READMEs quote from the kit is still true: scores against the rubric, links to files.

Points change in autograder/rubric.toml without anyone rereading the README; a quoted
"ex04_manual_backprop: 7/27 points" then misleads every student who compares it with their own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.checks import all_exercises
from autograder.rubric import Rubric

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "exercises" / "README.md"]
TOTAL = re.compile(r"\b(ex\d\d_\w+): ([\d.]+)/([\d.]+) points")
CHECK_LINE = re.compile(r"^\s*(PASS|FAIL|PART)\s+([\d.]+)/([\d.]+)\s+(ex\d\d)\.(\w+): (.+?)\s*$", re.M)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _totals(rubric) -> dict:
    return {name: sum(rubric.points(name, c.key) for c in ex.checks) for name, ex in all_exercises().items()}


@pytest.fixture
def rubric(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_RUBRIC", raising=False)  # the README describes the kit's own rubric
    return Rubric.load()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_quoted_exercise_totals_are_the_rubrics(page, rubric):
    totals = _totals(rubric)
    for name, earned, most in TOTAL.findall(page.read_text(encoding="utf-8")):
        assert name in totals, f"{page.name} quotes a score of an unknown exercise {name}"
        assert float(most) == totals[name], f"{page.name}: {name}: {earned}/{most} points, the rubric's total is {totals[name]:g}"
        assert 0 <= float(earned) <= float(most)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_quoted_check_lines_name_real_checks_with_their_points(page, rubric):
    by_number = {name.split("_", 1)[0]: ex for name, ex in all_exercises().items()}
    for _, earned, most, number, function, description in CHECK_LINE.findall(page.read_text(encoding="utf-8")):
        exercise = by_number[number]
        matching = [c for c in exercise.checks if c.function == function and c.description == description]
        assert matching, f"{page.name} quotes a check that does not exist: {number}.{function}: {description}"
        assert float(most) == rubric.points(exercise.name, matching[0].key), (number, function, description)
        assert 0 <= float(earned) <= float(most)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_to_files_point_inside_the_project(page):
    """A clone has only the repository: a link to a file must resolve inside it."""
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+://", target):
            continue
        resolved = (page.parent / target).resolve()
        assert resolved.is_relative_to(ROOT) and resolved.exists(), f"{page.name} links {target}"


def test_the_patterns_read_what_the_reports_print():
    # the shapes of `autograder grade`'s lines (report.render_text), so a quoted line cannot slip past
    assert TOTAL.findall("ex04_manual_backprop: 14/26 points") == [("ex04_manual_backprop", "14", "26")]
    assert CHECK_LINE.findall("  FAIL    0/1   ex04.sigmoid_prime: matches s(1-s), by hand (float64)\n") == [
        ("FAIL", "0", "1", "ex04", "sigmoid_prime", "matches s(1-s), by hand (float64)")]
    assert LINK.findall("see [`x`](../shared/EXERCISES.md) and [y](exercises/README.md#ex01)") == [
        "../shared/EXERCISES.md", "exercises/README.md"]
