"""A fork server: one process that has imported TensorFlow once and forks a fresh child per file.

Importing TensorFlow costs seconds; forking a process that already has it costs ~0.1 s.  The
server never runs a TensorFlow op (forking after one can deadlock the child) and refuses to
fork if one has run, so the caller falls back to a fresh interpreter.  It is started with
``python -m autograder.sandbox.forkserver FD`` and speaks over a SOCK_SEQPACKET socket: one JSON
request per packet, the session socket passed along as a file descriptor.

One server can serve several grading processes (a batch's workers): started with ``listen=PATH``
it also accepts connections on a SOCK_SEQPACKET socket at PATH (in a folder only the grader can
enter), each connection a client of its own, answered in turn.  A batch then imports TensorFlow
for learner code once, not once per worker.

The server process imports sandbox.child (which preloads TensorFlow) only inside serve_forever;
the client side needs nothing but sandbox.proc.
"""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograder.sandbox import proc
from autograder.sandbox.messages import FORK_REFUSED
from autograder.sandbox.proc import die_with_parent

REPLY_SECONDS = 300.0  # the longest a client waits for an answer (the server's TensorFlow import, on a busy machine)


def tensorflow_has_run_an_op() -> bool:
    """True once TensorFlow's eager context exists, i.e. once any op has run in this process."""
    try:
        from tensorflow.python.eager import context
    except ImportError:
        return False
    ctx = context.context_safe()
    return ctx is not None and getattr(ctx, "_context_handle", None) is not None


# ---------------------------------------------------------------------------------------------
# The server side
# ---------------------------------------------------------------------------------------------


def _reply(sock, **message) -> None:
    sock.send(json.dumps(message).encode())


def serve_forever(control: socket.socket, listen: str | None = None) -> None:
    die_with_parent()
    # listening before TensorFlow is imported: a worker may connect now and wait for its first answer
    listener = _listen(listen) if listen else None
    from autograder.sandbox import child

    child.preload()  # imports TensorFlow, runs no op: every child forked from here has it
    # TensorFlow's import leaves some 400k long-lived objects: frozen, they are no longer walked by
    # every full collection in every child (about 0.2 s each during a training run) and their pages
    # stay shared with the children (a collection writes to every object it visits)
    import gc

    gc.collect()
    gc.freeze()
    # a child that dies leaves its orphans here (where no namespace or cgroup holds them)
    proc.become_subreaper()

    state = _State()
    clients = [control]
    while True:
        waiting = clients + ([listener] if listener is not None else [])
        for sock in select.select(waiting, [], [])[0]:
            if sock is listener:
                _accept(listener, clients)
            elif not _turn(sock, waiting, state, child):
                if sock is control:  # the grader that started this server is gone
                    return
                # a client gone (a worker that died, even mid-request) takes its children with it;
                # the server and every other client's children carry on
                clients.remove(sock)
                sock.close()
                state.hung_up(sock)


class _State:
    """Which client asked for which child, and the exit statuses not yet asked for.

    A child is only ever reaped here; until its status is asked for (or its client hangs up) its pid
    cannot be reused, so killing it never hits another process."""

    def __init__(self) -> None:
        self.owner: dict = {}  # pid -> the client socket that asked for it
        self.statuses: dict = {}  # pid -> wait status, for children reaped but not yet asked about

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.owner:  # orphans re-parented here are reaped and forgotten
                self.statuses[pid] = status

    def hung_up(self, sock) -> None:
        self.reap()
        for pid in [p for p, owner in self.owner.items() if owner is sock]:
            if pid not in self.statuses:
                proc.kill_tree(pid)  # not reaped yet: still ours, so the pid is still this child's
            self.owner.pop(pid)
            self.statuses.pop(pid, None)
        self.reap()


def _turn(sock, server_sockets: list, state: _State, child) -> bool:
    """Answer one request from ``sock``; False when the client is gone or sent what no client sends."""
    try:
        data, fds, _flags, _addr = socket.recv_fds(sock, 65536, 4)
    except (OSError, ConnectionError):
        return False
    if not data:
        return False
    try:
        _answer(sock, json.loads(data), fds, server_sockets, state, child)
    except Exception:  # noqa: BLE001 - a broken request or a reader gone: that client only
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass
        return False
    return True


def _listen(path: str) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.path.exists(path):  # left by a server of this folder that died: the folder is the grader's own
        os.unlink(path)
    listener.bind(path)
    listener.listen(64)
    return listener


