"""Untrusted submissions: hostile files score 0 on the guilty checks only and leave no process behind.

Real child processes, real signals: every file in tests/hostile/ is graded under tight limits.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder import api, batch, sandbox
from autograder import messages as check_messages
from autograder.sandbox import jail
from autograder.sandbox import messages as said
from autograder.records import Call
from autograder.rubric import Rubric
from test_submissions import expectation, lost_functions

HOSTILE = sorted((Path(__file__).parent / "hostile").glob("*.py"))
LIMITS = sandbox.Limits(call_seconds=8, submission_seconds=120, memory_bytes=int(1.5 * 1024**3), file_bytes=16 * 1024**2)


def processes_running(pattern: str, uids=None) -> list:
    """Processes whose command line holds ``pattern`` (only those running as one of ``uids``, if given:
    other graders on a shared machine run their own children under their own uids)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if uids is not None and int(Path(f"/proc/{entry}/status").read_text().split("Uid:")[1].split()[0]) not in uids:
                    continue
            except (OSError, IndexError, ValueError):
                continue
            if pattern in cmdline:
                found.append((int(entry), cmdline))
    return found


def exercise_of(path: Path) -> str:
    """Hostile files are graded as ex01 unless named ``exNN__what.py``: then as exercise NN."""
    from autograder.checks import all_exercises

    if "__" not in path.stem:
        return "ex01_tape_basics"
    number = path.stem.split("__", 1)[0]
    return next(name for name in all_exercises() if name.startswith(number + "_"))


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_submission_is_contained(path, tmp_path, monkeypatch):
    assert_contained(path, tmp_path, monkeypatch)


def assert_contained(path, tmp_path, monkeypatch):
    """Grade one hostile file: it loses what its expect line says, and leaves nothing behind.

    Also run by test_sandbox_userns.py with the jail's user-namespace path forced."""
    monkeypatch.chdir(tmp_path)  # a fake results.json written "here" must not matter
    # the grader's temp folder, private to this test: it must be as empty after grading as before
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    must, may = expectation(path)
    (tmp_path / "other_student").mkdir()  # what a child must not see: a classmate's work
    exercise = exercise_of(path)
    shutil.copy(path, tmp_path / "other_student" / f"{exercise}.py")
    target = tmp_path / f"{exercise}.py"
    shutil.copy(path, target)
    issued_before = len(jail.issued)
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
    # whatever the file did, it is scored out of its exercise's whole points: no failure shrinks the total
    assert report.max_score == sum(Rubric.load().data[exercise]["points"].values()), details
    assert must <= lost, details
    assert lost <= must | may, details
    # every message names what happened, never a grader traceback
    assert "grader failed" not in details
    ours = [os.getuid(), *jail.issued[issued_before:]]
    assert not processes_running("sleep 1000", ours), "the submission's processes outlived the grading"
    for uid in jail.issued[issued_before:]:  # each child's uid is its own: none may still be in use
        assert not jail.processes_of_uid(uid), f"a process of the child's uid {uid} outlived the grading"
    assert sorted(os.listdir(scratch)) == [], "grading left files in the temp folder"
    if os.geteuid() == 0:  # the child runs as its own uid, in its own filesystem view
        assert not (tmp_path / "results.json").exists()


