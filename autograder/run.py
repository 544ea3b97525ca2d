"""Run learner code in isolation: one child process per submission file, calls over a pipe.

This is the only stage that touches learner code.  A child imports the submission and answers
``records.Call``s with ``records.Outcome``s encoded by ``wire`` (plain numbers, never pickles).
A call that hangs, eats memory or kills its process becomes an Outcome with a message; the
child (and everything it started, even in new sessions) is killed and a fresh one serves the
next call.  Children are forked from a fork server that has imported TensorFlow once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from dataclasses import dataclass

from autograder import records, wire

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Limits:
    """Resource limits for a submission child; every one can be overridden from the CLI."""

    call_seconds: float = 60.0  # wall clock for one call (training calls included)
    import_seconds: float = 120.0  # starting a child and importing the file (a spawned child imports TensorFlow)
    submission_seconds: float = 600.0  # wall clock for all the calls into one file
    memory_bytes: int = 2 * 1024**3  # resident memory of the child and its descendants
    file_bytes: int = 64 * 1024**2  # largest file (learner stdout included) the child may write
    cpu_seconds: int = 1200

    def as_child_settings(self) -> dict:
        return {"file_bytes": self.file_bytes, "cpu_seconds": self.cpu_seconds}


_server = None


def fork_server():
    """The process-wide fork server, started on first use; None where forking is unavailable."""
    global _server
    if _server is None and hasattr(os, "fork") and not os.environ.get("AUTOGRADER_NO_FORK_SERVER"):
        from autograder.forkserver import ForkServer

        _server = ForkServer()
    return _server


def warm_up() -> None:
    """Start the fork server, and import TensorFlow here in a thread, so the two imports overlap."""
    fork_server()
    import threading

    def import_tensorflow():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow  # noqa: F401 - the oracle needs it; importing early hides the cost

    threading.Thread(target=import_tensorflow, daemon=True).start()


def shut_down() -> None:
    global _server
    if _server is not None:
        _server.close()
        _server = None


# ---------------------------------------------------------------------------------------------
# Process-tree bookkeeping from /proc: finds descendants even after they called setsid().
# ---------------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list:
    """The fields of /proc/PID/stat after the command name (state first); [] if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return []
    # the command name may hold spaces and parentheses: split after the last ')'
    return stat[stat.rfind(b")") + 2:].split()


