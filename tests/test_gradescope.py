"""The Gradescope bundle, for real: `autograder gradescope` builds the zip, and its own bash
`run_autograder` grades folders laid out like /autograder (AUTOGRADER_ROOT) into results.json."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERSION = metadata.version("backprop-kit")
# hidden: one check by its key, and every check of one function (with the exercise as a number)
HIDDEN_RUBRIC = '[hidden]\nchecks = ["ex04_manual_backprop/train:deterministic", "ex01/gradient_descent"]\n'


def _points(exercise: str) -> float:
    """An exercise's total in the kit's rubric (checks are added over time; the test follows)."""
    from autograder.checks import all_exercises
    from autograder.rubric import Rubric

    rubric = Rubric.load()
    return sum(rubric.points(exercise, c.key) for c in all_exercises()[exercise].checks)


EX01_POINTS, EX04_POINTS = _points("ex01_tape_basics"), _points("ex04_manual_backprop")


def _checks(*exercises: str) -> int:
    from autograder.checks import all_exercises

    return sum(len(all_exercises()[e].checks) for e in exercises)


ASSIGNMENT_CHECKS = _checks("ex01_tape_basics", "ex04_manual_backprop")


def assert_gradescope_schema(result: dict) -> None:
    """The fields of Gradescope's results.json that Gradescope reads, with their types."""
    assert isinstance(result, dict)
    assert isinstance(result["score"], (int, float)) and math.isfinite(result["score"]), result.get("score")
    assert isinstance(result.get("output", ""), str)
    assert isinstance(result["tests"], list)
    for test in result["tests"]:
        assert isinstance(test["name"], str) and test["name"], test
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float)), test
        assert 0 <= test["score"] <= test["max_score"], test
        assert isinstance(test["output"], str), test
        assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published"), test
    if result["tests"]:
        assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))
    json.dumps(result, allow_nan=False)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The zip built by the command an instructor runs, for an ex01 + ex04 assignment with hidden checks."""
    folder = tmp_path_factory.mktemp("bundle")
    (folder / "hidden.toml").write_text(HIDDEN_RUBRIC)
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", "--out", str(folder / "autograder.zip"),
                          "--exercises", "ex01,ex04_manual_backprop", "--rubric", str(folder / "hidden.toml")],
                         capture_output=True, text=True, timeout=300, cwd=folder)
    assert out.returncode == 0, out.stderr
    total = f"{EX01_POINTS + EX04_POINTS:g}"
    assert f"ex01_tape_basics, ex04_manual_backprop ({total} points, 2 hidden check(s))" in out.stdout, out.stdout
    return folder / "autograder.zip"


@pytest.fixture(scope="module")
def source(bundle, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("source")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
        for info in archive.infolist():  # extractall drops the mode bits Gradescope would keep
            os.chmod(folder / info.filename, (info.external_attr >> 16) & 0o777)
    return folder


@pytest.fixture(scope="module")
def wheel_site(source, tmp_path_factory) -> Path:
    """The bundle's wheel installed by pip (offline, no dependencies) into a site-packages folder."""
    site = tmp_path_factory.mktemp("wheel") / "site-packages"
    wheel = source / f"backprop_kit-{VERSION}-py3-none-any.whl"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet",
                           "--target", str(site), str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return site


def run_autograder(source: Path, tmp_path: Path, files: dict, env_extra=None, python=sys.executable) -> tuple:
    """Lay out ROOT like /autograder (source, submission), run the bundle's script with bash, read results.json."""
    root = tmp_path / "autograder"
    shutil.copytree(source, root / "source")
    submission = root / "submission"
    submission.mkdir()
    for name, content in files.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, submission / name)
        else:
            (submission / name).write_text(content)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python, **(env_extra or {})}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True,
                          env=env, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = root / "results" / "results.json"
    assert results.is_file(), f"no results.json: {done.stdout}\n{done.stderr}"
    result = json.loads(results.read_text())
    assert_gradescope_schema(result)
    return result, done


def by_exercise(result, number):
    return [t for t in result["tests"] if t["name"].startswith(f"{number}.")]


# -- the zip itself ---------------------------------------------------------------------------


