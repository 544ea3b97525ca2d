"""The memory watch of a grader without a memory cgroup (an unprivileged one, usually), run here as root.

AUTOGRADER_TEST_NO_CGROUP=1 makes no cgroup for a child; with AUTOGRADER_TEST_USER_NAMESPACE=1 the
child also takes the jail's user-namespace path, which is what an unprivileged grader has.  The
trusted side then adds to the tree's resident memory what it holds elsewhere (sandbox.proc.ShmemWatch):
its scratch tmpfs (/tmp and /dev/shm are one), unnamed open files (memfds) and mapped shmem.  Memory
bombs that no resident set shows get a "memory" result, the grader untouched and nothing left
behind; the reference solutions keep full marks, far from the limit.  tests/test_unprivileged.py
runs the same path for real, as nobody.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

import pytest

from autograder import api, sandbox
from autograder.records import Call
from autograder.rubric import Rubric
from autograder.sandbox import client, proc
from autograder.sandbox import messages as said
from test_isolation import LIMITS, assert_contained

HOSTILE = Path(__file__).parent / "hostile"
SOLUTIONS = Path(__file__).parent.parent / "solutions"
BOMBS = ["memfd_bomb", "shm_bomb", "mapped_memfd_bomb", "hidden_memfd_bomb", "memory_bomb"]

PROBE = '''
import ctypes
import os


def grad_of_square(w0):
    tmp, shm = os.statvfs("/tmp"), os.statvfs("/dev/shm")
    libc = ctypes.CDLL(None, use_errno=True)
    nested = libc.unshare(0x10000000)  # CLONE_NEWUSER: refused
    segment = libc.shmget(0, 1024 * 1024, 0o1600)  # IPC_PRIVATE | IPC_CREAT: refused by the seccomp filter
    import resource
    return (float(os.stat("/tmp").st_dev == os.stat("/dev/shm").st_dev), float(tmp.f_blocks * tmp.f_frsize),
            float(shm.f_blocks * shm.f_frsize), float(nested), float(segment),
            float(resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
'''


@pytest.fixture
def no_cgroup(monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("as an unprivileged user there is no cgroup anyway (tests/test_unprivileged.py runs that)")
    monkeypatch.setenv(sandbox.TEST_USER_NAMESPACE, "1")
    monkeypatch.setenv(client.TEST_NO_CGROUP, "1")


def test_the_no_cgroup_path_is_taken_and_its_scratch_is_one_tmpfs(tmp_path, no_cgroup):
    target = tmp_path / "ex01_tape_basics.py"
    target.write_text(PROBE)
    with sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS) as box:
        outcome = box.call(Call("grad_of_square", (1.0,)))
        assert box._cgroup.dirs == [] and box._shmem is not None
        notes = list(box.notes)
    assert outcome.status == "ok", outcome
    same, tmp_size, shm_size, nested, segment, open_files = outcome.value
    assert same == 1.0, "/tmp and /dev/shm are one tmpfs"
    assert tmp_size == shm_size == LIMITS.memory_bytes, "sized to the memory limit, for both together"
    assert nested == -1.0, "no user namespace can be made inside the child's (no tmpfs of its own)"
    assert segment == -1.0, "SysV shared memory is refused (no watch sees a segment nobody maps)"
    assert open_files == 1024.0
    assert any(n.startswith(said.NO_CGROUP.split(" (")[0]) for n in notes), notes
    assert not any("could not set" in n for n in notes), notes


@pytest.mark.parametrize("name", BOMBS)
def test_memory_outside_the_resident_set_is_stopped_without_a_cgroup(name, tmp_path, monkeypatch, no_cgroup):
    """Each bomb loses its check with a "memory" message; nothing is left (assert_contained), the grader untouched."""
    import tensorflow as tf

    tf.constant(1.0) + 1.0  # the grader's own TensorFlow, loaded before it is measured
    grader_before = sandbox.resident_bytes([os.getpid()])
    seen = []
    real = client.Sandbox._memory
    monkeypatch.setattr(client.Sandbox, "_memory", lambda self, what: seen.append(what) or real(self, what))
    assert_contained(HOSTILE / f"{name}.py", tmp_path, monkeypatch)
    assert "grad_of_square()" in seen, seen
    assert sandbox.resident_bytes([os.getpid()]) < grader_before + 1024**3, "the grader grew"


def test_the_reference_solutions_keep_full_marks_far_from_the_limit(tmp_path, monkeypatch, no_cgroup):
    """Every solution, graded through the same path: full marks, and what the watch adds stays small.

    Also measures the watch's cost per poll (what ShmemWatch.bytes takes, for a live TensorFlow child)."""
    peaks = {"resident": 0, "shmem": 0}
    costs = []
    real_bytes, real_resident = proc.ShmemWatch.bytes, client.resident_bytes

    def timed_bytes(self, tree):
        began = time.perf_counter()
        value = real_bytes(self, tree)
        costs.append(time.perf_counter() - began)
        peaks["shmem"] = max(peaks["shmem"], value)
        return value

    def resident(pids):
        value = real_resident(pids)
        peaks["resident"] = max(peaks["resident"], value)
        return value

    monkeypatch.setattr(proc.ShmemWatch, "bytes", timed_bytes)
    monkeypatch.setattr(client, "resident_bytes", resident)
    folder = tmp_path / "student"
    folder.mkdir()
    for path in sorted(SOLUTIONS.glob("ex*.py")):
        shutil.copy(path, folder / path.name)
    report = api.grade_paths(sorted(str(p) for p in folder.glob("ex*.py")), Rubric.load(), sandbox.Limits())
    failed = [f"{r.name}: {r.message}" for r in report.results if not r.passed]
    assert not failed, failed
    assert costs, "the watch never ran"
    print(f"\nShmemWatch.bytes: {len(costs)} polls, median {statistics.median(costs) * 1000:.2f} ms, "
          f"max {max(costs) * 1000:.2f} ms; peaks: resident {peaks['resident'] / 1024**2:.0f} MB, "
          f"outside it {peaks['shmem'] / 1024**2:.1f} MB")
    assert peaks["shmem"] < 64 * 1024**2, peaks
    assert peaks["resident"] + peaks["shmem"] < sandbox.Limits().memory_bytes * 0.75, peaks
    assert statistics.median(costs) < 0.005, costs
