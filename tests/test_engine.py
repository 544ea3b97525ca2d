"""autograder.engine: pytest as the engine, one item per check, results held by the file collectors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import engine, pipeline
from autograder.checks import all_exercises
from autograder.records import LeftOut
from autograder.rubric import Rubric

ROOT = Path(__file__).resolve().parent.parent
EX01, EX03 = "ex01_tape_basics", "ex03_gradient_check"


@pytest.fixture(scope="module")
def graded_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engine")
    shutil.copy(ROOT / "solutions" / f"{EX01}.py", folder / f"{EX01}.py")
    shutil.copy(ROOT / "exercises" / f"{EX03}.py", folder / f"{EX03}.py")
    return folder


def fingerprint(results: dict) -> dict:
    return {Path(source).name: [(g.check_id, g.fraction, g.message) for g in r.graded] for source, r in results.items()}


def test_files_graded_side_by_side_give_what_one_at_a_time_gives(graded_folder):
    rubric = Rubric.load()
    select = pipeline.Select.instructor(rubric)
    submissions = pipeline.load([str(graded_folder)], select).submissions
    alone = engine.grade(submissions, rubric, select=select, workers=1)
    together = engine.grade(submissions, rubric, select=select, workers=2)
    assert fingerprint(alone) == fingerprint(together)
    assert list(alone) == [s.source for s in submissions]  # the engine's order is the load order
    ex01, ex03 = (alone[s.source] for s in submissions)
    assert [g.check_id for g in ex01.graded] == [c.key for c in all_exercises()[EX01].checks]
    assert all(g.fraction == 1.0 for g in ex01.graded) and not any(g.fraction for g in ex03.graded)


def test_checks_the_select_leaves_out_are_not_run_and_are_said(graded_folder):
    rubric = Rubric.load()
    select = pipeline.Select.student(rubric, keyword="grad_of_square")
    submissions = pipeline.load([str(graded_folder / f"{EX01}.py")], select).submissions
    (result,) = engine.grade(submissions, rubric, select=select).values()
    checks = all_exercises()[EX01].checks
    assert [g.check_id for g in result.graded] == [c.key for c in checks if c.function == "grad_of_square"]
    assert {key for key, why in result.left_out if why is LeftOut.KEYWORD} == {
        c.key for c in checks if c.function != "grad_of_square"}
