"""Turns the reference solutions into student stubs: each marked solution region becomes a raise."""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
# The first lines of every stub.  Students are told to edit this file, so the header says that to
# them first; the maintainers' rule (change solutions/, then regenerate) comes second, in words a
# student cannot read as "do not touch this file".
HEADER = ("# Your exercise file: replace each `raise NotImplementedError(...)` below with your code.\n"
          "# The contract (names, arguments, shapes, formulas) is README.md in this folder.\n"
          "# (For the kit's maintainers: this file is made from solutions/ by `autograder stubs`;\n"
          "# change the solution and rerun `autograder stubs` rather than editing the copy here.)\n")
# Headers written by earlier versions: a stub that starts with one of these was generated too,
# so `generate` may still remove it when its solution is gone.
OLD_HEADERS = ("# GENERATED from solutions/ by autograder.stubs: do not edit by hand "
               "(edit the solution, then regenerate the stubs).\n",)
PATTERN = "ex[0-9][0-9]_*.py"
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def make_stub(source: str) -> str:
    """The stub of a solution file: every BEGIN/END SOLUTION region becomes
    `raise NotImplementedError("<function>: not implemented yet")` at the marker's indentation."""
    out = [HEADER]
    defs: list[tuple[int, str]] = []     # enclosing defs of the current line: (indent, name)
    inside = None                        # line number of the open BEGIN marker, if any
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if inside is not None:
            if stripped == END:
                inside = None
            elif stripped == BEGIN:
                raise ValueError(f"line {number}: {BEGIN} inside the region opened on line {inside}")
            continue
        if stripped == END:
            raise ValueError(f"line {number}: {END} without a {BEGIN}")
        if stripped and not stripped.startswith("#"):
            depth = _indent(line)
            while defs and defs[-1][0] >= depth:
                defs.pop()
            match = _DEF.match(line)
            if match:
                defs.append((len(match.group(1)), match.group(2)))
        if stripped == BEGIN:
            depth = _indent(line)
            while defs and defs[-1][0] >= depth:
                defs.pop()
            if not defs:
                raise ValueError(f"line {number}: {BEGIN} outside any function")
            inside = number
            out.append(f'{line[:depth]}raise NotImplementedError("{defs[-1][1]}: not implemented yet")\n')
            continue
        out.append(line)
    if inside is not None:
        raise ValueError(f"line {inside}: {BEGIN} is never closed by {END}")
    return "".join(out)


def _sources(folder: Path) -> dict[str, Path]:
    return {path.name: path for path in sorted(Path(folder).glob(PATTERN))}


def generate(solutions_dir, exercises_dir) -> list[Path]:
    """Write the stub of every solutions/exNN_*.py into exercises_dir; return the written paths.

    Stubs whose solution is gone are removed, but only files carrying the generated header."""
    exercises_dir = Path(exercises_dir)
    exercises_dir.mkdir(parents=True, exist_ok=True)
    solutions = _sources(Path(solutions_dir))
    written = []
    for name, path in solutions.items():
        target = exercises_dir / name
        target.write_text(make_stub(path.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    for name, path in _sources(exercises_dir).items():
        if name not in solutions and path.read_text(encoding="utf-8").startswith((HEADER, *OLD_HEADERS)):
            path.unlink()
    return written


def stale(solutions_dir, exercises_dir) -> list[str]:
    """File names in exercises_dir that are missing, differ from their solution's stub, or are extra."""
    solutions = _sources(Path(solutions_dir))
    exercises = _sources(Path(exercises_dir))
    out = []
    for name in sorted(set(solutions) | set(exercises)):
        if name not in solutions or name not in exercises:
            out.append(name)
        elif exercises[name].read_text(encoding="utf-8") != make_stub(
                solutions[name].read_text(encoding="utf-8")):
            out.append(name)
    return out
