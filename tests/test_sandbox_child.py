"""sandbox.child has no side effects at import; its entry points (the fork server's preload and
serve_fd) do what a child needs; InProcess leaves a notebook kernel as it was."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from autograder import sandbox
from autograder.records import Call
from autograder.sandbox import proc
from test_isolation import LIMITS

ROOT = str(Path(__file__).resolve().parent.parent)

# run in a fresh interpreter: what this process has imported already must not hide an effect
STATE = """
import ctypes, json, os, sys, warnings
def state():
    flag = ctypes.c_int(-1)
    ctypes.CDLL(None).prctl(37, ctypes.byref(flag), 0, 0, 0)  # 37 = PR_GET_CHILD_SUBREAPER
    return {"subreaper": flag.value, "tensorflow": "tensorflow" in sys.modules,
            "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")},
            "filters": len(warnings.filters)}
"""


def fresh(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                                                           "TF_NUM_INTEROP_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", STATE + textwrap.dedent(code)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def test_importing_the_child_changes_nothing():
    result = fresh("""
        import numpy, autograder.records  # numpy adds warning filters of its own when imported
        before = state()
        import autograder.sandbox.child as child
        after = state()
        print(json.dumps([before == after, after["tensorflow"], child.tf is None]))
    """)
    assert result == "[true, false, true]", result


def test_the_entry_point_preload_does_what_a_child_needs():
    """The control for the test above: preload imports TensorFlow and sets the child's environment."""
    result = fresh("""
        import autograder.sandbox.child as child
        child.preload()
        after = state()
        print(json.dumps([after["tensorflow"], after["env"]["OMP_NUM_THREADS"], child.tf is not None]))
    """)
    assert result == '[true, "1", true]', result


def test_in_process_leaves_the_kernel_as_it_was():
    """The notebook path: the kernel imports TensorFlow itself; InProcess must not make it a subreaper,
    set thread counts in its environment or silence its warnings, and still answer calls."""
    result = fresh("""
        import tensorflow as tf
        before = state()
        from autograder.sandbox import InProcess
        from autograder.records import Call

        def grad_of_square(w0):
            w = tf.Variable(w0)
            with tf.GradientTape() as tape:
                loss = w ** 2
            return tape.gradient(loss, w)

        outcome = InProcess({"grad_of_square": grad_of_square}).call(Call("grad_of_square", (3.0,)))
        after = state()
        print(json.dumps([before == after, after["subreaper"], outcome.status, outcome.value]))
    """)
    assert result == '[true, 0, "ok", 6.0]', result


def test_the_fork_server_starts_with_the_child_environment_and_tensorflow():
    """(That it is a subreaper shows in test_isolation: orphans of a dead child are found under it.)"""
    server = sandbox.fork_server()
    with sandbox.Sandbox(str(Path(ROOT, "solutions", "ex01_tape_basics.py")), "ex01_tape_basics", LIMITS) as box:
        assert box.call(Call("grad_of_square", (3.0,))).status == "ok"
    environ = dict(item.split("=", 1) for item in
                   Path(f"/proc/{server.pid}/environ").read_text().split("\0") if "=" in item)
    for name, value in proc.CHILD_ENVIRONMENT.items():
        assert environ.get(name) == os.environ.get(name, value), name
    # the server's modules: the child's, never the trusted side's (a child inherits all of them)
    maps = Path(f"/proc/{server.pid}/maps").read_text()
    assert "tensorflow" in maps, "the fork server did not preload TensorFlow"


CHECKS_MODULES = '''
import sys


def grad_of_square(w0):
    found = 0.0
    for bit, name in enumerate(("autograder.sandbox.client", "autograder.checks", "autograder.oracle",
                                "autograder.compare", "autograder.grade")):
        if name in sys.modules:
            found += 2 ** bit
        else:
            try:
                __import__(name)
                found += 2 ** (bit + 8)
            except Exception:
                pass
    return found
'''


def test_a_child_has_no_trusted_module_and_cannot_import_one(tmp_path):
    """The fork server holds only what the child needs, and the jail hides the kit's folder."""
    target = tmp_path / "ex01_tape_basics.py"
    target.write_text(CHECKS_MODULES)
    for server in ("default", None):
        with sandbox.Sandbox(str(target), "ex01_tape_basics", LIMITS, server=server) as box:
            outcome = box.call(Call("grad_of_square", (3.0,)))
        assert outcome.status == "ok" and outcome.value == 0.0, (server, outcome)
