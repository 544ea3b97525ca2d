"""sandbox.proc on real processes: the tree under a pid, killing it, dying with a parent, the
subreaper, rlimits, and the environment a child is started with."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import proc

ROOT = str(Path(__file__).resolve().parent.parent)


def python(code: str, **kwargs) -> subprocess.Popen:
    """A fresh interpreter running ``code`` with the kit importable."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_descendants_and_kill_tree_reach_processes_in_new_sessions():
    # a child that starts a grandchild in a new session, and the grandchild one more
    tree = python("""
        import subprocess, sys, time
        inner = "import subprocess, time; subprocess.Popen(['sleep', '1000'], start_new_session=True); time.sleep(1000)"
        subprocess.Popen([sys.executable, "-c", inner], start_new_session=True)
        print("ready", flush=True)
        time.sleep(1000)
    """)
    try:
        assert tree.stdout.readline().strip() == "ready"
        assert wait_for(lambda: len(proc.descendants(tree.pid)) == 2), proc.descendants(tree.pid)
        family = [tree.pid, *proc.descendants(tree.pid)]
        proc.kill_tree(tree.pid)
        tree.wait(timeout=10)
        # the grandchildren were reparented and reaped elsewhere: none of them may still run
        assert wait_for(lambda: not any(proc.alive(pid) for pid in family)), [p for p in family if proc.alive(p)]
    finally:
        proc.kill_tree(tree.pid)


def test_stat_fields_survive_a_command_name_with_parentheses_and_spaces():
    named = python("""
        import ctypes, time
        ctypes.CDLL(None).prctl(15, b"x) (y z", 0, 0, 0)  # 15 = PR_SET_NAME
        print("ready", flush=True)
        time.sleep(1000)
    """)
    try:
        assert named.stdout.readline().strip() == "ready"
        assert Path(f"/proc/{named.pid}/comm").read_text().strip() == "x) (y z"
        fields = proc.stat_fields(named.pid)
        assert fields[0] in (b"S", b"R") and int(fields[1]) == os.getpid()
        assert proc.parent_map()[named.pid] == os.getpid()
    finally:
        named.kill()
        named.wait()
    assert proc.stat_fields(named.pid) == [] and not proc.alive(named.pid)


@pytest.mark.parametrize("asked", [True, False], ids=["die_with_parent", "without"])
def test_a_child_dies_with_its_parent_only_when_it_asked(asked):
    parent = python(f"""
        import os, time
        from autograder.sandbox import proc
        pid = os.fork()
        if pid == 0:
            if {asked}:
                proc.die_with_parent()
            print(os.getpid(), flush=True)
            time.sleep(1000)
            os._exit(0)
        time.sleep(1000)
    """)
    child = int(parent.stdout.readline())
    try:
        parent.kill()
        parent.wait()
        if asked:
            assert wait_for(lambda: not proc.alive(child)), "the child outlived its parent"
        else:  # the control: without the request the child lives on, so the test above can fail
            time.sleep(0.5)
            assert proc.alive(child)
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("asked", [True, False], ids=["subreaper", "without"])
def test_orphans_come_to_a_subreaper(asked):
    """A grandchild whose parent exits is re-parented to the process that asked, not to init."""
    reaper = python(f"""
        import os, time
        from autograder.sandbox import proc
        if {asked}:
            assert proc.become_subreaper()
        reaper = os.getpid()
        middle = os.fork()
        if middle == 0:
            if os.fork() == 0:  # the orphan: it ends with the reaper, wherever it was re-parented
                while True:
                    try:
                        os.kill(reaper, 0)
                    except ProcessLookupError:
                        os._exit(0)
                    time.sleep(0.1)
            os._exit(0)
        os.waitpid(middle, 0)
        print("ready", flush=True)
        time.sleep(1000)
    """)
    try:
        assert reaper.stdout.readline().strip() == "ready", reaper.stderr.read()
        orphans = [pid for pid, parent in proc.parent_map().items() if parent == reaper.pid]
        assert (len(orphans) == 1) == asked, orphans
    finally:
        proc.kill_tree(reaper.pid)
        reaper.wait()


def test_rlimits_fail_an_overlong_write_and_stop_a_cpu_hog():
    writer = python("""
        import errno
        from autograder.sandbox import proc
        proc.set_rlimits(file_bytes=4096)
        import resource
        assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
        with open("/dev/null", "wb"):
            pass
        import tempfile
        with tempfile.TemporaryFile() as handle:
            try:
                handle.write(b"x" * 10000)
                handle.flush()
            except OSError as exc:
                print("EFBIG" if exc.errno == errno.EFBIG else exc, flush=True)
    """)
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0 and out.strip() == "EFBIG", (out, err)  # not killed by SIGXFSZ

    hog = python("""
        from autograder.sandbox import proc
        proc.set_rlimits(cpu_seconds=1)
        while True:
            pass
    """)
    hog.communicate(timeout=60)
    assert hog.returncode in (-signal.SIGXCPU, -signal.SIGKILL), hog.returncode


def test_resident_bytes_counts_touched_memory():
    holder = python("""
        import time
        block = bytearray(200 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        print("ready", flush=True)
        time.sleep(1000)
    """)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert proc.resident_bytes([holder.pid]) >= 200 * 1024 * 1024
        assert proc.resident_bytes([holder.pid, 2**22 + 12345]) == proc.resident_bytes([holder.pid])  # a gone pid counts 0
    finally:
        holder.kill()
        holder.wait()


def test_child_environment_sets_defaults_the_caller_may_override():
    env = proc.child_environment({"OMP_NUM_THREADS": "4", "PYTHONPATH": "/elsewhere", "HOME": "/h"}, "/kit")
    assert env["OMP_NUM_THREADS"] == "4"  # the caller's choice wins
    assert env["TF_NUM_INTRAOP_THREADS"] == "1" and env["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert env["PYTHONPATH"] == os.pathsep.join(["/kit", "/elsewhere"]) and env["HOME"] == "/h"
    assert proc.child_environment({}, "/kit")["PYTHONPATH"] == "/kit"
