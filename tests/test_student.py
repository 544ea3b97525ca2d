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

from autograder import messages, pipeline
from autograder.render import compact
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
    assert "no exercise file" in " ".join((done.stdout + done.stderr).split())  # the message is wrapped to the terminal


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
    exercise, function, got = compact.first_to_fix(report)
    assert (exercise.name, function, got.message) == ("ex02_chain_rule", "mse", "summed")
    assert compact.first_to_fix(Report(results=(result("ex01_tape_basics", "grad_of_square", True),))) is None


def test_quick_skips_exactly_the_training_functions():
    """--quick skips what the exercises declare as training (Check.trains), a whole function at a time."""
    checks = [(e.name, c) for e in all_exercises().values() for c in e.checks]
    skipped = {c.key for _, c in checks if pipeline.is_training(c)}
    assert skipped == {c.key for _, c in checks if c.trains}
    declared: dict = {}
    for name, c in checks:
        declared.setdefault((name, c.function), set()).add(c.trains)
    assert all(len(marks) == 1 for marks in declared.values()), "every check of a function trains, or none does"
    assert {"train", "fit", "fit_linear", "gradient_descent"} <= {k.split(":")[0] for k in skipped}
    assert "train_step:float64" not in skipped  # one tape step is quick


def stamped(tmp_path, ages: dict) -> list:
    """Exercise files whose modification times are ``ages`` seconds in the past (for 'edited last')."""
    files = []
    now = time.time()
    for name, age in ages.items():
        path = tmp_path / f"{name}.py"
        path.write_text("# an exercise file\n")
        os.utime(path, (now - age, now - age))
        files.append(str(path))
    return files


def test_fix_first_is_a_wrong_answer_in_the_file_edited_last_then_any_wrong_answer_then_a_stub(tmp_path):
    results = (
        result("ex01_tape_basics", "grad_of_square", False, messages.NOT_IMPLEMENTED),
        result("ex02_chain_rule", "mse", False, "summed"),
        result("ex04_manual_backprop", "sgd_update", False, "sign flipped"),
    )
    files = stamped(tmp_path, {"ex01_tape_basics": 0, "ex02_chain_rule": 60, "ex04_manual_backprop": 5})
    _, function, _ = compact.first_to_fix(Report(results=results, files=tuple(files)))
    assert function == "sgd_update"  # ex04 was saved after ex02; ex01, saved last, is only unfinished
    os.utime(files[1], None)  # now ex02 is the newest
    _, function, _ = compact.first_to_fix(Report(results=results, files=tuple(files)))
    assert function == "mse"
    _, function, got = compact.first_to_fix(Report(results=results[:1], files=tuple(files)))
    assert (function, got.message) == ("grad_of_square", messages.NOT_IMPLEMENTED)


def test_a_failure_an_earlier_function_explains_says_so_and_is_not_fixed_first(tmp_path):
    results = (
        result("ex04_manual_backprop", "sigmoid", True),
        result("ex04_manual_backprop", "sigmoid_prime", False, "got 1.9 expected 0.03"),
        result("ex04_manual_backprop", "output_delta", False, "got 0.68 expected 0.15"),
        result("ex04_manual_backprop", "backprop", False, "dw1: got -0.47 expected -0.018"),
        result("ex04_manual_backprop", "sgd_update", False, "sign flipped"),
        result("ex04_manual_backprop", "train", False, "accuracy 0.1"),
        result("ex04_manual_backprop", "hidden_delta", False, messages.NOT_IMPLEMENTED),
    )
    found = {d.function: d for d in compact.diagnose(Report(results=results))}
    wrong = messages.REASON_WRONG.format(names="sigmoid_prime", verb="is")
    todo = messages.REASON_TODO.format(names="hidden_delta", verb="is")
    assert found["output_delta"].because() == messages.LIKELY_BECAUSE.format(reasons=wrong)
    # the roots only: output_delta's failure is itself sigmoid_prime's, so backprop names sigmoid_prime
    assert found["backprop"].because() == messages.LIKELY_BECAUSE.format(reasons=f"{wrong} and {todo}")
    assert found["train"].wrong_causes == ("sigmoid_prime", "sgd_update")
    assert found["sigmoid_prime"].because() == "" and found["sgd_update"].because() == ""
    files = stamped(tmp_path, {"ex04_manual_backprop": 0})
    assert compact.first_to_fix(Report(results=results, files=tuple(files)))[1] == "sigmoid_prime"
    # every dependency the exercises declare is a contract function of the same exercise
    for exercise in all_exercises().values():
        for function, used in exercise.uses:
            assert function in exercise.functions and set(used) <= set(exercise.functions), exercise.name


def rendered(report) -> str:
    from rich.console import Console

    console = Console(record=True, width=2000, force_terminal=False, color_system=None)
    compact.render(report, console)
    return console.export_text()


def test_the_compact_report_keeps_the_named_mistake_and_folds_repeated_faults():
    called = ("backprop(a0: float64 (7, 6), y: float64 (7, 3), w1: Variable float64 (6, 5), b1: Variable float64 (5,), "
              "w2: Variable float64 (5, 3), b2: Variable float64 (3,))")
    named = "the 1/n of the cost is missing (dw1 is n times too big)"
    long = (f"{called}: dw1: got -0.466593 at [0, 1], expected -0.0181849 (max abs error 0.448, norm-relative "
            f"error 21.1, allowed 1e-09 + 1e-06*|expected|). Likely mistake: {named}")
    flipped = " | ".join(f"sgd_update: {p} moved by +lr * gradient: the sign is flipped" for p in ("w1", "b1", "w2", "b2"))
    report = Report(results=(
        CheckResult("ex04_manual_backprop", "backprop", "backprop:a", "a check", 7.0, 6.3333, long),
        CheckResult("ex04_manual_backprop", "sgd_update", "sgd_update:a", "a check", 1.0, 0.0, flipped),
    ))
    out = rendered(report)
    assert f"Likely mistake: {named}" in out.split("Total:")[0], out  # on the function's own line, whole
    assert "backprop(...): dw1: got -0.466593" in out  # the argument list is what gave way
    assert "sgd_update: w1, b1, w2, b2 moved by +lr * gradient: the sign is flipped" in out
    assert out.count("the sign is flipped") == 1  # one line for the four parameters
    assert re.search(rf"Fix first: ex04\.backprop .*Likely mistake: {re.escape(named)}", out), out
    assert re.search(r"backprop +6\.33/7 ", out) and "Total: 6.33/8 points" in out, out
    assert not re.search(r"\d\.\d{3,}/", out), out


def test_points_print_with_at_most_two_decimals_and_never_round_up_to_full_marks():
    from autograder import notebook, render
    from autograder.render import html, text

    assert [render.fmt_points(x) for x in (6.3333, 7.0, 0.5, 0.29, 71.9999, 0)] == ["6.33", "7", "0.5", "0.29",
                                                                                   "71.99", "0"]
    # one formatter for every report
    assert notebook.fmt_points is html.fmt_points is compact.fmt_points is text.fmt_points is render.fmt_points
    shown = text.render_text(Report(results=(CheckResult("ex01_tape_basics", "grad_of_square", "grad_of_square:v",
                                                           "a check", 7.0, 6.3333, "wrong"),)))
    assert "ex01_tape_basics: 6.33/7 points" in shown and "Total: 6.33/7 points" in shown
