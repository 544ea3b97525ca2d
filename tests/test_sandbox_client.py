"""sandbox.client's Limits (checked where they enter, the CLI's defaults), and the package's shape:
imports that go one way and never reach the grading modules."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import cli, sandbox

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
