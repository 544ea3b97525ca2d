"""Grading a class: discovery (any depth, upload names, zips, nbgrader's layout), worker processes,
resuming after a SIGKILL, a worker killed mid-grade, and the same gradebook on a real Dask cluster.

Real processes and signals throughout; classes are tiny (ex01 and ex03 grade in about a second).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder import batch, load, sandbox
from autograder.checks import all_exercises
from autograder.sandbox import jail, proc
from autograder.rubric import Rubric

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, STUBS, HOSTILE = ROOT / "solutions", ROOT / "exercises", ROOT / "tests" / "hostile"
LIMITS = sandbox.Limits(call_seconds=20, submission_seconds=120)


def autograder(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          timeout=600, **kwargs)


def gradebook(out: Path) -> dict:
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def small_class(root: Path) -> Path:
    """Five students, one of each kind of hand-in the batch must cope with."""
    (root / "ada" / "week2" / "final").mkdir(parents=True)  # a deep file under an upload name
    shutil.copy(SOLUTIONS / "ex03_gradient_check.py", root / "ada" / "week2" / "final" / "ex03_gradient_check (1).py")
    (root / "ada" / ".ipynb_checkpoints").mkdir()  # never graded
    shutil.copy(STUBS / "ex03_gradient_check.py", root / "ada" / ".ipynb_checkpoints" / "ex03_gradient_check.py")
    with zipfile.ZipFile(root / "bob.zip", "w") as archive:  # a zip, with a folder inside
        archive.write(SOLUTIONS / "ex01_tape_basics.py", "bob-submission/ex01_tape_basics-2.py")
        archive.writestr("../../escape/ex03_gradient_check.py", "raise SystemExit")  # an unsafe name: left out
    (root / "cyd").mkdir()
    shutil.copy(HOSTILE / "syntax_error.py", root / "cyd" / "ex01_tape_basics.py")
    (root / "dan").mkdir()  # nothing handed in
    (root / "eve.zip").write_bytes(b"not a zip at all")
    return root


def test_discovery_finds_files_at_any_depth_and_under_upload_names(tmp_path):
    for name, exercise in (("ex04_manual_backprop (1).py", "ex04_manual_backprop"),
                           ("ex04_manual_backprop-2.ipynb", "ex04_manual_backprop"),
                           ("ex04_manual_backprop.py", "ex04_manual_backprop"),
                           ("ex04_manual_backprop-checkpoint.ipynb", None),  # Jupyter's, not an upload copy
                           ("ex04_manual_backprop copy.py", None), ("ex07_nope.py", None)):
        assert load.exercise_of_name(name) == exercise, name
    chosen, notes = load.choose(["old/ex01_tape_basics.py", "ex01_tape_basics (2).py", "ex01_tape_basics.ipynb",
                                 "a/b/ex03_gradient_check-1.py"])
    assert chosen == {"ex01_tape_basics": "ex01_tape_basics.ipynb", "ex03_gradient_check": "a/b/ex03_gradient_check-1.py"}
    assert any("not graded: old/ex01_tape_basics.py, ex01_tape_basics (2).py" in n for n in notes), notes
    assert any("upload name" in n and "subfolder a/b/" in n for n in notes), notes

    # a symlinked folder is not entered (it could lead anywhere on the grader's machine)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(SOLUTIONS / "ex01_tape_basics.py", elsewhere / "ex01_tape_basics.py")
    (tmp_path / "student" / "deep").mkdir(parents=True)
    os.symlink(elsewhere, tmp_path / "student" / "deep" / "link")
    shutil.copy(SOLUTIONS / "ex02_chain_rule.py", tmp_path / "student" / "deep" / "ex02_chain_rule.py")
    assert load.walk(tmp_path / "student") == ["deep/ex02_chain_rule.py"]
    assert [p.name for p in load.find([str(tmp_path / "student")])] == ["ex02_chain_rule.py"]


def test_students_are_folders_zips_or_an_nbgrader_course(tmp_path):
    root = small_class(tmp_path / "class")
    students = batch.find_students(root)
    assert [s.name for s in students] == ["ada", "bob", "cyd", "dan", "eve"]
    jobs = {s.name: batch.read_job(s) for s in students}
    assert [(e, r) for e, r, _d, _p in jobs["ada"].files] == [("ex03_gradient_check", "week2/final/ex03_gradient_check (1).py")]
    assert [(e, r) for e, r, _d, _p in jobs["bob"].files] == [("ex01_tape_basics", "bob-submission/ex01_tape_basics-2.py")]
    assert jobs["bob"].files[0][2] == (SOLUTIONS / "ex01_tape_basics.py").read_bytes()
    assert jobs["dan"].files == () and "not a zip" in jobs["eve"].error

    course = tmp_path / "course"  # nbgrader: submitted/<student>/<assignment>/<notebook>
    for student in ("s1", "s2"):
        folder = course / "submitted" / student / "ex01_tape_basics"
        folder.mkdir(parents=True)
        (folder / "ex01_tape_basics.ipynb").write_text('{"cells": [], "nbformat": 4, "nbformat_minor": 5}')
    (course / "source" / "ex01_tape_basics").mkdir(parents=True)
    students = batch.find_students(course)
    assert [s.name for s in students] == ["s1", "s2"]
    assert batch.read_job(students[0]).files[0][1] == "ex01_tape_basics/ex01_tape_basics.ipynb"


def test_batch_with_two_workers_grades_everyone_and_summarises(tmp_path):
    root, out = small_class(tmp_path / "class"), tmp_path / "out"
    done = autograder("batch", str(root), "--out", str(out), "--workers", "2")
    assert done.returncode == 0, done.stderr
    rows = gradebook(out)
    assert set(rows) == {"ada", "bob", "cyd", "dan", "eve"}  # every student found, even the broken ones
    assert {s: rows[s]["status"] for s in rows} == dict.fromkeys(rows, "graded")
    assert float(rows["ada"]["ex03_gradient_check"]) == float(rows["ada"]["total"]) > 0
    assert float(rows["bob"]["ex01_tape_basics"]) == float(rows["bob"]["total"]) > 0
    assert all(float(rows[s]["total"]) == 0 for s in ("cyd", "dan", "eve"))
    assert len({row["max"] for row in rows.values()}) == 1
    assert (out / "scores.csv").read_text() == (out / "gradebook.csv").read_text()
    # the console and the student's report say which file was graded under another name or place
    assert "ada: ex03_gradient_check: graded week2/final/ex03_gradient_check (1).py" in done.stdout
    assert "upload name" in (out / "bob" / "report.txt").read_text()
    summary = (out / "summary.md").read_text()
    suspicious = summary.split("## Suspicious zeros", 1)[1].split("##", 1)[0]
    assert "cyd: ex01_tape_basics did not import (the file has a syntax error" in suspicious
    assert "dan: nothing found" in suspicious and "eve: nothing found" in suspicious and "not a zip" in suspicious
    assert "ada" not in suspicious and "bob" not in suspicious
    failed = summary.split("## Checks failed most often", 1)[1].split("##", 1)[0]
    assert "| 1 | ex01.grad_of_square" in failed  # cyd's: handed in, did not import
    assert "ex04." not in failed  # nobody handed in ex04: its zeros say nothing about its checks
    assert (out / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for student in rows:
        assert json.loads((out / student / "results.json").read_text())["max_score"] == float(rows[student]["max"])


def test_named_mistakes_are_counted_in_the_summary(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("p", "q"):
        (root / student).mkdir(parents=True)
        shutil.copy(ROOT / "tests" / "submissions" / "ex01_tape_basics" / "descent_plus_equals.py",
                    root / student / "ex01_tape_basics.py")
    batch.grade_class(root, out, Rubric.load(), LIMITS)
    named = (out / "summary.md").read_text().split("## Most common named mistakes", 1)[1].split("##", 1)[0]
    assert "| 2 | ex01.gradient_descent: " in named, named


def private_temp(tmp_path: Path) -> dict:
    """An environment whose TMPDIR is a folder of this test's own (short enough for a socket's path)."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="bk-", dir="/tmp")
    (tmp_path / "temp-folder").write_text(folder)
    return {**os.environ, "TMPDIR": folder}