def test_messages_say_what_happened(tmp_path):
    messages, failed = {}, {}
    for name in ("infinite_loop", "memory_bomb", "os_exit_in_function", "sys_exit_at_import", "syntax_error",
                 "lacks_a_function", "keyboard_interrupt", "prints_300mb"):
        target = tmp_path / name / "ex01_tape_basics.py"
        target.parent.mkdir()
        shutil.copy(Path(__file__).parent / "hostile" / f"{name}.py", target)
        report = api.grade_paths([str(target)], Rubric.load(), LIMITS)
        failed[name] = [r for r in report.results if not r.passed]
        messages[name] = " ".join(r.message for r in failed[name])

    def says(name, text_for) -> bool:
        """Some failed check's message holds the sandbox's text, filled in for that check's function."""
        return any(text_for(r.function) in r.message for r in failed[name])

    assert says("infinite_loop", lambda f: said.TIMED_OUT.format(what=f"{f}()", seconds=LIMITS.call_seconds)), messages
    assert says("memory_bomb", lambda f: said.MEMORY.format(what=f"{f}()", gib=LIMITS.memory_bytes / 1024**3)), messages
    assert says("os_exit_in_function", lambda f: said.CRASHED.format(what=f"{f}()", detail=said.EXITED.format(status=0)))
    assert said.EXIT_AT_IMPORT.split(" (sys.exit")[0] in messages["sys_exit_at_import"]
    assert said.SYNTAX_ERROR.split(" {line}")[0] in messages["syntax_error"]
    assert check_messages.MISSING_FUNCTION.format(function="gradient_descent") in messages["lacks_a_function"]
    assert says("keyboard_interrupt", lambda f: said.CALL_INTERRUPTED.split(" ({site})")[0].format(function=f))
    assert says("prints_300mb", lambda f: said.CALL_OUTPUT_LIMIT.split(" ({site})")[0].format(
        function=f, mb=LIMITS.file_bytes / 1024**2)), messages["prints_300mb"]
    for name in ("memfd_bomb", "shm_bomb"):  # memory no resident set shows: the memory cgroup stops it
        target = tmp_path / name / "ex01_tape_basics.py"
        target.parent.mkdir()
        shutil.copy(Path(__file__).parent / "hostile" / f"{name}.py", target)
        small = sandbox.Limits(call_seconds=20, memory_bytes=512 * 1024**2, file_bytes=16 * 1024**2)
        grader_before = sandbox.resident_bytes([os.getpid()])
        report = api.grade_paths([str(target)], Rubric.load(), small)
        text = " ".join(r.message for r in report.results if not r.passed)
        # a forked child and its relay already show ~540 MB of (shared) resident memory, so at 0.5 GiB the
        # memory watch may stop the child while it imports the file, before the bomb runs: memory either way
        assert any(said.MEMORY.format(what=what, gib=0.5) in r.message for r in report.results
                   for what in (f"{r.function}()", said.IMPORTING)), text
        assert sandbox.resident_bytes([os.getpid()]) < grader_before + 512 * 1024**2, "the grader grew"
    target = tmp_path / "half_sent_frame" / "ex01_tape_basics.py"
    target.parent.mkdir()
    shutil.copy(Path(__file__).parent / "hostile" / "half_sent_frame.py", target)
    report = api.grade_paths([str(target)], Rubric.load(), LIMITS)
    assert said.TIMED_OUT.format(what="grad_of_square()", seconds=8) in " ".join(r.message for r in report.results)


def hostile_copy(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "ex01_tape_basics.py"
    shutil.copy(Path(__file__).parent / "hostile" / f"{name}.py", target)
    return target


def test_two_children_cannot_signal_each_other(tmp_path):
    """One child signalling every process it can name leaves a concurrent child (and the grader) alone."""
    calm = hostile_copy("network_probe", tmp_path / "a")  # a correct grad_of_square
    killer = hostile_copy("kills_everyone", tmp_path / "b")
    with sandbox.Sandbox(str(calm), "ex01_tape_basics", LIMITS) as a, sandbox.Sandbox(str(killer), "ex01_tape_basics", LIMITS) as b:
        assert a.import_status().status == b.import_status().status == "ok"
        pid_a = a._pid
        assert b.call(Call("grad_of_square", (3.0,))).status == "ok"
        after = a.call(Call("grad_of_square", (3.0,)))
        assert after.status == "ok" and abs(after.value - 6.0) < 1e-9, after
        assert a._pid == pid_a, "the other child's process was killed and restarted"
        if os.geteuid() == 0:
            assert a._slot.uid != b._slot.uid


def test_clone_parent_cannot_escape_the_namespace(tmp_path):
    target = hostile_copy("clone_parent_escape", tmp_path)
    with sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS) as box:
        outcome = box.call(Call("grad_of_square", (3.0,)))
        uid = box._slot.uid
        server_children_before = sandbox.descendants(sandbox.fork_server().pid)
    assert outcome.status == "ok" and abs(outcome.value - 6.0) < 1e-9, outcome
    assert not processes_running("sleep 1000")
    if uid is not None:
        assert not jail.processes_of_uid(uid)
    assert server_children_before  # the check above saw the live child; now none of it is left
    left = [pid for pid in sandbox.descendants(sandbox.fork_server().pid) if pid in server_children_before]
    assert not left, f"processes left under the fork server: {left}"


