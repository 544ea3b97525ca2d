"""sandbox.client's Limits (checked where they enter, the CLI's defaults), and the package's shape:
imports that go one way and never reach the grading modules."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import cli, sandbox
from autograder.records import Call
from autograder.sandbox import messages as said

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograder" / "sandbox"


@pytest.mark.parametrize("field, value", [
    ("call_seconds", 0), ("call_seconds", -1.0), ("call_seconds", math.nan), ("call_seconds", math.inf),
    ("import_seconds", 0.0), ("submission_seconds", -600.0), ("submission_seconds", 1e12),
    ("memory_bytes", 0), ("memory_bytes", -1), ("memory_bytes", 2.0),  # 2.0 bytes: GiB meant, surely
    ("memory_bytes", 2 * 1024**5), ("file_bytes", 0), ("file_bytes", 1.5), ("cpu_seconds", 0),
    ("cpu_seconds", True), ("call_seconds", "60"), ("memory_bytes", None),
])
def test_a_wrong_limit_is_a_value_error_naming_its_field(field, value):
    with pytest.raises(ValueError, match=rf"^Limits\.{field} "):
        sandbox.Limits(**{field: value})


def test_sensible_limits_are_kept_and_whole_numbers_stay_whole():
    limits = sandbox.Limits(call_seconds=0.5, memory_bytes=float(1024**3), file_bytes=1, cpu_seconds=3600)
    assert limits.call_seconds == 0.5 and limits.memory_bytes == 1024**3 and isinstance(limits.memory_bytes, int)
    assert sandbox.Limits() == sandbox.Limits()  # the defaults pass their own checks


def test_the_cli_takes_its_limit_defaults_from_limits():
    args = cli.build_parser().parse_args(["grade", "somewhere.py"])
    limits, default = cli._limits(args), sandbox.Limits()
    assert (limits.call_seconds, limits.submission_seconds, limits.memory_bytes) == \
        (default.call_seconds, default.submission_seconds, default.memory_bytes)


def test_the_cli_names_the_option_of_a_wrong_limit(tmp_path):
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(tmp_path), "--memory-gib", "-2"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "--memory-gib" in out.stderr and "Limits.memory_bytes" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


# Each module of the package and the kit modules it may import: the graph drawn in sandbox/__init__.py.
ALLOWED = {
    "proc": set(),
    "messages": set(),
    "wire": {"records"},
    "seccomp": {"sandbox.messages"},
    "jail": {"sandbox.seccomp", "sandbox.proc", "sandbox.messages"},
    "child": {"sandbox.jail", "sandbox.wire", "sandbox.proc", "sandbox.messages", "records", "messages", "probes"},
    "forkserver": {"sandbox.child", "sandbox.proc", "sandbox.messages"},
    "client": {"sandbox.forkserver", "sandbox.child", "sandbox.jail", "sandbox.wire", "sandbox.proc",
               "sandbox.messages", "records"},
    "__init__": {"sandbox.client", "sandbox.proc"},  # by name, lazily
}


def kit_imports(path: Path) -> set:
    """The kit modules a file imports (anywhere in it, lazy imports included): 'records', 'sandbox.proc'."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "autograder":
            module = node.module.removeprefix("autograder").lstrip(".")
            if module in ("", "sandbox"):  # from autograder(.sandbox) import a, b: a and b are modules
                found |= {f"{module}.{a.name}".lstrip(".") for a in node.names}
            else:
                found.add(module)
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("autograder.") for a in node.names if a.name.startswith("autograder.")}
    return found


def test_the_sandbox_imports_go_one_way():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set(ALLOWED), "a module was added or removed: draw it in sandbox/__init__.py and here"
    for name in modules:
        imported = {i for i in kit_imports(PACKAGE / f"{name}.py") if i != f"sandbox.{name}"}
        if name == "__init__":
            text = (PACKAGE / "__init__.py").read_text()
            imported = {f"sandbox.{m}" for m in ("client", "proc") if f'"{m}"' in text}
        assert imported <= ALLOWED[name], f"sandbox/{name}.py imports {sorted(imported - ALLOWED[name])}"


