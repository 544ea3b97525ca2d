"""The sandbox: the only code that runs learner code, each file in a jailed child process.

Public surface (``from autograder import sandbox``): ``Sandbox`` (calls into one submission file,
each answered by a child that may die without harm), ``Limits`` (its resource limits, checked when
made), ``InProcess`` (the same interface over a notebook kernel's own functions, no isolation),
``warm_up`` / ``shut_down`` / ``fork_server`` / ``use_fork_server`` (the process-wide fork server,
or one a batch's workers share), ``descendants`` and
``resident_bytes`` (what the tests and benchmarks look at from outside).

Imports go one way, from the trusted side down to the operating system (A -> B: A imports B);
nothing here imports the grading modules (checks, oracle, compare), which the child's jail hides
(tests/test_sandbox_client.py holds the code to this graph):

    client      -> forkserver (when the first child starts), child (when an InProcess is made),
                   jail, wire, proc, messages; autograder.records
    forkserver  -> child (only in the server process), proc, messages
    child       -> jail, wire, proc, messages; autograder.records, autograder.messages,
                   autograder.probes (plain modules it needs, imported before the kit is hidden)
    jail        -> seccomp, proc, messages
    seccomp     -> messages
    wire        -> autograder.records
    proc        -> (nothing of the kit)
    messages    -> (nothing)

    proc        processes: the tree under a pid, kill_tree, die_with_parent, subreaper, rlimits,
                the environment of a process that runs learner code
    messages    every text the sandbox shows: templates the tests import
    wire        the framed JSON format that crosses the process boundary
    jail        namespaces, pivot_root, cgroups, uid slots
    seccomp     the system call filter jail installs last (classic BPF through seccomp(2))
    child       the untrusted side: serve_fd (its entry point) jails the process, imports the
                file and answers calls; importing it has no side effect
    forkserver  forks children from a process that preloaded the child's imports (TensorFlow)
    client      Sandbox, Limits, InProcess, warm_up

``python -m autograder.sandbox.forkserver FD [PATH]`` and ``python -m autograder.sandbox.child FD PATH
MODULE SETTINGS`` are the two processes the client starts.  This package's own import pulls in
nothing: the names above are looked up on first use (PEP 562), so the fork server, started
as ``-m autograder.sandbox.forkserver``, holds no trusted-side code a child could use.
"""

import importlib

_PUBLIC = {"InProcess": "client", "Limits": "client", "Sandbox": "client", "TEST_USER_NAMESPACE": "client",
           "TEST_NO_CGROUP": "client",
           "fork_server": "client", "shut_down": "client", "use_fork_server": "client", "warm_up": "client",
           "descendants": "proc", "kill_tree": "proc", "resident_bytes": "proc"}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'autograder.sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"autograder.sandbox.{_PUBLIC[name]}"), name)


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