def test_a_symlinked_submission_is_not_followed(tmp_path):
    """A submission that is a symlink to a file only root may read is not read (the grader may be root)."""
    secret = tmp_path / "secret.py"
    secret.write_text('def grad_of_square(w0):\n    return 2.0 * w0\n')
    secret.chmod(0o600)
    (tmp_path / "student").mkdir()
    os.symlink(secret, tmp_path / "student" / "ex01_tape_basics.py")
    report = api.grade_paths([str(tmp_path / "student" / "ex01_tape_basics.py")], Rubric.load(), LIMITS)
    assert all(r.score == 0 for r in report.results)
    assert all("symbolic link" in r.message for r in report.results), report.results[0].message


def test_broken_notebooks_are_a_zero_for_that_student_only(tmp_path):
    """``[]``, a notebook nested 200k levels deep and an unreadable file: a message each, and grading goes on."""
    root = tmp_path / "class"
    for name, text in (("empty_list", "[]"), ("deep", "[" * 200_000 + "]" * 200_000), ("not_json", "{oops")):
        (root / name).mkdir(parents=True)
        (root / name / "ex01_tape_basics.ipynb").write_text(text)
    (root / "good").mkdir()
    shutil.copy(Path(__file__).parent.parent / "solutions" / "ex01_tape_basics.py", root / "good" / "ex01_tape_basics.py")
    graded = dict(batch.grade_class(root, tmp_path / "out", Rubric.load(), LIMITS))
    for name in ("empty_list", "deep", "not_json"):
        ex01 = graded[name].by_exercise()["ex01_tape_basics"]
        assert all(r.score == 0 and "could not be read" in r.message for r in ex01), ex01[0].message
    assert all(r.passed for r in graded["good"].by_exercise()["ex01_tape_basics"])


def test_outputs_are_replaced_never_written_through_a_symlink(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    (root / "alice").mkdir(parents=True)
    shutil.copy(Path(__file__).parent.parent / "solutions" / "ex01_tape_basics.py", root / "alice" / "ex01_tape_basics.py")
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (out / "alice").mkdir(parents=True)
    os.symlink(victim, out / "alice" / "results.json")
    os.symlink(victim, out / "scores.csv")
    os.symlink(victim, out / "gradebook.csv")
    batch.grade_class(root, out, Rubric.load(), LIMITS)
    assert victim.read_text() == "untouched"
    assert not any(os.path.islink(p) for p in (out / "alice" / "results.json", out / "scores.csv", out / "gradebook.csv"))
    assert sorted(p.name for p in (out / "alice").iterdir()) == ["feedback.html", "record.json", "report.txt", "results.json"]


def test_a_json_py_beside_the_submission_or_in_the_cwd_is_never_imported(tmp_path, monkeypatch):
    """The fork server and the spawn fallback start isolated (-P, cwd /): a planted json.py stays unrun."""
    marker = tmp_path / "imported"
    planted = f"open({str(marker)!r}, 'w').close()\nfrom importlib import import_module\n"
    target = hostile_copy("network_probe", tmp_path / "student")
    for folder in (tmp_path, tmp_path / "student"):
        (folder / "json.py").write_text(planted)
    monkeypatch.chdir(tmp_path / "student")
    from autograder.sandbox.forkserver import ForkServer

    server = ForkServer()  # started from the student's folder, with a json.py in it
    try:
        for chosen in (server, None):
            with sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS, server=chosen) as box:
                outcome = box.call(Call("grad_of_square", (3.0,)))
            assert outcome.status == "ok", outcome
    finally:
        server.close()
    assert not marker.exists(), "trusted code imported a json.py from a user folder"


