"""The command line, run as a student or instructor would: real subprocesses."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def autograder(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_usage_errors_exit_2_with_a_message(tmp_path):
    missing = autograder("grade", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    (tmp_path / "notes.txt").write_text("hi")
    empty = autograder("grade", str(tmp_path))
    assert empty.returncode == 2 and "no exercise file" in empty.stderr
    wrong_name = autograder("grade", str(tmp_path / "notes.txt"))
    assert wrong_name.returncode == 2 and "not an exercise file" in wrong_name.stderr


def test_grade_writes_gradescope_json(tmp_path):
    shutil.copy(ROOT / "solutions" / "ex03_gradient_check.py", tmp_path / "ex03_gradient_check.py")
    shutil.copy(ROOT / "exercises" / "ex01_tape_basics.py", tmp_path / "ex01_tape_basics.py")
    out = autograder("grade", str(tmp_path / "ex03_gradient_check.py"), str(tmp_path / "ex01_tape_basics.py"),
                     "--json", str(tmp_path / "results.json"))
    assert out.returncode == 0, out.stderr
    result = json.loads((tmp_path / "results.json").read_text())
    assert set(result) >= {"score", "max_score", "execution_time", "tests"}
    ex03 = [t for t in result["tests"] if t["name"].startswith("ex03.")]
    ex01 = [t for t in result["tests"] if t["name"].startswith("ex01.")]
    assert ex03 and all(t["status"] == "passed" and t["score"] == t["max_score"] for t in ex03)
    assert ex01 and all(t["status"] == "failed" and t["score"] == 0 and "not implemented" in t["output"] for t in ex01)
    for test in result["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility", "number"}
        assert ": " in test["name"] and test["name"].split(":")[0].count(".") == 1
    assert result["score"] == sum(t["score"] for t in ex03)
    assert "Total:" in out.stdout


def test_stubs_check_reports_current_and_stale(tmp_path):
    assert autograder("stubs", "--check", "--root", str(ROOT)).returncode == 0
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    stub = tmp_path / "exercises" / "ex02_chain_rule.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    stale = autograder("stubs", "--check", "--root", str(tmp_path))
    assert stale.returncode == 1 and "ex02_chain_rule.py" in stale.stdout
    assert autograder("stubs", "--root", str(tmp_path)).returncode == 0
    assert autograder("stubs", "--check", "--root", str(tmp_path)).returncode == 0


def test_batch_grades_a_class_into_a_csv(tmp_path):
    root = tmp_path / "class"
    for student, source in (("ada", ROOT / "solutions" / "ex03_gradient_check.py"),
                            ("bob", ROOT / "exercises" / "ex03_gradient_check.py"),
                            ("cyd", ROOT / "tests" / "hostile" / "syntax_error.py")):
        (root / student).mkdir(parents=True)
        name = "ex01_tape_basics.py" if student == "cyd" else "ex03_gradient_check.py"
        shutil.copy(source, root / student / name)
    (root / "dan").mkdir()  # handed in nothing
    out = autograder("batch", str(root), "--out", str(tmp_path / "out"))
    assert out.returncode == 0, out.stderr
    import csv

    rows = {row["student"]: row for row in csv.DictReader(open(tmp_path / "out" / "scores.csv"))}
    assert set(rows) == {"ada", "bob", "cyd", "dan"}
    assert float(rows["ada"]["ex03_gradient_check"]) > 0
    assert float(rows["ada"]["total"]) == float(rows["ada"]["ex03_gradient_check"])
    assert all(float(rows[s]["total"]) == 0 for s in ("bob", "cyd", "dan"))
    assert len({rows[s]["max"] for s in rows}) == 1  # everyone is graded against the whole assignment
    cyd = json.loads((tmp_path / "out" / "cyd" / "results.json").read_text())
    assert any("syntax error" in t["output"] for t in cyd["tests"])
    page = (tmp_path / "out" / "ada" / "feedback.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "ada: feedback" in page
    dan = json.loads((tmp_path / "out" / "dan" / "results.json").read_text())
    assert "no exercise file" in dan["output"]


# A sitecustomize that makes the named packages unimportable, as on a machine where only
# `pip install .` ran (no extras): Python imports it at start-up from PYTHONPATH.
BLOCKER = '''import sys


class _NotInstalled:
    """Finds the blocked packages first and fails them as a missing package would."""

    blocked = {blocked!r}

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
'''


def without(packages, tmp_path):
    """An environment in which `packages` cannot be imported (checked, so the test cannot pass idly)."""
    import os

    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(BLOCKER.format(blocked=set(packages)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")]))}
    for package in packages:
        probe = subprocess.run([sys.executable, "-c", f"import {package}"], env=env, capture_output=True, text=True)
        assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr, probe.stderr
    return env


def test_a_missing_optional_package_is_one_line_naming_the_pip_command(tmp_path):
    env = without(["nbformat", "nbgrader"], tmp_path)
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "nbgrader", str(tmp_path / "course"),
                          "--root", str(ROOT)], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("autograder nbgrader: needs the optional package nbformat")
    assert 'pip install ".[nbgrader]"' in lines[0] and 'pip install "backprop-kit[nbgrader]"' in lines[0]
    assert not (tmp_path / "course").exists()


def test_the_extra_named_in_the_message_is_the_one_that_installs_the_package():
    """The message's extra must exist in pyproject.toml and list the package."""
    from autograder import cli

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for package, extra in cli.OPTIONAL.items():
        assert any(re.match(rf"{package}\b", requirement) for requirement in extras[extra]), (package, extra)
    assert cli.missing_dependency(ModuleNotFoundError("No module named 'numpy'", name="numpy"), "grade") is None


TF_NOISE = re.compile(r"absl::InitializeLog|oneDNN|cpu_feature_guard|^[IWEF]\d{4} \d\d:\d\d", re.M)


def test_no_tensorflow_log_lines_reach_stderr():
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(ROOT / "solutions" / "ex01_tape_basics.py")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "Total:" in out.stdout
    assert not TF_NOISE.search(out.stderr), out.stderr
    assert not TF_NOISE.search(out.stdout), out.stdout
    # TensorFlow imported without the kit first: on this machine's build it prints those lines, so the
    # clean stderr above is the kit's doing (a build that prints nothing makes this test moot, not green)
    bare = subprocess.run([sys.executable, "-c", "import tensorflow as tf; tf.constant(1.0) + 1"],
                          capture_output=True, text=True, env=env, timeout=600)
    if not TF_NOISE.search(bare.stderr):
        pytest.skip("this TensorFlow prints no C++ log lines even when not silenced")
