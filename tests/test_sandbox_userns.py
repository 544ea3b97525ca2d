"""The jail's user-namespace path (the one an unprivileged grader takes), run here as root.

AUTOGRADER_TEST_USER_NAMESPACE=1 makes the child unshare a user namespace of the grader's own uid
instead of switching to a slot uid (sandbox.jail).  First a probe proves the path is really taken
(an own user namespace mapping only uid 0, no capabilities left, no_new_privs), then a
representative set of hostile files is graded through it and must be contained exactly as in
test_isolation.py.  cgroups still apply here (the grader is root): the memory watch of a grader
without them is in test_sandbox_nocgroup.py (AUTOGRADER_TEST_NO_CGROUP=1), and the real
unprivileged run, RLIMIT_NPROC included, in test_unprivileged.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.records import Call
from autograder.sandbox import messages as said
from test_isolation import LIMITS, assert_contained

HOSTILE = Path(__file__).parent / "hostile"
# signal the parent and everyone, escape with CLONE_PARENT, outlive the child, write to the kit,
# read a classmate's file and the kit, reach the network, flood and fork-bomb the process table,
# exhaust resident and unaccounted (memfd) memory, make the system calls the seccomp filter refuses
REPRESENTATIVE = ["kills_everyone", "clone_parent_escape", "daemon_outlives", "writes_everywhere",
                  "reads_other_files", "network_probe", "process_flood", "fork_bomb", "memory_bomb", "memfd_bomb",
                  "seccomp_escape"]

PROBE = '''
import os


def grad_of_square(w0):
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    uid_map = [float(n) for n in open("/proc/self/uid_map").read().split()]
    return (*uid_map, float(int(status["CapEff"], 16)), float(int(status["CapBnd"], 16)),
            float(status["NoNewPrivs"]), float(os.stat("/proc/self/ns/user").st_ino), float(os.getpid()),
            float(os.getuid()), float(status["Seccomp"]))
'''


@pytest.fixture
def user_namespace(monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("as an unprivileged user every child takes this path anyway")
    monkeypatch.setenv(sandbox.TEST_USER_NAMESPACE, "1")


def probe(tmp_path: Path):
    target = tmp_path / "ex01_tape_basics.py"
    target.write_text(PROBE)
    with sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS) as box:
        outcome = box.call(Call("grad_of_square", (1.0,)))
        notes = list(box.notes)
    assert outcome.status == "ok", outcome
    return outcome.value, notes


def test_the_probe_sees_the_root_path_without_the_setting(tmp_path, monkeypatch):
    """The probe can tell the two paths apart: as root, by default, the child has a slot uid in the machine's user namespace."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    monkeypatch.delenv(sandbox.TEST_USER_NAMESPACE, raising=False)
    value, notes = probe(tmp_path)
    *uid_map, _cap_eff, _cap_bnd, no_new_privs, user_ns, _pid, uid, seccomp = value
    assert uid_map != [0.0, 0.0, 1.0]  # the machine's own map: every uid
    assert user_ns == os.stat("/proc/self/ns/user").st_ino
    assert uid >= 1_200_000  # jail.UID_BASE: a slot uid
    assert no_new_privs == 1
    assert seccomp == 2, "the child runs under a seccomp filter"
    assert not any(note.startswith(said.NOT_FILTERED) for note in notes), notes


def test_the_user_namespace_path_is_taken(tmp_path, user_namespace):
    value, notes = probe(tmp_path)
    *uid_map, cap_eff, cap_bnd, no_new_privs, user_ns, pid, uid, seccomp = value
    assert uid_map == [0.0, 0.0, 1.0], "the child's user namespace maps only the grader's uid, to itself"
    assert user_ns != os.stat("/proc/self/ns/user").st_ino, "the child is in a user namespace of its own"
    assert cap_eff == 0 and cap_bnd == 0, "the capabilities the namespace gave were dropped for good"
    assert no_new_privs == 1
    assert pid == 1, "the submission is PID 1 of its own PID namespace"
    assert uid == 0
    assert seccomp == 2, "the child runs under a seccomp filter (mode 2: filter)"
    assert not any(note.startswith(said.NOT_JAILED) for note in notes), notes
    assert not any(note.startswith(said.NOT_FILTERED) for note in notes), notes


def test_the_pids_limit_holds_in_the_user_namespace(tmp_path, user_namespace):
    """A fork bomb is refused forks by the child's pids cgroup (its ``max`` event count, read from
    outside, rises) and never has more processes there than the limit."""
    import threading

    target = tmp_path / "ex01_tape_basics.py"
    shutil.copy(HOSTILE / "fork_bomb.py", target)
    with sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS) as box:
        assert box.import_status().status == "ok"
        cgroup = box._cgroup
        pids = [d for d in cgroup.dirs if os.path.exists(os.path.join(d, "pids.max"))]
        assert pids, cgroup.warning or cgroup.dirs
        seen = {"refused": 0, "most": 0}
        done = threading.Event()

        def watch():  # until the sandbox removes the group (the child may die of the bomb)
            while not done.is_set():
                try:
                    events = Path(pids[0], "pids.events").read_text().split()
                    seen["refused"] = max(seen["refused"], int(events[events.index("max") + 1]))
                    seen["most"] = max(seen["most"], int(Path(pids[0], "pids.current").read_text()))
                except (OSError, ValueError):
                    return

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            box.call(Call("grad_of_square", (3.0,)))
        finally:
            done.set()
            watcher.join()
    assert seen["refused"] > 0, f"the pids cgroup never refused a fork ({seen})"
    assert seen["most"] <= 256, seen


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_hostile_file_is_contained_in_the_user_namespace(name, tmp_path, monkeypatch, user_namespace):
    assert_contained(HOSTILE / f"{name}.py", tmp_path, monkeypatch)