def test_the_zip_has_gradescope_files_at_its_root_with_scripts_executable(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = {info.filename: info for info in archive.infolist()}
        assert set(names) == {"setup.sh", "run_autograder", "requirements.txt", "rubric.toml", "bundle.json",
                              f"backprop_kit-{VERSION}-py3-none-any.whl"}
        for script in ("setup.sh", "run_autograder"):
            assert (names[script].external_attr >> 16) & 0o111, f"{script} is not executable"
            assert archive.read(script).startswith(b"#!/usr/bin/env bash\n")
        config = json.loads(archive.read("bundle.json"))
    assert config["version"] == VERSION and config["exercises"] == ["ex01_tape_basics", "ex04_manual_backprop"]


def test_setup_sh_is_valid_bash_and_pins_the_kit_and_its_dependencies(source):
    assert subprocess.run(["bash", "-n", str(source / "setup.sh")], capture_output=True).returncode == 0
    assert subprocess.run(["bash", "-n", str(source / "run_autograder")], capture_output=True).returncode == 0
    setup = (source / "setup.sh").read_text()
    assert f'KIT_VERSION="{VERSION}"' in setup and "@" not in setup.replace("${BASH_SOURCE[0]}", "")
    assert f'KIT_WHEEL="backprop_kit-{VERSION}-py3-none-any.whl"' in setup
    assert 'pip install --no-cache-dir -r "$HERE/requirements.txt"' in setup
    assert '--no-deps --force-reinstall "$HERE/$KIT_WHEEL"' in setup
    pins = (source / "requirements.txt").read_text().splitlines()
    for package in ("numpy", "scikit-learn", "pytest", "rich", "keras"):
        assert any(line.startswith(f"{package}=={metadata.version(package)}") for line in pins), (package, pins)
    tensorflow = next(line for line in pins if line.startswith("tensorflow-cpu"))
    assert tensorflow.startswith(f"tensorflow-cpu=={metadata.version('tensorflow-cpu')};"), tensorflow


def test_the_rubric_in_the_zip_is_the_complete_one_with_the_assignment_written_in(source):
    from autograder.rubric import Rubric

    shipped = Rubric.load(str(source / "rubric.toml"))
    assert shipped.exercises() == ("ex01_tape_basics", "ex04_manual_backprop")
    assert ("ex04_manual_backprop", "train:deterministic") in shipped.hidden_keys()
    kit = Rubric.load()
    assert shipped.tolerance("float32") == kit.tolerance("float32")
    assert shipped.points("ex04_manual_backprop", "backprop:float64-batch7") == 2


def test_the_wheel_installs_offline_and_is_a_whole_kit(wheel_site):
    probe = ("import autograder, importlib.metadata as m\n"
             "from autograder import data\n"
             "from autograder.checks import all_exercises\n"
             "from autograder.rubric import Rubric\n"
             "from importlib import resources\n"
             "print(autograder.__file__)\n"
             "print(m.version('backprop-kit'), len(all_exercises()), len(Rubric.load().data))\n"
             "print(data.read_housing()[1].shape[0] > 0)\n"
             "print(resources.files('autograder').joinpath('gradescope_files', 'run_autograder').is_file())\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=wheel_site.parent,
                          env={**os.environ, "PYTHONPATH": str(wheel_site)})
    assert done.returncode == 0, done.stderr
    location, counts, housing, template = done.stdout.split("\n")[:4]
    assert location.startswith(str(wheel_site)), "the kit was imported from elsewhere, not from the wheel"
    from autograder.checks import all_exercises

    assert counts.split()[:2] == [VERSION, str(len(all_exercises()))]  # every exercise module is in the wheel
    assert housing == "True" and template == "True"
    assert (wheel_site / "autograder" / "checks" / "ex04_manual_backprop.py").is_file()


def test_a_bad_exercise_name_is_a_usage_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", "--out", str(tmp_path / "a.zip"),
                          "--exercises", "ex4"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "unknown exercise 'ex4'" in out.stderr and "ex04_manual_backprop" in out.stderr
    assert not (tmp_path / "a.zip").exists()


# -- run_autograder on submissions --------------------------------------------------------------


def test_the_reference_solution_gets_full_marks_graded_by_the_wheel(source, wheel_site, tmp_path):
    # the kit from the bundle's wheel (its dependencies from this environment), as setup.sh would install it
    result, _ = run_autograder(source, tmp_path, {
        "ex01_tape_basics.py": ROOT / "solutions" / "ex01_tape_basics.py",
        "ex04_manual_backprop.py": ROOT / "solutions" / "ex04_manual_backprop.py",
    }, env_extra={"PYTHONPATH": str(wheel_site)})
    assert result["score"] == EX01_POINTS + EX04_POINTS == result["max_score"], result["output"]
    assert all(t["status"] == "passed" for t in result["tests"])
    hidden = [t for t in result["tests"] if t["visibility"] != "visible"]
    assert sorted(t["name"].split(": ")[0] for t in hidden) == ["ex01.gradient_descent", "ex04.train"], hidden
    assert all(t["visibility"] == "after_due_date" for t in hidden)  # the rubric's default for hidden checks
    # only train:deterministic is hidden, not every check of train
    from autograder.checks import all_exercises

    train_checks = [c for c in all_exercises()["ex04_manual_backprop"].checks if c.function == "train"]
    assert len([t for t in by_exercise(result, "ex04") if t["name"].startswith("ex04.train: ")]) == len(train_checks)
    assert (f"2 of the {ASSIGNMENT_CHECKS} checks are hidden until the due date; they count in the score."
            in result["output"])
    visible = f"{EX01_POINTS + EX04_POINTS - 3:g}"  # hidden: train:deterministic (1), gradient_descent (2)
    assert f"Visible checks: {visible}/{visible} points." in result["output"]


def test_a_buggy_submission_in_a_folder_loses_the_points_of_its_bug(source, tmp_path):
    result, _ = run_autograder(source, tmp_path, {
        "homework/week4/ex04_manual_backprop.py": ROOT / "tests" / "submissions" / "ex04_manual_backprop"
        / "sigmoid_prime_returns_sigmoid.py",
        "homework/ex01_tape_basics.py": ROOT / "solutions" / "ex01_tape_basics.py",
    })
    assert EX01_POINTS <= result["score"] < EX01_POINTS + EX04_POINTS
    failing = [t for t in by_exercise(result, "ex04") if t["status"] == "failed"]
    assert failing and any("returned sigmoid(z)" in t["output"] for t in failing), [t["output"] for t in failing]
    assert "graded homework/week4/ex04_manual_backprop.py as ex04_manual_backprop.py" in result["output"]
    assert all(t["score"] == t["max_score"] for t in by_exercise(result, "ex01"))


def test_an_upload_suffix_is_accepted_and_said_and_a_missing_exercise_scores_zero(source, tmp_path):
    result, _ = run_autograder(source, tmp_path, {
        "ex04_manual_backprop (1).py": ROOT / "solutions" / "ex04_manual_backprop.py",
        "ex04_manual_backprop.ipynb.bak": "not a notebook",
        "notes\udcff/readme.txt": "a folder whose name is not UTF-8 on disk (the byte 0xff)",
    })
    assert sum(t["score"] for t in by_exercise(result, "ex04")) == EX04_POINTS, result["output"]
    # results.json stays valid UTF-8 text: the name is escaped, not a lone surrogate a strict parser refuses
    assert "notes\\udcff/readme.txt" in result["output"] and "\udcff" not in result["output"], result["output"]
    assert "graded ex04_manual_backprop (1).py as ex04_manual_backprop.py (the upload suffix '(1)' was dropped " \
           "from the name)" in result["output"]
    # ex01 is part of the assignment: not handed in, its checks score zero and say what was expected
    ex01 = by_exercise(result, "ex01")
    assert ex01 and all(t["score"] == 0 and "no file named ex01_tape_basics.py" in t["output"] for t in ex01)
    assert "Not found (scored 0): ex01_tape_basics.py (or .ipynb)." in result["output"]
    assert result["max_score"] == EX01_POINTS + EX04_POINTS


def test_a_wrongly_named_file_scores_zero_saying_which_names_are_expected(source, tmp_path):
    result, _ = run_autograder(source, tmp_path, {
        "backprop.py": ROOT / "solutions" / "ex04_manual_backprop.py",
        "ex05_tape_regression.py": ROOT / "solutions" / "ex05_tape_regression.py",  # not in this assignment
    })
    assert result["score"] == 0 and result["max_score"] == EX01_POINTS + EX04_POINTS
    assert "No exercise file was found in your submission, so it scored 0. Expected ex01_tape_basics.py " \
           "(or .ipynb), ex04_manual_backprop.py (or .ipynb)" in result["output"]
    assert "Found instead: backprop.py." in result["output"]
    assert "ex05_tape_regression.py: not graded: ex05_tape_regression is not part of this assignment" in result["output"]
    assert len(result["tests"]) == ASSIGNMENT_CHECKS  # every check of the assignment, the hidden ones too, at zero


def test_an_empty_submission_scores_zero_with_a_message(source, tmp_path):
    result, _ = run_autograder(source, tmp_path, {})
    assert result["score"] == 0 and all(t["score"] == 0 for t in result["tests"])
    assert "The upload was empty." in result["output"] and "ex04_manual_backprop.py (or .ipynb)" in result["output"]


def test_a_grader_that_fails_still_writes_a_results_json_that_says_so(source, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(source, broken)
    (broken / "rubric.toml").write_text((broken / "rubric.toml").read_text() + '\n[tolerance.float64]\nrtol = -1\n')
    result, done = run_autograder(broken, tmp_path, {"ex04_manual_backprop.py": ROOT / "solutions" / "ex04_manual_backprop.py"})
    assert result["score"] == 0 and result["tests"] == []
    assert "The autograder failed while grading your submission" in result["output"]
    assert "rubric.toml" in result["output"]  # the cause, for the instructor the student tells
    assert "grading failed" in done.stderr


def test_run_autograder_writes_results_json_even_when_python_cannot_start(source, tmp_path):
    result, _ = run_autograder(source, tmp_path, {"ex04_manual_backprop.py": "x = 1\n"},
                               python=str(tmp_path / "no-such-python"))
    assert result == {"score": 0, "tests": [], "output": result["output"]}
    assert "The autograder could not start (exit status 127)" in result["output"]
    assert "ex04_manual_backprop.py or .ipynb" in result["output"]


# -- a bundle that draws each submission's inputs fresh ------------------------------------------


@pytest.fixture(scope="module")
def fresh_source(tmp_path_factory) -> Path:
    """An ex02 bundle built with --fresh-inputs, unpacked."""
    folder = tmp_path_factory.mktemp("fresh")
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "gradescope", "--out", str(folder / "autograder.zip"),
                          "--exercises", "ex02", "--fresh-inputs"], capture_output=True, text=True, timeout=300,
                         cwd=folder)
    assert out.returncode == 0, out.stderr
    assert "inputs drawn fresh for each submission" in out.stdout, out.stdout
    with zipfile.ZipFile(folder / "autograder.zip") as archive:
        archive.extractall(folder / "source")
        assert json.loads(archive.read("bundle.json"))["fresh_inputs"] is True
    return folder / "source"


