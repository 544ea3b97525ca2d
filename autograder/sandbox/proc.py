"""Processes: the tree under a pid (from /proc), killing it whole, dying with a parent, rlimits.

The bottom of the sandbox: nothing here imports numpy, TensorFlow or another module of the kit,
so the fork server, the child (before and after it is jailed) and the trusted side all use it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_PAGE = os.sysconf("SC_PAGE_SIZE")
_libc = ctypes.CDLL(None, use_errno=True)

# The environment of every process that runs learner code (the fork server, and so its children,
# and the spawned fallback): quiet logs, and one thread per pool, so two workers on two cores do
# not thrash.  Given to the process when it starts, so it holds before numpy or TensorFlow is
# imported there (both size their thread pools at import); a value the caller set wins.
CHILD_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "OMP_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


def child_environment(base, package_root: str) -> dict:
    """``base`` (os.environ) with CHILD_ENVIRONMENT's defaults and ``package_root`` first on PYTHONPATH."""
    env = {**CHILD_ENVIRONMENT, **base}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, base.get("PYTHONPATH")]))
    return env


def prctl(option: int, arg: int = 0) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def die_with_parent() -> bool:
    """Ask the kernel to kill this process when its parent dies, so no server or child outlives a grader."""
    try:
        return prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Orphaned descendants (even ones that called setsid) re-parent to us, so they can be found.

    Only the fork server calls this, for itself: a child is PID 1 of its own namespace and reaps
    its orphans anyway, and a notebook kernel (run.InProcess) must not start collecting zombies."""
    try:
        return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0
    except (OSError, AttributeError):
        return False


def set_rlimits(file_bytes: int | None = None, cpu_seconds: int | None = None, processes: int | None = None) -> None:
    """Hard limits for this process and what it starts; a limit the system refuses is skipped.

    The file limit comes with SIGXFSZ ignored, so an over-long write fails (EFBIG, which the child
    reports as too much output) instead of killing the process.  No core files, ever."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for name, value in (("RLIMIT_FSIZE", file_bytes), ("RLIMIT_CPU", cpu_seconds), ("RLIMIT_NPROC", processes),
                        ("RLIMIT_CORE", 0)):
        if value is None or (value == 0 and name != "RLIMIT_CORE"):
            continue
        try:
            resource.setrlimit(getattr(resource, name), (int(value), int(value)))
        except (ValueError, OSError):
            pass


# ---------------------------------------------------------------------------------------------
# Process-tree bookkeeping from /proc: finds descendants even after they called setsid().
# ---------------------------------------------------------------------------------------------


def stat_fields(pid: int) -> list:
    """The fields of /proc/PID/stat after the command name (state first); [] if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return []
    # the command name may hold spaces and parentheses: split after the last ')'
    return stat[stat.rfind(b")") + 2:].split()


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has stopped running: only its parent's wait is left)."""
    fields = stat_fields(pid)
    return bool(fields) and fields[0] not in (b"Z", b"X")


def parent_map() -> dict:
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = stat_fields(int(entry))
        if fields:
            parents[int(entry)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    if not os.path.isdir("/proc"):
        return []
    children: dict = {}
    for child, parent in parent_map().items():
        children.setdefault(parent, []).append(child)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def resident_bytes(pids) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def children_activity(pid: int):
    """Page faults and CPU time of the waited-for children of ``pid`` (from /proc/PID/stat)."""
    fields = stat_fields(pid)
    if not fields:
        return None
    return fields[8], fields[10], fields[13], fields[14]  # cminflt, cmajflt, cutime, cstime


def kill_tree(pid: int) -> None:
    """Freeze, then kill, a process and all its descendants; repeat until none is left."""
    for _ in range(50):
        tree = descendants(pid)
        for target in [pid, *tree]:
            try:
                os.kill(target, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        for target in [pid, *descendants(pid), *tree]:
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if not descendants(pid):
            return
        time.sleep(0.01)


def kill_until_gone(find, seconds: float) -> bool:
    """SIGKILL what ``find()`` lists until it lists nothing (a fork between two looks is caught next
    round); False if processes were still there after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        left = find()
        if not left:
            return True
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
