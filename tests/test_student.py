"""`autograder check`: the student's command, run as a real process (and --watch with a real file change)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograder import messages, student
from autograder.checks import all_exercises
from autograder.records import CheckResult, Report

ROOT = Path(__file__).resolve().parent.parent


def command(*args):
    return [sys.executable, "-m", "autograder.cli", "check", *args]


def environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_check_reports_what_to_fix_first_and_writes_the_html_page(tmp_path):
    folder = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", folder)
    shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", folder / "ex01_tape_basics.py")
    page = tmp_path / "feedback.html"
    done = subprocess.run(command("--quick", "--html", str(page)), cwd=folder, env=environment(),
                          check=False, capture_output=True, text=True, timeout=400)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert re.search(r"✓ ex01_tape_basics +5/5 +all checks pass", out), out
    assert re.search(r"✗ ex04_manual_backprop +0/\d+", out), out
    assert "not implemented yet" in out and "sigmoid_prime" in out
    assert "skipped" in out and "training checks (--quick)" in out
    # the hint: the first failing function in contract order, with its message
    assert re.search(r"Fix first: ex02\.linear_forward .*" + re.escape(messages.NOT_IMPLEMENTED[:20]), out), out
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "ex01_tape_basics" in html and "<script" not in html


def test_check_with_no_exercise_file_is_a_usage_error(tmp_path):
    done = subprocess.run(command(str(tmp_path)), env=environment(), check=False, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "no exercise file" in done.stdout + done.stderr


def test_watch_regrades_an_exercise_when_its_file_is_saved(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    for name in ("ex01_tape_basics", "ex03_gradient_check"):
        shutil.copy(ROOT / "exercises" / f"{name}.py", folder / f"{name}.py")
    process = subprocess.Popen(command("--watch", "--quick"), cwd=folder, env=environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()

    def wait_for(pattern, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(re.search(pattern, line) for line in list(lines)):
                return True
            if process.poll() is not None:
                break
            time.sleep(0.02)
        return False

    try:
        assert wait_for(r"watching 2 exercise file", 300), "".join(lines)
        assert any(re.search(r"✗ ex01_tape_basics +0/5", line) for line in lines), "".join(lines)
        saved = time.monotonic()
        shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", folder / "ex01_tape_basics.py")
        assert wait_for(r"✓ ex01_tape_basics +5/5", 60), "".join(lines)
        regrade_seconds = time.monotonic() - saved
        assert wait_for(r"Fix first: ex03\.numerical_gradient", 10), "".join(lines)
        print(f"re-graded ex01 {regrade_seconds:.2f} s after the save")
        # the warm fork server serves the re-grade: about half a second on an idle machine (see the
        # report); a fresh interpreter would cost a TensorFlow import, several seconds
        assert regrade_seconds < 8, f"re-grading took {regrade_seconds:.1f} s"
        assert any("ex01_tape_basics.py changed" in line for line in lines)
        # the other exercise was not re-graded: its block is printed once, at the start
        assert sum(bool(re.search(r"ex03_gradient_check +0/8", line)) for line in lines) == 1, "".join(lines)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert any("stopped watching" in line for line in lines), "".join(lines)


# ---------------------------------------------------------------------------------------------
# The pieces, without a process
# ---------------------------------------------------------------------------------------------


def result(exercise, function, passed, message=""):
    return CheckResult(exercise, function, f"{function}:x", "a check", 1.0, 1.0 if passed else 0.0, message)


def test_first_to_fix_follows_the_contract_order_not_the_report_order():
    report = Report(results=(
        result("ex04_manual_backprop", "backprop", False, "wrong"),
        result("ex02_chain_rule", "mse_grads", False, "missing 2"),
        result("ex02_chain_rule", "mse", False, "summed"),
        result("ex01_tape_basics", "grad_of_square", True),
    ))
    exercise, function, got = student.first_to_fix(report)
    assert (exercise.name, function, got.message) == ("ex02_chain_rule", "mse", "summed")
    assert student.first_to_fix(Report(results=(result("ex01_tape_basics", "grad_of_square", True),))) is None


def test_quick_skips_exactly_the_training_functions():
    skipped = {c.key for e in all_exercises().values() for c in e.checks if student.is_training(c)}
    assert {k.split(":")[0] for k in skipped} == {"train", "fit", "fit_linear", "gradient_descent"}
    assert "train_step:float64" not in skipped  # one tape step is quick