def test_missing_file_in_a_submission_folder_scores_zero(tmp_path):
    shutil.copy(Path(__file__).parent / "submissions" / "ex01_tape_basics" / "tape_straightforward.py",
                tmp_path / "ex01_tape_basics.py")
    report = api.grade_paths([str(tmp_path)])
    by_exercise = report.by_exercise()
    from autograder.checks import all_exercises

    assert set(by_exercise) == set(all_exercises())  # a folder is expected to hold every exercise
    assert all(r.passed for r in by_exercise["ex01_tape_basics"])
    missing = by_exercise["ex02_chain_rule"]
    assert all(r.score == 0 and "no file named ex02_chain_rule.py" in r.message for r in missing)


def test_fork_server_refuses_after_a_tensorflow_op():
    code = ("from autograder.sandbox.forkserver import tensorflow_has_run_an_op as ran\n"
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

    with sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS, server=None) as spawned, \
            sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS) as forked:
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
    while time.monotonic() < deadline and not sandbox.descendants(grader.pid):
        time.sleep(0.2)
    time.sleep(8)  # let it reach the looping check
    family = sandbox.descendants(grader.pid)
    assert family, "the grader started no process"
    grader.kill()
    grader.wait()
    time.sleep(1.0)
    alive = [pid for pid in family if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"]
    assert not alive, f"processes outlived the grader: {alive}"
    # its child's scratch folder could not be removed by the killed grader: the next grader does it
    left = list(Path(tempfile.gettempdir()).glob(f"autograder-child-*-{grader.pid}-*"))
    assert left, "the killed grader left no scratch folder (the name no longer carries its pid?)"
    solution = Path(__file__).resolve().parent.parent / "solutions" / "ex01_tape_basics.py"
    subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(solution)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    assert not [p for p in left if p.exists()], "the next grader did not remove the killed grader's folder"


@pytest.mark.parametrize("name, reason", [
    ("ex04__symbolic_gradient_op", "the SymbolicGradient op"),
    ("ex04__graph_def_copy", "a graph that computes gradients"),
    ("ex04__lazy_tape_value", "tf.GradientTape"),
    ("ex04__rebinds_autodiff_log", said.UNTRUSTED_CALL),
    ("ex04__private_pywrap_tfe", "the C tape API"),
    ("ex04__tf1_session_gradients", "a tf.function that computes gradients"),
    ("ex04__gradient_registry_engine", "the gradient registry"),
    # the log emptied, the reply rewritten on its way out: the answer itself is not trusted
    ("ex04__clears_autodiff_log", said.UNTRUSTED_CALL),
    ("ex04__swaps_detector_code", check_messages.DETECTORS_REMOVED),
    ("ex04__rewrites_connection_send", said.UNTRUSTED_CALL),
    ("ex04__patches_json_dumps", said.UNTRUSTED_CALL),
])
def test_autodiff_is_seen_however_it_is_reached(name, reason, tmp_path):
    """Each road around the tape is named in sigmoid_prime's message: the point is lost for the right reason."""
    target = tmp_path / "ex04_manual_backprop.py"
    shutil.copy(Path(__file__).parent / "hostile" / f"{name}.py", target)
    report = api.grade_paths([str(target)], Rubric.load(), LIMITS)
    lost = [r for r in report.results if r.function == "sigmoid_prime"]
    assert lost and all(r.score == 0 for r in lost)
    said_why = "must compute the gradient by hand" if reason != said.UNTRUSTED_CALL else "not trusted"
    assert all(said_why in r.message and reason in r.message for r in lost), [r.message for r in lost]


def test_the_grader_stays_small_after_hostile_children(tmp_path):
    """Floods of output, huge replies and memory bombs stay in the children: the trusted process
    ends within 2x of its size after grading a clean file."""
    clean = tmp_path / "clean" / "ex01_tape_basics.py"
    clean.parent.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "solutions" / "ex01_tape_basics.py", clean)
    api.grade_paths([str(clean)], Rubric.load(), LIMITS)
    baseline = sandbox.resident_bytes([os.getpid()])
    for name in ("huge_reply", "prints_300mb", "forged_terminal_text", "memfd_bomb", "fake_results"):
        api.grade_paths([str(hostile_copy(name, tmp_path / name))], Rubric.load(), LIMITS)
    assert sandbox.resident_bytes([os.getpid()]) <= 2 * baseline
