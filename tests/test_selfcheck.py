"""The pytest self-check plugin, through real `pytest` runs in a student's folder (entry point included)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder import messages
from autograder.checks import all_exercises
from autograder.rubric import Rubric
from autograder.selfcheck import DISAGREEMENT

ROOT = Path(__file__).resolve().parent.parent

# a student's file that notices being imported by pytest's own process (the sandbox child never imports pytest)
IMPORT_TRAP = '''
import os as _os, sys as _sys
if "pytest" in _sys.modules or "_pytest" in _sys.modules:
    open(_os.environ["IMPORT_TRAP"], "a").write("imported in the pytest process\\n")
'''

FORCE_PASS_CONFTEST = '''
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    report.longrepr = None
    return report

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    except BaseException:
        return None

@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    session.exitstatus = 0
'''


@pytest.fixture(scope="module")
def entry_point_path(tmp_path_factory) -> Path:
    """A folder that makes the kit look installed: its dist-info holds pyproject's pytest11 entry point."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    points = project["entry-points"]["pytest11"]
    site = tmp_path_factory.mktemp("site")
    info = site / f"backprop_kit-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: backprop-kit\nVersion: {project['version']}\n")
    (info / "entry_points.txt").write_text("[pytest11]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()))
    return site


def student_folder(tmp_path: Path, solved=("ex01_tape_basics",)) -> Path:
    """A copy of the released stubs with the given exercises replaced by the reference solution."""
    folder = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", folder)
    for name in solved:
        shutil.copy(ROOT / "solutions" / f"{name}.py", folder / f"{name}.py")
    return folder


def run_pytest(folder: Path, site: Path, *args, trap: Path | None = None, timeout=400):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(site)])
    if trap is not None:
        env["IMPORT_TRAP"] = str(trap)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=folder, env=env,
                          check=False, capture_output=True, text=True, timeout=timeout)
    assert "INTERNALERROR" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done.returncode, done.stdout


def exercise_points(name: str) -> float:
    rubric = Rubric.load()
    return sum(rubric.points(name, c.key) for c in all_exercises()[name].checks)


def test_pytest_in_a_student_folder_grades_every_exercise(tmp_path, entry_point_path):
    folder = student_folder(tmp_path)
    code, out = run_pytest(folder, entry_point_path, "-v")
    assert code == 1, out
    assert "backprop-kit self-check: ex01_tape_basics.py" in out
    for name, exercise in all_exercises().items():
        verdict = "PASSED" if name == "ex01_tape_basics" else "FAILED"
        for check in exercise.checks:
            assert f"{name}.py::{check.function}[{check.slug}] {verdict}" in out, (check.key, out[-3000:])
    # failures show the kit's feedback, not a traceback of the grader
    assert f"0/1 points: {messages.NOT_IMPLEMENTED}" in out
    assert "Traceback" not in out and "autograder/engine.py" not in out
    # the score block is the end of the run
    tail = out[out.index("backprop-kit score"):].strip().splitlines()[1:]
    expected = [f"{name}: {7 if name == 'ex01_tape_basics' else 0:g}/{exercise_points(name):g} points"
                for name in all_exercises()]
    total = sum(exercise_points(name) for name in all_exercises())
    assert tail == [*expected, f"Total: 7/{total:g} points"], out[-2000:]
    assert exercise_points("ex01_tape_basics") == 7


def test_a_conftest_that_forces_passes_changes_neither_score_nor_exit_status(tmp_path, entry_point_path):
    """And naming the files explicitly does not make pytest import them (the python plugin would)."""
    folder = tmp_path / "work"
    folder.mkdir()
    for name in ("ex01_tape_basics", "ex03_gradient_check"):
        source = (ROOT / "exercises" / f"{name}.py").read_text()
        (folder / f"{name}.py").write_text(IMPORT_TRAP + source)
    (folder / "conftest.py").write_text(FORCE_PASS_CONFTEST)
    trap = tmp_path / "trap.txt"
    code, out = run_pytest(folder, entry_point_path, "-q", "ex01_tape_basics.py", "ex03_gradient_check.py",
                           "--doctest-modules", trap=trap)
    assert "13 passed" in out  # the conftest did fool pytest's own display ...
    assert code == 1, out  # ... but not the exit status
    assert "ex01_tape_basics: 0/7 points" in out and "ex03_gradient_check: 0/8 points" in out
    assert out.strip().splitlines()[-1] == "Total: 0/15 points"
    assert DISAGREEMENT.split("{")[0] in out
    assert not trap.exists(), "an exercise file was imported in the trusted pytest process"


def test_minus_k_selects_by_function_and_by_exercise(tmp_path, entry_point_path):
    folder = student_folder(tmp_path, solved=())
    _, out = run_pytest(folder, entry_point_path, "--collect-only", "-q", "-k", "backprop")
    selected = re.findall(r"^(\S+::\S+)$", out, re.MULTILINE)
    assert selected == [f"ex04_manual_backprop.py::backprop[{slug}]"
                        for slug in ("float64-batch7", "float64-batch1", "float32-batch7")], out
    _, out = run_pytest(folder, entry_point_path, "--collect-only", "-q", "-k", "ex04")
    selected = re.findall(r"^(\S+::\S+)$", out, re.MULTILINE)
    assert len(selected) == len(all_exercises()["ex04_manual_backprop"].checks)
    assert all(s.startswith("ex04_manual_backprop.py::") for s in selected)
    assert "backprop-kit score" not in out  # nothing ran, so no score


def test_inert_where_there_is_no_exercise_file(tmp_path, entry_point_path):
    """Like the kit's own suite: tests/ with submissions that are not named exNN_*, an unknown exNN name."""
    folder = tmp_path / "project"
    (folder / "tests" / "submissions" / "ex01_tape_basics").mkdir(parents=True)
    (folder / "tests" / "submissions" / "ex01_tape_basics" / "wrong_sign.py").write_text("raise SystemExit(3)\n")
    (folder / "tests" / "test_mine.py").write_text("def test_mine():\n    assert True\n")
    (folder / "ex99_unknown.py").write_text("raise SystemExit(3)\n")
    (folder / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    code, out = run_pytest(folder, entry_point_path, "-v")
    assert code == 0, out
    assert "test_mine.py::test_mine PASSED" in out and "1 passed" in out
    assert "plugins: backprop-kit" in out  # loaded through the entry point, and inert
    assert "backprop-kit self-check" not in out and "backprop-kit score" not in out
