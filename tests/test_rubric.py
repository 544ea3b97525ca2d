"""The rubric: every check has points, overrides merge, bad values are named with their source."""

import pytest

from autograder.checks import all_exercises
from autograder.rubric import Rubric, RubricError


def test_every_check_has_points_and_every_entry_has_a_check():
    rubric = Rubric.load()
    for name, exercise in all_exercises().items():
        keys = {check.key for check in exercise.checks}
        assert keys == set(rubric.data[name]["points"]), name
        assert len(keys) == len(exercise.checks), f"{name}: duplicate check keys"
        assert {c.function for c in exercise.checks} == set(exercise.functions), name


def test_instructor_override_changes_only_its_keys(tmp_path):
    override = tmp_path / "mine.toml"
    override.write_text('[tolerance.float32]\nrtol = 1e-2\n[ex04_manual_backprop.points]\n"train:accuracy" = 5\n')
    rubric = Rubric.load(str(override))
    assert rubric.tolerance("float32").rtol == 1e-2
    assert rubric.tolerance("float32").atol == Rubric.load().tolerance("float32").atol
    assert rubric.points("ex04_manual_backprop", "train:accuracy") == 5
    assert rubric.points("ex04_manual_backprop", "train:history") == 1


def test_bad_values_name_their_source(tmp_path):
    override = tmp_path / "bad.toml"
    override.write_text('[tolerance.float64]\nrtol = "tight"\n')
    with pytest.raises(RubricError, match="bad.toml: tolerance.float64.rtol must be a number"):
        Rubric.load(str(override))
    with pytest.raises(RubricError, match="cannot read rubric"):
        Rubric.load(str(tmp_path / "missing.toml"))


def test_override_with_a_typo_or_a_wrong_kind_is_refused(tmp_path):
    typo = tmp_path / "typo.toml"
    typo.write_text('[ex04_manual_backprop.points]\n"backprop:float64-batch8" = 3\n')
    with pytest.raises(RubricError, match="typo.toml: unknown key"):
        Rubric.load(str(typo))
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[ex04_manual_backprop.settings]\ntrain_epochs = "four"\n')
    with pytest.raises(RubricError, match="train_epochs must be a number"):
        Rubric.load(str(wrong))