def _parent_map() -> dict:
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields:
            parents[int(entry)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    if not os.path.isdir("/proc"):
        return []
    children: dict = {}
    for child, parent in _parent_map().items():
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


def _children_activity(pid: int):
    """Page faults and CPU time of the waited-for children of ``pid`` (from /proc/PID/stat)."""
    fields = _stat_fields(pid)
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


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------


class Sandbox:
    """Calls into one submission file, each in a child process that may die without harm.

    ``server``: a ForkServer to fork children from (fast), or None for a fresh interpreter per
    child (slow, but needs nothing).  The default is the process-wide fork server.
    """

    def __init__(self, path: str, module_name: str, limits: Limits = Limits(), server="default"):
        self.path = os.path.abspath(path)
        self.module_name = module_name
        self.limits = limits
        self._server = fork_server() if server == "default" else server
        self._pid = None
        self._popen = None
        self._conn = None
        self._import_failure: records.Outcome | None = None
        self._spent = 0.0
        self.notes: list[str] = []

    # -- life cycle ---------------------------------------------------------------------------

    def _launch(self, child_fd: int) -> None:
        settings = self.limits.as_child_settings()
        if self._server is not None:
            try:
                self._pid = self._server.fork(child_fd, self.path, self.module_name, settings)
                return
            except (RuntimeError, ConnectionError, OSError) as exc:
                self.notes.append(f"fork server unavailable ({exc}); using a fresh process")
                self._server = None
        from autograder.forkserver import _package_root

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_package_root(), env.get("PYTHONPATH")]))
        self._popen = subprocess.Popen(
            [sys.executable, "-m", "autograder.child", str(child_fd), self.path, self.module_name,
             json.dumps(settings)],
            pass_fds=[child_fd], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self._pid = self._popen.pid

    def _start(self) -> records.Outcome:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._launch(theirs.fileno())
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        hello = self._receive("importing the file", self.limits.import_seconds)
        if hello.status == "ok" and isinstance(hello.value, tuple):
            self.notes.extend(note for note in hello.value if isinstance(note, str) and note not in self.notes)
        if hello.status != "ok":
            self._stop()
            message = hello.message
            if hello.status != "import_error":
                message = f"the file could not be imported: {message}"
            self._import_failure = records.Outcome("import_error", message=message)
            return self._import_failure
        return hello

    def _alive(self) -> bool:
        if self._pid is None:
            return False
        if self._popen is not None:
            return self._popen.poll() is None
        fields = _stat_fields(self._pid)
        return bool(fields) and fields[0] not in (b"Z", b"X")

    def _stop(self) -> None:
        pid, conn = self._pid, self._conn
        self._pid = self._conn = None
        if pid is not None:
            kill_tree(pid)
            self._exit_status(pid)  # reap it
        self._popen = None
        if conn is not None:
            conn.close()

    def _exit_status(self, pid: int):
        """The raw wait status of a finished child (None if unknown)."""
        if self._popen is not None:
            try:
                code = self._popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                return None
            return (-code) if code < 0 else (code << 8)
        if self._server is not None:
            try:
                return self._server.exit_status(pid)
            except (ConnectionError, OSError):
                return None
        return None

    def close(self) -> None:
        # No polite "stop" message first: a child that exits on its own hands its descendants to the
        # fork server before kill_tree can find them under it; killing the live tree finds them all.
        self._stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls ----------------------------------------------------------------------------------

    def import_status(self) -> records.Outcome:
        if self._import_failure is not None:
            return self._import_failure
        if self._pid is None:
            return self._start()
        return records.Outcome("ok")

    def call(self, call: records.Call, seconds: float | None = None) -> records.Outcome:
        if self._import_failure is not None:
            return self._import_failure
        if self._spent >= self.limits.submission_seconds:
            return records.Outcome("timeout", message=(
                f"not run: the submission used up its {self.limits.submission_seconds:g} s time budget"))
        if self._pid is None or not self._alive():
            self._stop()
            started = self._start()
            if started.status != "ok":
                return started
        budget = min(seconds or self.limits.call_seconds, self.limits.submission_seconds - self._spent)
        children_before = _children_activity(self._pid) if call.manual else None
        self._conn.send_bytes(wire.dumps(call))
        started = time.perf_counter()
        outcome = self._receive(f"{call.function}()", budget)
        if call.manual and outcome.status == "ok" and self._pid is not None:
            # seen from outside, so the learner's code cannot hide it: a process forked during a
            # manual function could have computed the gradient where the detectors cannot look
            if _children_activity(self._pid) != children_before or descendants(self._pid):
                outcome = dataclasses.replace(outcome, used_autodiff=outcome.used_autodiff + (
                    "it started another process during the call, which could compute the gradient",))
        self._spent += time.perf_counter() - started
        if outcome.status in ("timeout", "crashed", "memory"):
            self._stop()  # the next call gets a fresh child
        return outcome

    def _receive(self, what: str, budget: float) -> records.Outcome:
        deadline = time.monotonic() + budget
        conn = self._conn
        while True:
            try:
                ready = conn.poll(0.05)
            except (OSError, EOFError):
                ready = True
            if ready:
                try:
                    data = conn.recv_bytes(wire.MAX_MESSAGE_BYTES)
                except (EOFError, OSError):
                    return self._death(what)
                try:
                    outcome = wire.loads(data)
                except wire.WireError as exc:
                    return records.Outcome("crashed", message=f"{what}: the child sent an unreadable reply ({exc})")
                if not isinstance(outcome, records.Outcome):
                    return records.Outcome("crashed", message=f"{what}: the child sent an unexpected reply")
                return outcome
            if not self._alive():
                return self._death(what)
            used = resident_bytes([self._pid, *descendants(self._pid)])
            if used > self.limits.memory_bytes:
                return records.Outcome("memory", message=(
                    f"{what} used more than {self.limits.memory_bytes / 1024**3:.1f} GiB of memory and was stopped"))
            if time.monotonic() > deadline:
                return records.Outcome("timeout", message=f"{what} timed out after {budget:.0f} s" + (
                    f" (the {self.limits.submission_seconds:g} s budget for the whole file ran out)"
                    if budget < self.limits.call_seconds and what != "importing the file" else ""))

    def _death(self, what: str) -> records.Outcome:
        pid = self._pid
        kill_tree(pid)
        status = self._exit_status(pid)
        self._pid = None
        if status is None:
            detail = "ended its process"
        elif os.WIFSIGNALED(status):
            detail = f"was killed by signal {signal.Signals(os.WTERMSIG(status)).name}"
        else:
            detail = f"exited the process with status {os.WEXITSTATUS(status)} (sys.exit or os._exit)"
        return records.Outcome("crashed", message=f"{what} {detail}")


class InProcess:
    """The Sandbox interface over functions living in *this* process (a notebook's kernel).

    For nbgrader test cells, which run inside the student's kernel: no isolation is possible
    there, but values still go through the same conversion and wire format as the child's, so
    the checks see exactly what they would see from a sandbox.
    """

    def __init__(self, namespace):
        import types

        from autograder import child

        self._child = child
        if isinstance(namespace, dict):
            module = types.ModuleType("submission")
            module.__dict__.update(namespace)
            namespace = module
        self._module = namespace
        child.install_autodiff_detectors_once()

    def import_status(self) -> records.Outcome:
        return records.Outcome("ok")

    def call(self, call: records.Call, seconds: float | None = None) -> records.Outcome:
        outcome = self._child.run_call(self._module, call)
        return wire.loads(wire.dumps(outcome))  # only plain values, as from a child

    def close(self) -> None:
        pass