def test_a_fresh_inputs_bundle_fails_stored_answers_and_quotes_each_submissions_seed(fresh_source, tmp_path):
    from test_fresh_inputs import EX02, RECORDED, record_answers, replaying_submission

    from autograder.render.text import INPUTS_NOTE

    # the same file scores every recorded check on the fixed inputs (test_fresh_inputs shows it)
    stored, _ = run_autograder(fresh_source, tmp_path / "stored", {f"{EX02}.py": replaying_submission(record_answers())})
    recorded = [t for t in stored["tests"] if t["name"].split(": ")[0].split(".")[1] in RECORDED]
    assert recorded and all(t["score"] == 0 for t in recorded), [(t["name"], t["output"]) for t in recorded]
    seeds = []
    for result in (stored, run_autograder(fresh_source, tmp_path / "reference",
                                          {f"{EX02}.py": ROOT / "solutions" / f"{EX02}.py"})[0]):
        line = next(line for line in result["output"].splitlines() if "inputs drawn fresh" in line)
        seeds.append(int(line.split("seed ")[1].split()[0]))
        assert line == INPUTS_NOTE.format(seed=seeds[-1])
    assert seeds[0] != seeds[1]  # a seed per submission
    assert result["score"] == result["max_score"] == _points(EX02), result["output"]  # the reference on fresh inputs