def test_no_old_module_is_left_and_nothing_imports_one():
    for old in ("run", "child", "jail", "wire", "forkserver"):
        assert not (ROOT / "autograder" / f"{old}.py").exists(), f"autograder/{old}.py is back"
    for path in [*ROOT.glob("autograder/**/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("bench/*.py"),
                 *ROOT.glob("tools/*.py")]:
        for old in ("run", "child", "jail", "wire", "forkserver"):
            assert f"autograder.{old} " not in path.read_text() and f"autograder.{old}\n" not in path.read_text(), path
            assert f"from autograder import {old}\n" not in path.read_text(), path


SLOW_IMPORT_THEN_CRASH = '''
import os
import time

time.sleep(1.0)  # every restart pays this again


def grad_of_square(w0):
    os._exit(3)  # the child dies: the next call needs a new one
'''


def test_restarts_after_a_crash_are_charged_to_the_file_budget(tmp_path):
    """Each call kills its child, each new child spends 1 s importing: with a 3 s budget for the
    file, the calls after the budget is spent are not run, so the file costs about 3 s, not 1 s per call."""
    warm = tmp_path / "warm" / "ex01_tape_basics.py"
    warm.parent.mkdir()
    warm.write_text("def grad_of_square(w0):\n    return 2.0 * w0\n")
    with sandbox.Sandbox(str(warm), "ex01_tape_basics", sandbox.Limits()) as box:  # the fork server is up now
        assert box.call(Call("grad_of_square", (1.0,))).status == "ok"
    target = tmp_path / "ex01_tape_basics.py"
    target.write_text(SLOW_IMPORT_THEN_CRASH)
    limits = sandbox.Limits(call_seconds=30, submission_seconds=3)
    started = time.monotonic()
    with sandbox.Sandbox(str(target), "ex01_tape_basics", limits) as box:
        outcomes = [box.call(Call("grad_of_square", (1.0,))) for _ in range(10)]
    spent = time.monotonic() - started
    assert [o.status for o in outcomes[:2]] == ["crashed", "crashed"], outcomes[:2]
    assert outcomes[-1].message == said.BUDGET_USED.format(seconds=3), [o.message for o in outcomes]
    assert spent < 7, f"10 calls with a restart each took {spent:.1f} s under a 3 s budget"


def test_waiting_for_a_starting_fork_server_is_not_charged_to_the_file(tmp_path):
    """A new fork server imports TensorFlow before its first fork (seconds): the first file's
    budget does not pay for that, only for what the file itself costs."""
    from autograder.sandbox.forkserver import ForkServer

    target = tmp_path / "ex01_tape_basics.py"
    target.write_text("def grad_of_square(w0):\n    return 2.0 * w0\n")
    server = ForkServer()
    try:
        started = time.monotonic()
        with sandbox.Sandbox(str(target), "ex01_tape_basics", sandbox.Limits(submission_seconds=1), server=server) as box:
            outcome = box.call(Call("grad_of_square", (3.0,)))
            spent = box._spent
        waited = time.monotonic() - started
    finally:
        server.close()
    assert waited > 1, "the server was up at once: this test shows nothing on this machine"
    assert outcome.status == "ok" and outcome.value == 6.0, outcome
    assert spent < 1, spent


def test_a_process_is_held_by_its_cgroup_only_once_it_is_in_every_group():
    """The sandbox stops polling memory and stops the tree through the group only when the relay is
    in each of the child's groups: a process in the pids group alone is not bounded in memory."""
    import os
    import signal

    from autograder.sandbox import jail

    group = jail.Cgroup(256 * 1024**2, 16)
    if len(group.dirs) < 2:
        group.remove()
        pytest.skip(f"needs a memory and a pids cgroup of their own (v1) here: {group.warning or group.dirs}")
    folders = list(group.dirs)
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(30)
        finally:
            os._exit(0)
    try:
        assert not group.holds(pid)
        for folder in group.dirs[1:]:  # every group but memory (the first): pids, and cpu where mounted
            jail._write(folder, "cgroup.procs", pid)
        assert pid in group.pids() and not group.holds(pid)
        jail._write(group.dirs[0], "cgroup.procs", pid)
        assert group.holds(pid)
        assert group.kill_all(seconds=5) and group.pids() == []
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        group.remove()
    assert not any(os.path.exists(folder) for folder in folders)


FORGED_HELLO = """
import sys

# the child's serve loop sends its warnings as its first answer, after this import: remove them all,
# "not in its own namespaces" included, so that the answer says the child is jailed
frame = sys._getframe()
while frame is not None and "warnings_" not in frame.f_locals:
    frame = frame.f_back
if frame is not None:
    frame.f_locals["warnings_"].clear()


def grad_of_square(x):
    return 2.0 * x
"""


@pytest.mark.parametrize("forged", [False, True])
def test_a_child_outside_namespaces_is_not_believed_when_it_says_it_is_jailed(tmp_path, monkeypatch, forged):
    # the fallback of a machine without namespaces: the child's process is in the grader's PID namespace
    monkeypatch.setenv("AUTOGRADER_TEST_NO_NAMESPACES", "1")
    path = tmp_path / "ex01_tape_basics.py"
    path.write_text(FORGED_HELLO if forged else "def grad_of_square(x):\n    return 2.0 * x\n")
    with sandbox.Sandbox(str(path), "ex01_tape_basics", sandbox.Limits(call_seconds=20)) as box:
        assert box.import_status().status == "ok"
        assert box.call(Call("grad_of_square", (3.0,))).value == 6.0
        notes = list(box.notes)
        assert box._worker is None and not box._in_cgroup  # the process tree is watched as unjailed
    assert any(note.startswith(said.NOT_JAILED) for note in notes), notes
    assert (said.NOT_JAILED_UNCONFIRMED in notes) == forged, notes
