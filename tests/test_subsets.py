"""Assignments as subsets of the kit's exercises, and hidden checks: the rubric's design, its
errors, and what `autograder grade`, `autograder check` and plain `pytest` do with them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder import api
from autograder.checks import all_exercises
from autograder.rubric import Rubric, RubricError, resolve_exercises

ROOT = Path(__file__).resolve().parent.parent
EX01_POINTS = 7  # gradient_descent:bowl is 2 of them


def autograder(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          timeout=600, env=env, cwd=cwd)


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


# -- the rubric ---------------------------------------------------------------------------------


def test_exercises_by_number_or_full_name_in_the_kits_order():
    assert resolve_exercises(["ex05", "ex04_manual_backprop", " EX04 "], "--exercises") == (
        "ex04_manual_backprop", "ex05_tape_regression")
    assert api.selected_exercises(Rubric.load(), "ex06,ex01") == ("ex01_tape_basics", "ex06_keras_tape_loop")
    assert api.selected_exercises(Rubric.load()) == tuple(all_exercises())  # the kit's rubric: every exercise


def test_an_unknown_exercise_lists_the_known_ones():
    last = list(all_exercises())[-1]
    with pytest.raises(RubricError, match=rf"--exercises: unknown exercise 'ex99'; the kit's exercises are "
                                          rf"ex01_tape_basics, .*{last}"):
        resolve_exercises(["ex04", "ex99"], "--exercises")
    with pytest.raises(RubricError, match="no exercise named"):
        resolve_exercises([" ", ""], "--exercises")


def test_an_assignment_in_a_rubric_file(tmp_path):
    rubric = Rubric.load(write(tmp_path / "a.toml", '[assignment]\nexercises = ["ex04", "ex02_chain_rule"]\n'))
    assert rubric.exercises() == ("ex02_chain_rule", "ex04_manual_backprop")
    with pytest.raises(RubricError, match=r"b.toml: assignment.exercises: unknown exercise 'ex4'"):
        Rubric.load(write(tmp_path / "b.toml", '[assignment]\nexercises = ["ex4"]\n'))
    with pytest.raises(RubricError, match=r"c.toml: assignment.exercises must be a list of strings, got 'ex04'"):
        Rubric.load(write(tmp_path / "c.toml", '[assignment]\nexercises = "ex04"\n'))


def test_hidden_checks_by_key_or_by_function(tmp_path):
    rubric = Rubric.load(write(tmp_path / "h.toml", '[hidden]\nchecks = ["ex04/train", "ex01_tape_basics/'
                                                    'grad_of_polynomial:constant"]\nvisibility = "hidden"\n'))
    train = {("ex04_manual_backprop", c.key) for c in all_exercises()["ex04_manual_backprop"].checks
             if c.function == "train"}
    assert {"train:accuracy", "train:reshuffles"} <= {key for _, key in train}
    assert rubric.hidden_keys() == train | {("ex01_tape_basics", "grad_of_polynomial:constant")}
    assert rubric.hidden_visibility == "hidden"
    assert not rubric.is_hidden("ex01_tape_basics", "grad_of_polynomial:cubic")
    # hiding changes no points
    assert rubric.points("ex04_manual_backprop", "train:accuracy") == Rubric.load().points("ex04_manual_backprop",
                                                                                         "train:accuracy")


def test_hidden_check_errors_name_the_file_the_entry_and_the_choices(tmp_path):
    with pytest.raises(RubricError, match=r"typo.toml: hidden.checks\[1\] 'ex04/trian:accuracy': "
                                          r"ex04_manual_backprop has no check 'trian:accuracy'; its checks are "
                                          r"sigmoid:float64, .*train:reshuffles"):
        Rubric.load(write(tmp_path / "typo.toml", '[hidden]\nchecks = ["ex04/train", "ex04/trian:accuracy"]\n'))
    with pytest.raises(RubricError, match=r"noslash.toml: hidden.checks\[0\] 'train:accuracy': write "
                                          r"\"exercise/function:case\""):
        Rubric.load(write(tmp_path / "noslash.toml", '[hidden]\nchecks = ["train:accuracy"]\n'))
    with pytest.raises(RubricError, match=r"ex.toml: hidden.checks\[0\] 'ex9/train': unknown exercise 'ex9'"):
        Rubric.load(write(tmp_path / "ex.toml", '[hidden]\nchecks = ["ex9/train"]\n'))
    with pytest.raises(RubricError, match=r"vis.toml: hidden.visibility must be one of 'after_due_date', "
                                          r"'after_published', 'hidden', got 'later'"):
        Rubric.load(write(tmp_path / "vis.toml", '[hidden]\nvisibility = "later"\n'))


def test_the_kits_rubric_hides_nothing_and_is_a_whole_assignment():
    data = tomllib.loads((ROOT / "autograder" / "rubric.toml").read_text())
    assert data["assignment"] == {"exercises": []}
    assert data["hidden"] == {"checks": [], "visibility": "after_due_date"}


# -- grading a subset ---------------------------------------------------------------------------


def test_grade_scores_a_subset_out_of_its_own_points_with_hidden_checks_marked(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", folder)
    shutil.copy(ROOT / "exercises" / "ex03_gradient_check.py", folder)  # handed in, not part of the assignment
    rubric = write(tmp_path / "hide.toml", '[hidden]\nchecks = ["ex01/gradient_descent"]\nvisibility = "hidden"\n')
    out = autograder("grade", str(folder), "--exercises", "ex01", "--rubric", rubric,
                     "--json", str(tmp_path / "results.json"))
    assert out.returncode == 0, out.stderr
    result = json.loads((tmp_path / "results.json").read_text())
    # out of ex01's 7 points, not the kit's 72: the four exercises not handed in are not counted missing
    assert (result["score"], result["max_score"]) == (EX01_POINTS, EX01_POINTS)
    assert {t["name"].split(".")[0] for t in result["tests"]} == {"ex01"}
    assert {t["name"].split(":")[0]: t["visibility"] for t in result["tests"]}["ex01.gradient_descent"] == "hidden"
    assert [t["visibility"] for t in result["tests"]].count("visible") == 5
    assert "ex03_gradient_check is not part of this assignment (ex01_tape_basics)" in result["output"]
    assert f"Total: {EX01_POINTS}/{EX01_POINTS} points" in out.stdout


def test_grade_with_an_unknown_exercise_is_a_usage_error(tmp_path):
    shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", tmp_path)
    out = autograder("grade", str(tmp_path), "--exercises", "ex01,backprop")
    assert out.returncode == 2
    assert "autograder grade: --exercises: unknown exercise 'backprop'; the kit's exercises are ex01_tape_basics" \
           in out.stderr
    only_other = autograder("grade", str(tmp_path / "ex01_tape_basics.py"), "--exercises", "ex02")
    assert only_other.returncode == 2 and "none of the files given is part of this assignment" in only_other.stderr


def test_check_leaves_out_hidden_checks_and_other_exercises(tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(ROOT / "exercises", folder)
    shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", folder)
    rubric = write(tmp_path / "hide.toml", '[hidden]\nchecks = ["ex01/gradient_descent"]\n')
    out = autograder("check", str(folder), "--exercises", "ex01_tape_basics", "--rubric", rubric)
    assert out.returncode == 0, out.stdout + out.stderr  # every check it ran passed
    assert "Total: 5/5 points" in out.stdout, out.stdout
    assert "1 hidden check(s) not run here" in out.stdout
    assert "ex04_manual_backprop" not in out.stdout and "Every check passes." in out.stdout
    bad = autograder("check", str(folder), "--exercises", "ex1")
    assert bad.returncode == 2 and "unknown exercise 'ex1'" in bad.stdout


@pytest.fixture()
def installed_site(tmp_path) -> Path:
    """A folder that makes the kit look installed to a bare `pytest` (its pytest11 entry point)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    site = tmp_path / "site"
    info = site / f"backprop_kit-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: backprop-kit\nVersion: {project['version']}\n")
    points = project["entry-points"]["pytest11"]
    (info / "entry_points.txt").write_text("[pytest11]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()))
    return site


def test_the_pytest_self_check_honours_the_instructors_rubric(tmp_path, installed_site):
    folder = tmp_path / "student"
    shutil.copytree(ROOT / "exercises", folder)
    shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", folder)
    rubric = write(tmp_path / "a.toml", '[assignment]\nexercises = ["ex01"]\n'
                                        '[hidden]\nchecks = ["ex01/gradient_descent"]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), str(installed_site)]), AUTOGRADER_RUBRIC=rubric)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, out[-3000:]
    assert "ex01_tape_basics.py::grad_of_square[values] PASSED" in out
    assert "gradient_descent[bowl]" not in out and "1 deselected" in out  # hidden: not run, and pytest says so
    assert "ex04_manual_backprop.py::" not in out  # outside the assignment: not collected
    tail = out[out.index("backprop-kit score"):].strip().splitlines()[1:]
    assert tail == ["ex01_tape_basics: 5/5 points",
                    "1 hidden check(s) not run here: your instructor grades them and shows them after the due date "
                    "(the rubric's [hidden] checks)",
                    "Total: 5/5 points"], out[-2000:]
