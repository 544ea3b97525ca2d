"""The trusted side of the sandbox: a child process per submission file, calls over a socket.

This is the only stage that touches learner code.  A child imports the submission and answers
``records.Call``s with ``records.Outcome``s encoded by ``wire`` (plain numbers, never pickles).
A call that hangs, eats memory or kills its process becomes an Outcome with a message; the
child (and everything it started, even in new sessions) is killed and a fresh one serves the
next call.  Children are forked from a fork server that has imported TensorFlow once.  A child
still clean after a file may serve the submission's next one (``Sandbox.switch_to``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from autograder import records
from autograder.sandbox import jail, wire
from autograder.sandbox import messages as said
from autograder.sandbox.proc import (ShmemWatch, Unwatchable, child_environment, children_activity, descendants,
                                     kill_tree, parent_map, resident_bytes, stat_fields)

# For the tests only: "1" runs every child through the jail's user-namespace path (the one an
# unprivileged grader takes) even as root, so that path is exercised on a machine where only root
# can run the kit's Python.  Read when a child starts.  See sandbox.jail.
TEST_USER_NAMESPACE = "AUTOGRADER_TEST_USER_NAMESPACE"
# For the tests only: "1" makes no cgroup for a child, as for an unprivileged grader that has none,
# so the memory watch of that path (sandbox.proc.ShmemWatch) is exercised as root.  Read when a child starts.
TEST_NO_CGROUP = "AUTOGRADER_TEST_NO_CGROUP"
# the tests' way to the fallback of a machine without namespaces (jail._unjailed)
TEST_NO_NAMESPACES = "AUTOGRADER_TEST_NO_NAMESPACES"

# (field, smallest, largest): a limit outside its range is a mistake (a unit slip, a sign), never a wish
_LIMIT_RANGES = (
    ("call_seconds", 0.001, 7 * 24 * 3600.0),
    ("import_seconds", 0.001, 7 * 24 * 3600.0),
    ("submission_seconds", 0.001, 30 * 24 * 3600.0),
    ("memory_bytes", 16 * 1024**2, 1024**4),  # below 16 MB not even the interpreter starts
    ("file_bytes", 1, 1024**4),
    ("cpu_seconds", 1, 30 * 24 * 3600),
)


@dataclass(frozen=True)
class Limits:
    """Resource limits for a submission child; every one can be overridden from the CLI.

    Checked when made: a zero, negative, NaN or absurd limit is a ValueError naming the field."""

    call_seconds: float = 60.0  # wall clock for one call (training calls included)
    import_seconds: float = 120.0  # starting a child and importing the file (a spawned child imports TensorFlow)
    submission_seconds: float = 600.0  # wall clock for all the calls into one file
    memory_bytes: int = 2 * 1024**3  # memory of the child and its descendants (cgroup, or the watch without one)
    file_bytes: int = 64 * 1024**2  # largest file (learner stdout included) the child may write
    cpu_seconds: int = 1200

    def __post_init__(self) -> None:
        for name, smallest, largest in _LIMIT_RANGES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"Limits.{name} must be a number, not {type(value).__name__} {value!r}")
            if name in ("memory_bytes", "file_bytes", "cpu_seconds") and value != int(value):
                raise ValueError(f"Limits.{name} must be a whole number, not {value!r}")
            if not (math.isfinite(value) and smallest <= value <= largest):
                shown = [int(x) if float(x).is_integer() else x for x in (smallest, largest)]
                raise ValueError(f"Limits.{name} must be between {shown[0]} and {shown[1]}, not {value!r}")
            if name in ("memory_bytes", "file_bytes", "cpu_seconds"):
                object.__setattr__(self, name, int(value))  # written to cgroup files and rlimits as whole numbers

    def as_child_settings(self) -> dict:
        return {"file_bytes": int(self.file_bytes), "cpu_seconds": int(self.cpu_seconds)}


_server = None


def fork_server():
    """The process-wide fork server, started on first use; None where forking is unavailable."""
    global _server
    if _server is None and hasattr(os, "fork") and not os.environ.get("AUTOGRADER_NO_FORK_SERVER"):
        from autograder.sandbox.forkserver import ForkServer

        _server = ForkServer()
    return _server


def use_fork_server(path: str) -> None:
    """Make the fork server listening at ``path`` (another process's, e.g. a batch's) this process's."""
    global _server
    from autograder.sandbox.forkserver import ForkServer

    _server = ForkServer.connect(path)


