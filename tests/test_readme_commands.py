"""The README's first command, run literally in a fresh clone, then a student's and an instructor's
first steps with what it installed.

A clone has only what is committed (no ../shared, no editable install, no .venv): this is what a
new user meets.  The install reuses pip's cache, so it costs about 40 s here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands(readme: Path) -> list[str]:
    """The command lines of the README's first bash block."""
    block = readme.read_text().split("```bash", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs the kit as a git checkout")
    target = tmp_path_factory.mktemp("fresh") / "backprop-kit"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def clean_env() -> dict:
    """The environment of a new shell: none of this test run's virtualenv or Python settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON", "AUTOGRADER", "PYTEST"))}
    bin_dir = Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")) / "bin"
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != bin_dir)
    return env


@pytest.fixture(scope="module")
def installed(clone):
    """The README's first command, verbatim, in the clone: install, then grade the solutions."""
    grade = readme_commands(clone / "README.md")[0]
    assert "pip install ." in grade and "autograder grade solutions/" in grade, grade
    done = subprocess.run(["bash", "-c", grade], cwd=clone, env=clean_env(), capture_output=True, text=True,
                          timeout=1800)
    return clone, done


def test_the_first_command_installs_the_kit_and_gives_the_solutions_full_marks(installed):
    clone, done = installed
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    total = re.search(r"Total: ([\d.]+)/([\d.]+) points", done.stdout)
    assert total and total.group(1) == total.group(2), done.stdout[-3000:]
    # TensorFlow's C++ start-up lines are silenced before it loads
    assert "absl::InitializeLog" not in done.stderr and "oneDNN" not in done.stderr, done.stderr[-2000:]


def test_a_student_self_checks_with_plain_pytest_after_that_install(installed, tmp_path):
    clone, done = installed
    assert done.returncode == 0
    work = tmp_path / "my-exercises"
    work.mkdir()
    shutil.copy(clone / "exercises" / "ex01_tape_basics.py", work)  # untouched stub
    shutil.copy(clone / "solutions" / "ex03_gradient_check.py", work)  # a finished exercise
    checked = subprocess.run([str(clone / ".venv" / "bin" / "pytest"), "-q"], cwd=work, env=clean_env(),
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode != 0  # the stub's checks fail
    assert re.search(r"ex01_tape_basics: 0/\d+ points", checked.stdout), checked.stdout[-3000:]
    full = re.search(r"ex03_gradient_check: ([\d.]+)/([\d.]+) points", checked.stdout)
    assert full and full.group(1) == full.group(2), checked.stdout[-3000:]


def test_the_nbgrader_course_without_its_extra_names_the_pip_command(installed, tmp_path):
    clone, done = installed
    assert done.returncode == 0
    ran = subprocess.run([str(clone / ".venv" / "bin" / "autograder"), "nbgrader", str(tmp_path / "course")],
                         cwd=clone, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert 'pip install ".[nbgrader]"' in ran.stderr and "Traceback" not in ran.stderr, ran.stderr