def _accept(listener: socket.socket, clients: list) -> None:
    try:
        sock, _ = listener.accept()
    except OSError:
        return
    # only the grader's own uid may ask for children (the folder already keeps others out)
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    if uid != os.getuid():
        sock.close()
        return
    clients.append(sock)


def _answer(sock, request: dict, fds, server_sockets: list, state: _State, child) -> None:
    state.reap()
    if request["op"] == "fork":
        if tensorflow_has_run_an_op():
            for fd in fds:
                os.close(fd)
            _reply(sock, error=FORK_REFUSED)
            return
        pid = os.fork()
        if pid == 0:  # the submission child
            die_with_parent()
            for other in server_sockets:  # the child holds none of the server's sockets
                other.close()
            code = 0
            try:
                child.serve_fd(fds[0], request["path"], request["module"], request["settings"])
            except BaseException:  # noqa: BLE001 - never return into the server's loop
                code = 70
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        state.owner[pid] = sock
        _reply(sock, pid=pid)
    elif request["op"] == "status":
        # never blocks: one child slow to exit must not stall every other client's forks
        pid = int(request["pid"])
        if pid in state.owner and pid not in state.statuses:
            _reply(sock, pending=True)
            return
        state.owner.pop(pid, None)
        _reply(sock, status=state.statuses.pop(pid, None))


# ---------------------------------------------------------------------------------------------
# The client side (trusted)
# ---------------------------------------------------------------------------------------------


def _package_root() -> str:
    """The folder holding the ``autograder`` package (this file is autograder/sandbox/forkserver.py)."""
    return str(Path(__file__).resolve().parent.parent.parent)


class ForkServer:
    """Client for one fork-server process; thread-safe.

    ``ForkServer()`` starts a server (it dies with this process); ``listen=PATH`` lets other
    processes of this uid use it too, through ``ForkServer.connect(PATH)``."""

    def __init__(self, listen: str | None = None) -> None:
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = proc.child_environment(os.environ, _package_root())
        # -P and cwd "/": nothing beside a submission or in the caller's folder (a json.py) is importable
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "autograder.sandbox.forkserver", str(theirs.fileno()), *([listen] if listen else [])],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL, cwd="/",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self._sock = ours
        self._pid = self.process.pid

    @classmethod
    def connect(cls, path: str, seconds: float = 60.0) -> "ForkServer":
        """A client of the server listening at ``path`` (started by another process, which owns it).

        The server listens a moment after it starts: until then, and for at most ``seconds``, retry."""
        client = cls.__new__(cls)
        client._lock = threading.Lock()
        client.process = None
        deadline = time.monotonic() + seconds
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        pid, _uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
        client._sock, client._pid = sock, pid
        return client

    @property
    def pid(self) -> int:
        return self._pid

    def _request(self, fds=(), **message) -> dict:
        with self._lock:
            if self._sock is None:
                raise ConnectionError("the fork server did not answer in time; it is no longer used")
            try:
                # the first fork waits for the server's TensorFlow import; nothing else takes long
                self._sock.settimeout(REPLY_SECONDS)
                socket.send_fds(self._sock, [json.dumps(message).encode()], list(fds))
                data = self._sock.recv(65536)
            except socket.timeout:
                self._sock.close()  # a late answer would pair with the next request
                self._sock = None
                raise ConnectionError("the fork server did not answer in time") from None
        if not data:
            raise ConnectionError("the fork server has stopped")
        return json.loads(data)

    def fork(self, session_fd: int, path: str, module: str, settings: dict) -> int:
        answer = self._request([session_fd], op="fork", path=path, module=module, settings=settings)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return int(answer["pid"])

    def exit_status(self, pid: int, seconds: float = 10.0):
        """The raw wait status of a child that has been killed (None if unknown after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while True:
            answer = self._request(op="status", pid=pid)
            if not answer.get("pending") or time.monotonic() > deadline:
                return answer.get("status")
            time.sleep(0.005)

    def close(self) -> None:
        try:
            if self._sock is not None:
                self._sock.close()
        finally:
            if self.process is not None:  # a connected client leaves the server to its owner
                proc.kill_tree(self.process.pid)
                self.process.wait(timeout=10)


if __name__ == "__main__":
    serve_forever(socket.socket(fileno=int(sys.argv[1])), sys.argv[2] if len(sys.argv) > 2 else None)