def warm_up() -> None:
    """Start the fork server, and import TensorFlow here in a thread, so the two imports overlap."""
    fork_server()

    def import_tensorflow():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow  # noqa: F401 - the oracle needs it; importing early hides the cost

        _freeze_once()

    threading.Thread(target=import_tensorflow, daemon=True).start()


_frozen = False
_freeze_lock = threading.Lock()


def _freeze_once() -> None:
    """Move what is alive once TensorFlow is imported out of the garbage collector's sight, once.

    TensorFlow's import leaves some 400k long-lived objects; every full collection walks them all
    (0.2-0.3 s each: pytest runs one at the end of every grade, Python more while the checks run).
    Only the first call freezes: later ones would also freeze a grade's leftovers, never to be freed."""
    global _frozen
    import gc

    with _freeze_lock:
        if not _frozen:
            _frozen = True
            gc.freeze()


def shut_down() -> None:
    global _server
    if _server is not None:
        _server.close()
        _server = None


# ---------------------------------------------------------------------------------------------
# The sandbox
# ---------------------------------------------------------------------------------------------


class Sandbox:
    """Calls into one submission file, each in a child process that may die without harm.

    ``server``: a ForkServer to fork children from (fast), or None for a fresh interpreter per
    child (slow, but needs nothing).  The default is the process-wide fork server.
    ``source``: the file's code, when it does not come from ``path`` (a notebook's code cells).

    The trusted side owns each child's resources and removes them once the child is gone: a
    scratch folder with the child's own copy of the file (read here without following symlinks),
    a memory + pids cgroup, and (as root) a uid no other live child has.  See sandbox.jail.
    """

    def __init__(self, path: str, module_name: str, limits: Limits = Limits(), server="default",
                 source: bytes | None = None):
        self.path = os.path.abspath(path)
        self.module_name = module_name
        self.limits = limits
        self._server = fork_server() if server == "default" else server
        self._source = source
        self._pid = None
        self.generation = 0  # how many children this sandbox has started: a new one after a crash
        self._worker = None  # the jailed process (PID 1 of its namespace); self._pid is its relay
        self._in_cgroup = False  # the jailed relay was seen in every one of self._cgroup's groups: they hold the tree
        self._popen = None
        self._sock = None
        self._buffer = b""
        self._scratch = None
        self._cgroup = None
        self._shmem = None  # a ShmemWatch when the child has no memory cgroup, or is not in it
        self._slot = None
        self._import_failure: records.Outcome | None = None
        self._spent = 0.0
        self._uncharged = 0.0  # seconds spent waiting for the fork server, not charged to the file
        self._pending_load = False  # switch_to kept the child: the file is imported into it at first use
        self._previous_module = module_name  # the file the kept child had: removed from its /submission
        self._handed_on = False  # the live child served an earlier file (a crash in it is seen again afresh)
        self._busy = False  # a request sent and its answer not read yet
        self._file_calls: list = []  # (call, seconds) of this file since the live child was handed it
        self.reused: list = []  # (module, "ok" or why not) per file handed to a live child (switch_to)
        self.notes: list[str] = []

    # -- life cycle ---------------------------------------------------------------------------

    def _note(self, text: str | None) -> None:
        if text and text not in self.notes:
            self.notes.append(text)

    def _launch(self, child_fd: int) -> None:
        self.generation += 1
        import autograder

        source = jail.read_submission(self.path, self._source)
        self._scratch = jail.prepare_scratch(self.module_name, source)
        self._cgroup = jail.Cgroup(self.limits.memory_bytes, 256, made=os.environ.get(TEST_NO_CGROUP) != "1")
        self._note(self._cgroup.warning)
        self._slot = jail.UidSlot()
        if os.geteuid() == 0 and self._slot.uid is None:
            raise OSError(said.NO_UID_SLOT)
        # hidden: the whole kit (autograder/, of which the sandbox is a part), so no child can import
        # its checks, oracle or solutions; the child has what it needs before it is jailed
        settings = {**self.limits.as_child_settings(), "scratch": self._scratch, "module": self.module_name,
                    "uid": self._slot.uid, "cgroups": self._cgroup.dirs, "memory_bytes": self.limits.memory_bytes,
                    "processes": 256, "hidden": [os.path.dirname(os.path.abspath(autograder.__file__))],
                    "user_namespace": os.environ.get(TEST_USER_NAMESPACE) == "1",
                    "no_namespaces": os.environ.get(TEST_NO_NAMESPACES) == "1"}
        if self._server is not None:
            try:
                asked = time.perf_counter()
                self._pid = self._server.fork(child_fd, self.path, self.module_name, settings)
                # waiting for the server (its TensorFlow import, the first time) is not the file's cost
                self._uncharged += time.perf_counter() - asked
                self._watch_shmem()
                return
            except (RuntimeError, ConnectionError, OSError) as exc:
                self._note(said.FORK_SERVER_UNAVAILABLE.format(error=exc))
                self._server = None
        from autograder.sandbox.forkserver import _package_root

        env = child_environment(os.environ, _package_root())
        # -P and cwd "/": no module beside the submission or in the caller's folder shadows ours
        self._popen = subprocess.Popen(
            [sys.executable, "-P", "-m", "autograder.sandbox.child", str(child_fd), self.path, self.module_name,
             json.dumps(settings)],
            pass_fds=[child_fd], env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self._pid = self._popen.pid
        self._watch_shmem()

    def _watch_shmem(self) -> None:
        """Without a memory cgroup, what the child holds outside its resident set is counted too."""
        self._shmem = None if self._cgroup.dirs else ShmemWatch(self._pid, jail.WORKDIR)

    def _start(self, budget: float | None = None) -> records.Outcome:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._launch(theirs.fileno())
        except OSError as exc:
            ours.close()
            self._release()
            self._import_failure = records.Outcome("import_error", message=said.FILE_UNREADABLE.format(
                reason=(exc.strerror or exc) if exc.filename or exc.errno else exc))
            return self._import_failure
        finally:
            theirs.close()
        ours.setblocking(False)
        self._sock, self._buffer, self._busy = ours, b"", True
        hello = self._receive(said.IMPORTING, self.limits.import_seconds if budget is None else budget)
        self._busy = False
        jailed = False
        if hello.status == "ok" and isinstance(hello.value, tuple):
            for note in hello.value:
                if isinstance(note, str):
                    self._note(note[:jail.MAX_TEXT])
            jailed = not any(isinstance(n, str) and n.startswith(jail.NOT_JAILED) for n in hello.value)
            if jailed:
                # the hello is sent after the import, so learner code could have written it: "jailed" is
                # believed only when seen from outside.  The relay's only child is the jailed init (only
                # the relay can make children of itself), in a PID namespace of its own, which no code
                # in it can leave (setns and unshare are filtered, and unshare moves only new children)
                kids = [c for c, parent in parent_map().items() if parent == self._pid]
                jailed = len(kids) == 1 and in_other_pid_namespace(kids[0])
                self._worker = kids[0] if jailed else None
                if not jailed:
                    self._note(said.NOT_JAILED_UNCONFIRMED)
        # jailed (no cgroup file system inside) and in every group (memory and pids): then the kernel
        # bounds the whole tree and the group lists it; unjailed, a child could move itself elsewhere
        self._in_cgroup = (hello.status == "ok" and jailed and self._cgroup is not None
                           and self._cgroup.holds(self._pid))
        if hello.status == "ok" and jailed and self._shmem is None and not self._cgroup.in_memory_group(self._pid):
            self._shmem = ShmemWatch(self._pid, jail.WORKDIR)  # a memory group not joined bounds nothing: watch all
        if hello.status != "ok":
            return self._not_imported(hello, budget)
        return hello

    def _not_imported(self, hello: records.Outcome, budget: float | None) -> records.Outcome:
        """The file's import failed (``hello`` says how): the child is stopped, every call gets the reason."""
        self._stop()
        message = hello.message
        if hello.status == "timeout" and budget is not None and budget < self.limits.import_seconds:
            message = said.BUDGET_USED.format(seconds=self.limits.submission_seconds)
            self._import_failure = records.Outcome("timeout", message=message)
            return self._import_failure
        if hello.status != "import_error":
            message = said.NOT_IMPORTED.format(message=message)
        self._import_failure = records.Outcome("import_error", message=message)
        return self._import_failure

    # -- handing the child on to the submission's next file --------------------------------------

    def switch_to(self, path: str, module_name: str, source: bytes | None = None) -> None:
        """Serve another file of the same submission from now on, in the live child if it takes it.

        Starting a child and TensorFlow's first operations in it cost about 0.2 s of CPU per file.
        The child is kept only when it is healthy: alive, jailed and in every one of its groups,
        with no process of its own left and the last file imported; and it takes the new file only
        if nothing the earlier files did is still visible in it (its own test, child.state_changes:
        a file that changed a global setting, rebound a library function, left a thread, a timer or
        a file behind, or kept much memory).  Otherwise it is stopped and the file gets a fresh
        child, exactly as a new sandbox would.  The file's time budget starts again at zero."""
        # idle: no request of the last file still unanswered (a trusted-side error or Ctrl+C mid-call)
        keep = (self._pid is not None and self._import_failure is None and self._in_cgroup and not self._busy
                and not self._buffer and self._worker is not None and self._scratch is not None
                and self._alive() and not self._descendants(self._worker))
        self._previous_module = self.module_name
        self.path, self.module_name, self._source = os.path.abspath(path), module_name, source
        self._import_failure, self._spent, self._uncharged = None, 0.0, 0.0
        self._pending_load = keep
        if not keep:
            self._stop()

    def _load(self) -> records.Outcome:
        """Import the pending file into the live child; a fresh child if this one will not take it."""
        began = time.perf_counter()
        if self._busy:  # a Load interrupted before its answer: nobody knows what the child holds
            self._stop()
            return self._start()
        self._busy = True  # until the child answers: an interrupted Load leaves a child nobody may use
        try:
            source = jail.read_submission(self.path, self._source)
        except OSError as exc:
            self._stop()  # as a fresh child would: no child for a file that cannot be read
            self._import_failure = records.Outcome("import_error", message=said.FILE_UNREADABLE.format(
                reason=(exc.strerror or exc) if exc.filename or exc.errno else exc))
            return self._import_failure
        try:
            jail.replace_submission(self._scratch, self._previous_module, self.module_name, source)
            self._send(wire.dumps(records.Load(self.module_name)), time.monotonic() + self.limits.import_seconds)
            reply = self._receive(said.IMPORTING, self.limits.import_seconds)
        except (OSError, TimeoutError):
            reply = records.Outcome("crashed")
        self._busy = self._pending_load = False
        self.reused.append((self.module_name, reply.status, reply.message if reply.status == "dirty" else ""))
        if reply.status != "ok":
            # not clean (dirty), or the import failed, died, ran out of memory or time: perhaps because
            # of what the earlier files left, so the file is imported again in a child of its own,
            # whose answer is the file's (a broken file costs one more child, never a different
            # grade); the attempt is not the file's doing, so not charged to it
            self._uncharged += time.perf_counter() - began
            self._stop()
            return self._start()
        self._handed_on, self._file_calls = True, []
        return reply

    def _descendants(self, pid: int) -> list[int]:
        """Descendants of ``pid`` (the relay or the jailed init).  Once the relay was seen in the
        child's cgroup, which no process in it can leave (the jail has no cgroup file system), the
        group is the tree: a few small reads instead of a scan of every process on the machine."""
        tree = self._cgroup.tree() if self._in_cgroup else None
        if tree is None or self._pid not in tree:  # no group, a zombie in it, or the relay gone
            return descendants(pid)
        return sorted(tree - {self._pid, pid})

    def _alive(self) -> bool:
        if self._pid is None:
            return False
        if self._popen is not None:
            return self._popen.poll() is None
        fields = stat_fields(self._pid)
        return bool(fields) and fields[0] not in (b"Z", b"X")

    def _stop(self) -> None:
        pid, sock, in_cgroup = self._pid, self._sock, self._in_cgroup
        self._pid = self._sock = self._worker = self._shmem = None
        self._in_cgroup = self._pending_load = self._handed_on = self._busy = False
        self._buffer, self._file_calls = b"", []
        # with the relay in every one of the child's groups the group lists the whole tree; should
        # the group not empty, walk /proc from the relay too (what is left under it; the jailed init's
        # PID namespace ends with it, and _release kills the child's uid)
        if pid is not None and not (in_cgroup and self._cgroup.kill_all()):
            kill_tree(pid)
        self._release()
        if pid is not None:
            self._exit_status(pid)  # reap it
        self._popen = None
        if sock is not None:
            sock.close()

    def _release(self) -> None:
        """Kill whatever is left of the child (its cgroup, its uid), then remove what it owned."""
        cgroup, slot, scratch = self._cgroup, self._slot, self._scratch
        self._cgroup = self._slot = self._scratch = None
        if cgroup is not None:
            cgroup.kill_all()
        if slot is not None:
            # the uid is this child's alone: any process still running with it is one of its own
            jail.kill_uid(slot.uid)
        if cgroup is not None:
            cgroup.remove()
        if slot is not None:
            slot.release()
        jail.remove_scratch(scratch)

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
        # fork server before the stop can find them under it; killing the live tree finds them all.
        self._stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls ----------------------------------------------------------------------------------

    def import_status(self) -> records.Outcome:
        if self._import_failure is not None:
            return self._import_failure
        if self._pid is None or self._pending_load:
            began, uncharged = time.perf_counter(), self._uncharged
            try:
                return self._load() if self._pending_load else self._start()
            finally:
                self._spent += time.perf_counter() - began - (self._uncharged - uncharged)
        return records.Outcome("ok")

    def call(self, call: records.Call, seconds: float | None = None) -> records.Outcome:
        if self._import_failure is not None:
            return self._import_failure
        if self._spent >= self.limits.submission_seconds:
            return records.Outcome("timeout", message=said.BUDGET_USED.format(seconds=self.limits.submission_seconds))
        began, uncharged = time.perf_counter(), self._uncharged
        try:
            if self._pending_load:
                loaded = self._load()
                if loaded.status != "ok":
                    return loaded
            handed_on, earlier_calls, attempt = self._handed_on, list(self._file_calls), time.perf_counter()
            outcome = self._call(call, seconds, began)
            if handed_on and outcome.status in ("crashed", "memory"):
                # the child had served earlier files, whose leftovers may be the cause: the call is
                # seen again in a child of this file's own, after the file's earlier calls (their
                # answers stand), and that answer is the file's; the failed attempt and the replay
                # are not the file's doing, so not charged to it
                for earlier, earlier_seconds in earlier_calls:
                    if self._call(earlier, earlier_seconds, time.perf_counter()).status in ("crashed", "memory"):
                        break
                self._uncharged += time.perf_counter() - attempt
                outcome = self._call(call, seconds, time.perf_counter())
            elif self._handed_on:
                self._file_calls.append((call, seconds))
            return outcome
        finally:
            # everything the file costs counts, restarts after a crash included (not the fork server's start)
            self._spent += time.perf_counter() - began - (self._uncharged - uncharged)

    def _call(self, call: records.Call, seconds: float | None, began: float) -> records.Outcome:
        uncharged = self._uncharged
        if self._busy:  # an earlier request still unanswered (an interrupted call): its answer would come next
            self._stop()
        left = lambda: (self.limits.submission_seconds - self._spent  # noqa: E731
                        - (time.perf_counter() - began - (self._uncharged - uncharged)))
        if self._pid is None or not self._alive():
            first = self._pid is None and self._spent == 0.0
            self._stop()
            started = self._start(None if first else min(self.limits.import_seconds, max(0.0, left())))
            if started.status != "ok":
                return started
        budget = max(0.0, min(seconds or self.limits.call_seconds, left()))
        if budget <= 0.0:  # the (re)start used what was left: say so, not that the child stopped reading
            return records.Outcome("timeout", message=said.BUDGET_USED.format(seconds=self.limits.submission_seconds))
        watched = self._worker or self._pid
        children_before = children_activity(watched) if call.manual else None
        try:
            self._busy = True
            self._send(wire.dumps(call), time.monotonic() + budget)
        except (OSError, TimeoutError):
            self._stop()
            return records.Outcome("crashed", message=said.STOPPED_READING.format(function=call.function))
        outcome = self._receive(f"{call.function}()", budget)
        self._busy = False
        if call.manual and outcome.status == "ok" and self._pid is not None:
            # seen from outside, so the learner's code cannot hide it: a process forked during a
            # manual function could have computed the gradient where the detectors cannot look
            if children_activity(watched) != children_before or self._descendants(watched):
                outcome = dataclasses.replace(outcome, used_autodiff=outcome.used_autodiff + (said.STARTED_A_PROCESS,))
        if outcome.status in ("timeout", "crashed", "memory"):
            self._stop()  # the next call gets a fresh child
        return outcome

    # -- the wire: multiprocessing.connection's framing (4-byte length, or -1 and 8 bytes), every
    # read and write bounded by the call's deadline and every reply by its size

    def _send(self, data: bytes, deadline: float) -> None:
        header = struct.pack("!i", len(data)) if len(data) <= 0x7FFFFFFF else struct.pack("!iQ", -1, len(data))
        view = memoryview(header + data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("send")
            if not select.select([], [self._sock], [], min(remaining, 0.5))[1]:
                continue
            try:
                sent = self._sock.send(view)
            except BlockingIOError:
                continue
            view = view[sent:]

    def _frame(self):
        """A whole reply from the buffer if one is there; raises WireError for an oversized one."""
        if len(self._buffer) < 4:
            return None
        (size,) = struct.unpack("!i", self._buffer[:4])
        start = 4
        if size == -1:
            if len(self._buffer) < 12:
                return None
            (size,) = struct.unpack("!Q", self._buffer[4:12])
            start = 12
        if size < 0 or size > jail.MAX_REPLY_BYTES:
            raise wire.WireError(said.REPLY_TOO_LARGE.format(size=size, mb=jail.MAX_REPLY_BYTES // 1024**2))
        if len(self._buffer) < start + size:
            return None
        data = self._buffer[start:start + size]
        self._buffer = self._buffer[start + size:]
        return data

    def _receive(self, what: str, budget: float) -> records.Outcome:
        deadline = time.monotonic() + budget
        while True:
            try:
                data = self._frame()
            except wire.WireError as exc:
                self._stop()
                return records.Outcome("crashed", message=said.UNREADABLE_REPLY.format(what=what, error=exc))
            if data is not None:
                try:
                    outcome = wire.loads(data)
                except wire.WireError as exc:
                    return records.Outcome("crashed", message=said.UNREADABLE_REPLY.format(what=what, error=exc))
                if not isinstance(outcome, records.Outcome):
                    return records.Outcome("crashed", message=said.UNEXPECTED_REPLY.format(what=what))
                if isinstance(outcome.message, str) and len(outcome.message) > jail.MAX_TEXT:
                    outcome = dataclasses.replace(outcome, message=outcome.message[:jail.MAX_TEXT] + said.CUT)
                return outcome
            ready = select.select([self._sock], [], [], 0.05)[0]
            if ready:
                try:
                    chunk = self._sock.recv(1 << 20)
                except BlockingIOError:
                    chunk = None
                except OSError:
                    chunk = b""
                if chunk == b"":
                    return self._death(what)
                if chunk:
                    self._buffer += chunk
                    continue
            if not self._alive():
                return self._death(what)
            if self._cgroup is not None and self._cgroup.oom_killed():
                return self._memory(what)
            if not self._in_cgroup and self._over_memory():  # in its group, the kernel holds the tree to the limit
                return self._memory(what)
            if time.monotonic() > deadline:
                return records.Outcome("timeout", message=said.TIMED_OUT.format(what=what, seconds=budget) + (
                    said.BUDGET_RAN_OUT.format(seconds=self.limits.submission_seconds)
                    if budget < self.limits.call_seconds and what != said.IMPORTING else ""))

    def _over_memory(self) -> bool:
        """The tree's memory, added up from outside: resident sets, plus (no memory cgroup) the
        scratch tmpfs and shared memory no resident set shows."""
        tree = [self._pid, *self._descendants(self._pid)]
        used = resident_bytes(tree)
        if self._shmem is not None:
            try:
                used += self._shmem.bytes(tree)
            except Unwatchable:  # a process that hides its memory from the watch is stopped as over it
                return True
        return used > self.limits.memory_bytes

    def _memory(self, what: str) -> records.Outcome:
        return records.Outcome("memory", message=said.MEMORY.format(what=what, gib=self.limits.memory_bytes / 1024**3))

    def _death(self, what: str) -> records.Outcome:
        pid = self._pid
        # the relay ends as the jailed process did, a moment after it: wait for that before killing
        waited = time.monotonic() + 1.0
        while self._alive() and time.monotonic() < waited:
            time.sleep(0.01)
        oom = self._cgroup is not None and self._cgroup.oom_killed()
        if not (self._in_cgroup and self._cgroup.kill_all()):  # the group, else the /proc walk (as _stop)
            kill_tree(pid)
        status = self._exit_status(pid)
        self._pid = None
        self._stop()
        if oom:
            return self._memory(what)
        if status is None:
            detail = said.ENDED
        elif os.WIFSIGNALED(status):
            detail = said.KILLED_BY_SIGNAL.format(signal=signal.Signals(os.WTERMSIG(status)).name)
        else:
            detail = said.EXITED.format(status=os.WEXITSTATUS(status))
        return records.Outcome("crashed", message=said.CRASHED.format(what=what, detail=detail))


class _NamespaceView:
    """A notebook's globals seen as a module, without copying them.

    A copy would break the spies (``Call.spy``): train looks ``backprop`` up in the notebook's own
    globals, so the spy must be set there, not on a copy.
    """

    def __init__(self, namespace: dict):
        object.__setattr__(self, "_namespace", namespace)

    def __getattr__(self, name):
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self._namespace[name] = value


def in_other_pid_namespace(pid: int) -> bool:
    """``pid`` is in another PID namespace than this process (False if that cannot be read)."""
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino != os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return False


class InProcess:
    """The Sandbox interface over functions living in *this* process (a notebook's kernel).

    For nbgrader test cells, which run inside the student's kernel: no isolation is possible
    there, but values still go through the same conversion and wire format as the child's, so
    the checks see exactly what they would see from a sandbox.
    """

    def __init__(self, namespace):
        # only the child's conversions and detectors: not its entry point, so the kernel keeps its
        # environment, warnings and threads and does not become a subreaper
        from autograder.sandbox import child

        self._child = child
        if isinstance(namespace, dict):
            namespace = _NamespaceView(namespace)
        self._module = namespace
        child.install_autodiff_detectors_once()

    def import_status(self) -> records.Outcome:
        return records.Outcome("ok")

    def call(self, call: records.Call, seconds: float | None = None) -> records.Outcome:
        outcome = self._child.run_call(self._module, call)
        return wire.loads(wire.dumps(outcome))  # only plain values, as from a child

    def close(self) -> None:
        pass
