"""Untrusted submissions: hostile files score 0 on the guilty checks only and leave no process behind.

Real child processes, real signals: every file in tests/hostile/ is graded under tight limits.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import api, run
from autograder.rubric import Rubric
from test_submissions import expectation, lost_functions

HOSTILE = sorted((Path(__file__).parent / "hostile").glob("*.py"))
LIMITS = run.Limits(call_seconds=8, submission_seconds=120, memory_bytes=int(1.5 * 1024**3), file_bytes=16 * 1024**2)


def processes_running(pattern: str) -> list:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if pattern in cmdline:
                found.append((int(entry), cmdline))
    return found


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_submission_is_contained(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a fake results.json written "here" must not matter
    must, may = expectation(path)
    target = tmp_path / "ex01_tape_basics.py"
    shutil.copy(path, target)
    listener = socket.create_server(("127.0.0.1", 47613)) if path.stem == "network_probe" else None
    started = time.monotonic()
    try:
        report = api.grade_paths([str(target)], Rubric.load(), LIMITS)
    finally:
        if listener is not None:
            listener.settimeout(0.1)
            try:
                leaked = listener.accept()
            except OSError:
                leaked = None
            listener.close()
            assert leaked is None, "the submission reached a server on the grading machine"
    assert time.monotonic() - started < 100
    lost = lost_functions(report)
    details = "\n".join(f"{r.name}: {r.message}" for r in report.results if not r.passed)
    assert must <= lost, details
    assert lost <= must | may, details
    # every message names what happened, never a grader traceback
    assert "grader failed" not in details
    assert not processes_running("sleep 1000"), "the submission's processes outlived the grading"
    if os.geteuid() == 0:  # the child runs as 'nobody': the grader's folder is out of its reach
        assert not (tmp_path / "results.json").exists()


def test_messages_say_what_happened(tmp_path):
    messages = {}
    for name in ("infinite_loop", "memory_bomb", "os_exit_in_function", "sys_exit_at_import", "syntax_error",
                 "lacks_a_function", "keyboard_interrupt", "prints_300mb"):
        target = tmp_path / name / "ex01_tape_basics.py"
        target.parent.mkdir()
        shutil.copy(Path(__file__).parent / "hostile" / f"{name}.py", target)
        report = api.grade_paths([str(target)], Rubric.load(), LIMITS)
        messages[name] = " ".join(r.message for r in report.results if not r.passed)
    assert "timed out after 8 s" in messages["infinite_loop"]
    assert "GiB of memory" in messages["memory_bomb"]
    assert "exited the process with status 0" in messages["os_exit_in_function"]
    assert "exited the process at import" in messages["sys_exit_at_import"]
    assert "syntax error at line" in messages["syntax_error"]
    assert "has no function gradient_descent()" in messages["lacks_a_function"]
    assert "KeyboardInterrupt" in messages["keyboard_interrupt"]
    assert "more than 16 MB" in messages["prints_300mb"]


def test_missing_file_in_a_submission_folder_scores_zero(tmp_path):
    shutil.copy(Path(__file__).parent / "submissions" / "ex01_tape_basics" / "tape_straightforward.py",
                tmp_path / "ex01_tape_basics.py")
    report = api.grade_paths([str(tmp_path)])
    by_exercise = report.by_exercise()
    assert set(by_exercise) == {"ex01_tape_basics", "ex02_chain_rule", "ex03_gradient_check",
                                "ex04_manual_backprop", "ex05_tape_regression", "ex06_keras_tape_loop"}
    assert all(r.passed for r in by_exercise["ex01_tape_basics"])
    missing = by_exercise["ex02_chain_rule"]
    assert all(r.score == 0 and "no file named ex02_chain_rule.py" in r.message for r in missing)


def test_fork_server_refuses_after_a_tensorflow_op():
    code = ("from autograder.forkserver import tensorflow_has_run_an_op as ran\n"
            "import tensorflow as tf\n"
            "before = ran()\n"
            "tf.constant(1.0) + 1.0\n"
            "print(before, ran())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.stdout.split() == ["False", "True"], out.stderr[-2000:]


def test_spawned_child_without_fork_server_grades_the_same(tmp_path):
    source = Path(__file__).parent / "submissions" / "ex01_tape_basics" / "tape_straightforward.py"
    target = tmp_path / "ex01_tape_basics.py"
    shutil.copy(source, target)
    from autograder.records import Call

    with run.Sandbox(str(target), "ex01_tape_basics", LIMITS, server=None) as spawned, \
            run.Sandbox(str(target), "ex01_tape_basics", LIMITS) as forked:
        a = spawned.call(Call("grad_of_square", (5.0,)))
        b = forked.call(Call("grad_of_square", (5.0,)))
    assert a.status == b.status == "ok"
    assert abs(a.value - 10.0) < 1e-6 and abs(b.value - 10.0) < 1e-6


def test_killing_the_grader_leaves_no_server_or_child(tmp_path):
    """A grader killed with SIGKILL mid-grading takes its fork server and submission child with it."""
    target = tmp_path / "ex01_tape_basics.py"
    shutil.copy(Path(__file__).parent / "hostile" / "infinite_loop.py", target)
    grader = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", str(target)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not run.descendants(grader.pid):
        time.sleep(0.2)
    time.sleep(8)  # let it reach the looping check
    family = run.descendants(grader.pid)
    assert family, "the grader started no process"
    grader.kill()
    grader.wait()
    time.sleep(1.0)
    alive = [pid for pid in family if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"]
    assert not alive, f"processes outlived the grader: {alive}"