def work_folders(env: dict, pid: int | None = None) -> list:
    """The batch work folders in ``env``'s TMPDIR (of the batch ``pid``, or of any)."""
    return sorted(str(p) for p in Path(env["TMPDIR"]).glob(f"{batch.WORK_PREFIX}{'' if pid is None else f'{pid}-'}*"))


@pytest.fixture(autouse=True)
def _remove_private_temp(tmp_path):
    yield
    marker = tmp_path / "temp-folder"
    if marker.exists():
        shutil.rmtree(marker.read_text(), ignore_errors=True)


def test_a_work_folder_is_removed_at_exit_and_one_nobody_holds_by_the_next_batch(tmp_path):
    env = private_temp(tmp_path)
    script = ("import os, sys; from autograder import batch\n"
              "work = batch.work_folder()\n"
              "assert batch.work_folder() == work  # one per process\n"
              "open(os.path.join(work, 'student-x'), 'w').close(); print(work, flush=True)\n"
              "sys.stdin.readline()\n"
              "if sys.argv[1] == 'kill': os.kill(os.getpid(), 9)\n")
    held = subprocess.Popen([sys.executable, "-c", script, "kill"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)
    folder = held.stdout.readline().strip()
    # a running batch's folder is left alone by another batch
    second = subprocess.run([sys.executable, "-c", script, "end"], input="\n", capture_output=True, text=True, env=env)
    assert second.returncode == 0, second.stderr
    assert Path(folder, "student-x").exists()
    assert not Path(second.stdout.strip()).exists()  # its own, removed at its end
    held.communicate("\n")
    assert held.returncode == -signal.SIGKILL and Path(folder).exists()
    # a folder without a lock is a batch's in the moment before it locks it, unless it has been so for a minute
    young, old = (Path(env["TMPDIR"], f"{batch.WORK_PREFIX}{name}") for name in ("young", "old"))
    young.mkdir()
    old.mkdir()
    os.utime(old, (time.time() - 2 * batch.ABANDONED_UNLOCKED_SECONDS,) * 2)
    assert sorted(batch.remove_abandoned(env["TMPDIR"])) == sorted([folder, str(old)])
    assert not Path(folder).exists() and not old.exists() and young.exists()


def test_the_work_folder_falls_back_to_tmp_where_a_socket_path_would_be_too_long(tmp_path, monkeypatch):
    monkeypatch.setattr(batch.tempfile, "tempdir", "/" + "d" * (107 - batch.LONGEST_INSIDE - 1))
    assert batch.work_parent() == batch.tempfile.tempdir  # just fits
    monkeypatch.setattr(batch.tempfile, "tempdir", "/" + "d" * (107 - batch.LONGEST_INSIDE))
    assert batch.work_parent() == "/tmp"
    folder = f"/{batch.WORK_PREFIX}{4194304}-abcdefgh"  # the largest pid_max; mkdtemp's and mktemp's 8 letters
    sockets = (f"{folder}/mp/listener-abcdefgh", f"{folder}/fs-abcdefgh/socket")  # multiprocessing's, the sandbox's
    assert max(map(len, sockets)) == batch.LONGEST_INSIDE


def _children(pid: int) -> list[int]:
    return sandbox.descendants(pid)


def test_a_batch_killed_with_sigkill_resumes_and_gives_the_same_gradebook(tmp_path):
    root = tmp_path / "class"
    sources = [SOLUTIONS / "ex01_tape_basics.py", STUBS / "ex01_tape_basics.py", HOSTILE / "syntax_error.py"]
    for index in range(6):
        (root / f"s{index}").mkdir(parents=True)
        shutil.copy(sources[index % 3], root / f"s{index}" / "ex01_tape_basics.py")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder.cli", "batch", str(root), "--out", str(out), "--workers", "2"]
    env = private_temp(tmp_path)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 300
    while not list(out.glob("*/record.json")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    helpers = _children(process.pid)  # the worker processes and their fork servers
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/record.json")}
    assert 1 <= len(finished) < 6, f"not killed mid-class: {sorted(finished)}"
    rows = gradebook(out)  # written after each student: it lists everyone, the rest as pending
    assert set(rows) == {f"s{i}" for i in range(6)}
    assert {s for s, row in rows.items() if row["status"] == "pending"} == {f"s{i}" for i in range(6)} - set(finished)
    # the workers die with the batch (PR_SET_PDEATHSIG): nothing keeps grading after it
    gone = time.monotonic() + 20
    while any(os.path.exists(f"/proc/{pid}") for pid in helpers) and time.monotonic() < gone:
        time.sleep(0.1)
    assert not [pid for pid in helpers if os.path.exists(f"/proc/{pid}")], "a worker outlived the killed batch"
    # the killed batch could not remove its work folder (the fork server's socket, a student's files);
    # the next batch removes it, and its own at its end
    left = work_folders(env, process.pid)
    assert len(left) == 1 and list(Path(left[0]).glob("fs-*/socket")), left
    # multiprocessing's folder is in it too; beside it, only the killed children's scratch folders
    assert Path(left[0], "mp").is_dir()
    assert {n for n in os.listdir(env["TMPDIR"]) if not n.startswith(jail.SCRATCH_PREFIX)} == {Path(left[0]).name}

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert not os.listdir(env["TMPDIR"])
    assert resumed.stdout.count("already graded") == len(finished)
    assert {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/record.json") if p.parent.name in finished} == finished

    fresh = subprocess.run([*command[:-3], str(tmp_path / "fresh"), "--workers", "1"], capture_output=True, text=True,
                           timeout=600)
    assert fresh.returncode == 0, fresh.stderr
    assert (out / "gradebook.csv").read_text() == (tmp_path / "fresh" / "gradebook.csv").read_text()
    assert [row["total"] for row in gradebook(out).values()] == ["7", "0", "0", "7", "0", "0"]

    # a changed hand-in is graded again on the next run; --force grades everyone again
    shutil.copy(SOLUTIONS / "ex01_tape_basics.py", root / "s1" / "ex01_tape_basics.py")
    again = autograder("batch", str(root), "--out", str(out))
    assert again.stdout.count("already graded") == 5 and gradebook(out)["s1"]["total"] == "7"
    forced = autograder("batch", str(root), "--out", str(out), "--force")
    assert forced.returncode == 0 and "already graded" not in forced.stdout


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_worker_killed_mid_grade_is_retried_and_nobody_is_lost(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    for index in range(4):
        (root / f"s{index}").mkdir(parents=True)
        # ex04: a few seconds a student, so a kill soon after grading begins lands mid-grade
        shutil.copy(SOLUTIONS / "ex04_manual_backprop.py", root / f"s{index}" / "ex04_manual_backprop.py")
    env = private_temp(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "autograder.cli", "batch", str(root), "--out", str(out),
                                "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    # a worker is a child of multiprocessing's fork server, itself a child of the batch beside the
    # sandbox's fork server and multiprocessing's resource tracker.  Once the sandbox's server has
    # forked a child, grading has begun, and the fork server's preload (whose imports may start
    # short-lived helpers of their own) is long over: its children are then the workers.
    deadline = time.monotonic() + 300
    victim = None
    while victim is None and time.monotonic() < deadline:
        parents = proc.parent_map()
        ours = {pid: _command_line(pid) for pid, parent in parents.items() if parent == process.pid}
        spawners = {pid for pid, line in ours.items() if b"multiprocessing.forkserver" in line}
        servers = {pid for pid, line in ours.items() if b"autograder.sandbox.forkserver" in line}
        if any(parent in servers for parent in parents.values()):
            workers = sorted(pid for pid, parent in parents.items() if parent in spawners)
            victim = workers[0] if workers else None
        time.sleep(0.05)
    assert victim is not None, "grading never began"
    time.sleep(0.3)
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    rows = gradebook(out)
    assert set(rows) == {f"s{i}" for i in range(4)}
    assert "a worker process died while grading" in stderr  # the kill landed mid-grade
    full = f"{sum(Rubric.load().points('ex04_manual_backprop', c.key) for c in all_exercises()['ex04_manual_backprop'].checks):g}"
    assert {(row["status"], row["ex04_manual_backprop"], row["total"]) for row in rows.values()} == {("graded", full, full)}
    assert not os.listdir(env["TMPDIR"])  # the killed worker's student folder too


def test_dask_local_cluster_gives_the_same_gradebook_as_local_grading(tmp_path):
    distributed = pytest.importorskip("distributed")  # the test extra installs it; skipped only without it
    root = tmp_path / "class"
    for student, source, name in (("ada", SOLUTIONS, "ex03_gradient_check.py"), ("bob", STUBS, "ex03_gradient_check.py"),
                                  ("cyd", SOLUTIONS, "ex01_tape_basics.py")):
        (root / student).mkdir(parents=True)
        shutil.copy(source / name, root / student / name)
    (root / "dan").mkdir()
    local = batch.grade_class(root, tmp_path / "local", Rubric.load(), LIMITS)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        on_dask = batch.grade_class(root, tmp_path / "dask", Rubric.load(), LIMITS, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster.scheduler_address) as client:
            # each worker process started (and kept) its own fork server
            servers = client.run(lambda: __import__("autograder.sandbox.client", fromlist=["_server"])._server is not None)
    assert (tmp_path / "local" / "gradebook.csv").read_text() == (tmp_path / "dask" / "gradebook.csv").read_text()
    assert [(n, r.score) for n, r in local] == [(n, r.score) for n, r in on_dask]
    assert float(gradebook(tmp_path / "dask")["ada"]["total"]) > 0
    assert sum(servers.values()) >= 1
