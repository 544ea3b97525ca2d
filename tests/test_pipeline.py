"""The pipeline's stages one at a time (autograder/pipeline.py): load, select, grade, score."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import pipeline
from autograder.checks import all_exercises
from autograder.grade import not_handed_in
from autograder.records import Graded, LeftOut, Status
from autograder.rubric import Rubric

ROOT = Path(__file__).resolve().parent.parent
EX01, EX04 = "ex01_tape_basics", "ex04_manual_backprop"


@pytest.fixture(scope="module")
def rubric():
    return Rubric.load()


# -- select ---------------------------------------------------------------------------------------


def test_select_leaves_out_hidden_then_training_then_by_keyword(rubric):
    ex04 = all_exercises()[EX04]
    by_key = {c.key: c for c in ex04.checks}
    train = next(c for c in ex04.checks if c.function == "train")
    backprop = next(c for c in ex04.checks if c.function == "backprop")
    select = pipeline.Select((EX04,), hidden=frozenset({(EX04, train.key)}), quick=True, keyword="backprop")
    assert select.reason(ex04, train) is LeftOut.HIDDEN  # hidden wins over --quick
    assert select.reason(ex04, backprop) is None and select(ex04, backprop)
    sigmoid = by_key[next(k for k in by_key if k.startswith("sigmoid:"))]
    assert select.reason(ex04, sigmoid) is LeftOut.KEYWORD
    # -k speaks pytest's language: the exercise number, and/or/not
    assert pipeline.Select((EX04,), keyword="ex04 and not backprop")(ex04, sigmoid)
    assert not pipeline.Select((EX04,), keyword="ex04 and not backprop")(ex04, backprop)
    assert {key for key, why in select.left_out(ex04) if why is LeftOut.QUICK} == {
        c.key for c in ex04.checks if pipeline.is_training(c) and c is not train}


def test_the_instructors_select_keeps_every_check_of_the_assignment(rubric):
    select = pipeline.Select.instructor(rubric, "ex04")
    assert select.exercises == (EX04,) and select.wants(EX04) and not select.wants(EX01)
    assert all(select(all_exercises()[EX04], c) for c in all_exercises()[EX04].checks)


# -- load -----------------------------------------------------------------------------------------


def test_load_keeps_the_assignments_files_and_says_which_it_left_out(tmp_path, rubric):
    for name in (EX01, EX04):
        shutil.copy(ROOT / "exercises" / f"{name}.py", tmp_path / f"{name}.py")
    loaded = pipeline.load([str(tmp_path)], pipeline.Select.instructor(rubric, "ex04"))
    assert [s.exercise for s in loaded.submissions] == [EX04] and loaded.whole
    assert len(loaded.problems) == 1 and f"{EX01} is not part of this assignment" in loaded.problems[0]
    one = pipeline.load([str(tmp_path / f"{EX01}.py")], pipeline.Select.instructor(rubric))
    assert [s.exercise for s in one.submissions] == [EX01] and not one.whole and not one.problems


def test_a_folder_missing_an_exercise_scores_it_zero(tmp_path, rubric):
    shutil.copy(ROOT / "exercises" / f"{EX01}.py", tmp_path / f"{EX01}.py")
    select = pipeline.Select.instructor(rubric, "ex01,ex04")
    missing = pipeline.missing(pipeline.load([str(tmp_path)], select), select)
    assert [(m.exercise, m.source) for m in missing] == [(EX04, None)]
    assert all(g.fraction == 0 for g in missing[0].graded)


# -- grade ----------------------------------------------------------------------------------------


def test_grade_judges_the_selected_checks_of_a_file_in_its_sandbox(tmp_path, rubric):
    target = tmp_path / f"{EX01}.py"
    shutil.copy(ROOT / "solutions" / f"{EX01}.py", target)
    submission = pipeline.load([str(target)], pipeline.Select.instructor(rubric)).submissions[0]
    exercise = all_exercises()[EX01]
    first = exercise.checks[0]
    result = pipeline.grade(submission, rubric, pipeline.Limits(), lambda _e, check: check is not first)
    assert [g.check_id for g in result.graded] == [c.key for c in exercise.checks[1:]]
    assert all(g.fraction == 1.0 for g in result.graded), result.graded
    assert result.source == str(target) and not result.empty


def test_a_file_that_does_not_import_fails_every_check_with_the_reason(tmp_path, rubric):
    target = tmp_path / f"{EX01}.py"
    target.write_text("raise ImportError('no such thing')\n")
    submission = pipeline.load([str(target)], pipeline.Select.instructor(rubric)).submissions[0]
    result = pipeline.grade(submission, rubric, pipeline.Limits(), pipeline.Select.instructor(rubric))
    assert len(result.graded) == len(all_exercises()[EX01].checks)
    assert all(g.fraction == 0 and "no such thing" in g.message for g in result.graded)


# -- score ----------------------------------------------------------------------------------------


def graded(exercise, fraction):
    return tuple(Graded(exercise.name, c.function, c.key, c.description, fraction) for c in exercise.checks)


def test_score_is_points_times_fraction_in_the_kits_order_with_a_line_per_exercise(rubric):
    ex01, ex04 = all_exercises()[EX01], all_exercises()[EX04]
    results = [pipeline.ExerciseResult(EX04, "b.py", graded(ex04, 0.5), notes=("no seccomp",)),
               pipeline.ExerciseResult(EX01, "a.py", graded(ex01, 1.0), notes=("no seccomp",))]
    report = pipeline.score(results, rubric, problems=("p",), seconds=2.0, exercises=(EX01, EX04))
    assert [r.exercise for r in report.results][:1] == [EX01]  # ex01 first, though graded second
    for r in report.results:
        fraction = 1.0 if r.exercise == EX01 else 0.5
        assert r.points == rubric.points(r.exercise, r.check_id)
        assert r.score == round(r.points * fraction, 4)
    lines = {s.exercise: s for s in report.scores}
    assert lines[EX01].status is Status.PASS and lines[EX04].status is Status.PART
    assert lines[EX04].possible == sum(rubric.points(EX04, c.key) for c in ex04.checks)
    assert lines[EX04].checks == len(ex04.checks) and lines[EX04].passing == 0
    assert report.files == ("b.py", "a.py") and report.warnings == ("no seccomp",)
    assert report.problems == ("p",) and report.exercises == (EX01, EX04) and report.seconds == 2.0


def test_score_marks_hidden_results_and_keeps_what_was_left_out(tmp_path):
    train = next(c for c in all_exercises()[EX04].checks if c.function == "train")
    override = tmp_path / "rubric.toml"
    override.write_text(f'[hidden]\nchecks = ["{EX04}/{train.key}"]\nvisibility = "after_published"\n')
    rubric = Rubric.load(str(override))
    report = pipeline.score([pipeline.ExerciseResult(EX04, None, not_handed_in(all_exercises()[EX04]),
                                                     left_out=(("x:y", LeftOut.QUICK),))], rubric)
    assert report.hidden == frozenset({(EX04, train.key)}) and report.hidden_visibility == "after_published"
    assert report.left_out_for(LeftOut.QUICK) == ((EX04, "x:y"),) and report.left_out_for(LeftOut.HIDDEN) == ()
    assert report.scores[0].status is Status.FAIL and report.score == 0


def test_a_submission_the_engine_returned_nothing_for_is_a_problem():
    class Sub:
        def __init__(self, source):
            self.source = source

    empty = pipeline.ExerciseResult(EX01, "b.py")
    left_out = pipeline.ExerciseResult(EX01, "c.py", left_out=(("k", LeftOut.QUICK),))
    problems = pipeline.unproduced([Sub("a.py"), Sub("b.py"), Sub("c.py")], {"b.py": empty, "c.py": left_out})
    assert problems == ("a.py: the grader produced no result (pytest failed to collect it)",
                        "b.py: the grader produced no result")


def test_a_file_the_engine_returned_nothing_for_keeps_its_points_in_the_total():
    """No failure of the grader may shrink what a submission is scored out of."""
    class Sub:
        def __init__(self, source, exercise):
            self.source, self.exercise = source, exercise

    rubric = Rubric.load()
    select = pipeline.Select.instructor(rubric)
    results = pipeline.zero_unproduced([Sub("a.py", EX01)], {}, select)
    report = pipeline.score(results.values(), rubric)
    assert report.score == 0 and report.max_score == sum(rubric.data[EX01]["points"].values())
    assert all("produced no result for a.py" in r.message for r in report.results)
