"""A fork server: one process that has imported TensorFlow once and forks a fresh child per file.

Importing TensorFlow costs seconds; forking a process that already has it costs ~0.1 s.  The
server never runs a TensorFlow op (forking after one can deadlock the child) and refuses to
fork if one has run, so the caller falls back to a fresh interpreter.  It is started with
``python -m autograder.sandbox.forkserver FD`` and speaks over a SOCK_SEQPACKET socket: one JSON
request per packet, the session socket passed along as a file descriptor.

The server process imports sandbox.child (which preloads TensorFlow) only inside serve_forever;
the client side needs nothing but sandbox.proc.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from autograder.sandbox import proc
from autograder.sandbox.messages import FORK_REFUSED
from autograder.sandbox.proc import die_with_parent


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


def serve_forever(control: socket.socket) -> None:
    die_with_parent()
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

    statuses: dict = {}

    def reap() -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            statuses[pid] = status

    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(control, 65536, 4)
        except (OSError, ConnectionError):
            return
        if not data:
            return
        request = json.loads(data)
        reap()
        if request["op"] == "fork":
            if tensorflow_has_run_an_op():
                for fd in fds:
                    os.close(fd)
                _reply(control, error=FORK_REFUSED)
                continue
            pid = os.fork()
            if pid == 0:  # the submission child
                die_with_parent()
                control.close()
                code = 0
                try:
                    child.serve_fd(fds[0], request["path"], request["module"], request["settings"])
                except BaseException:  # noqa: BLE001 - never return into the server's loop
                    code = 70
                finally:
                    os._exit(code)
            for fd in fds:
                os.close(fd)
            _reply(control, pid=pid)
        elif request["op"] == "status":
            pid = int(request["pid"])
            if pid not in statuses:
                try:
                    _, status = os.waitpid(pid, 0)
                    statuses[pid] = status
                except ChildProcessError:
                    pass
            status = statuses.pop(pid, None)
            _reply(control, status=status)


# ---------------------------------------------------------------------------------------------
# The client side (trusted)
# ---------------------------------------------------------------------------------------------


def _package_root() -> str:
    """The folder holding the ``autograder`` package (this file is autograder/sandbox/forkserver.py)."""
    return str(Path(__file__).resolve().parent.parent.parent)


class ForkServer:
    """Client for one fork-server process; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = proc.child_environment(os.environ, _package_root())
        # -P and cwd "/": nothing beside a submission or in the caller's folder (a json.py) is importable
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "autograder.sandbox.forkserver", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL, cwd="/",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self._sock = ours

    @property
    def pid(self) -> int:
        return self.process.pid

    def _request(self, fds=(), **message) -> dict:
        with self._lock:
            socket.send_fds(self._sock, [json.dumps(message).encode()], list(fds))
            data = self._sock.recv(65536)
        if not data:
            raise ConnectionError("the fork server has stopped")
        return json.loads(data)

    def fork(self, session_fd: int, path: str, module: str, settings: dict) -> int:
        answer = self._request([session_fd], op="fork", path=path, module=module, settings=settings)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return int(answer["pid"])

    def exit_status(self, pid: int):
        return self._request(op="status", pid=pid).get("status")

    def close(self) -> None:
        try:
            self._sock.close()
        finally:
            proc.kill_tree(self.process.pid)
            self.process.wait(timeout=10)


if __name__ == "__main__":
    serve_forever(socket.socket(fileno=int(sys.argv[1])))
