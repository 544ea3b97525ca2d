"""Load a submission: find the exercise files under the given paths and turn notebooks into Python.

Nothing here runs learner code; it only reads files.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.checks import all_exercises


class UsageError(Exception):
    """The paths given to the grader hold nothing it can grade."""


@dataclass(frozen=True)
class Submission:
    exercise: str  # exNN_topic
    source: str  # the file the student handed in (.py or .ipynb)
    python: str  # the Python file the child imports (the source, or code extracted from a notebook)


_MAGIC = re.compile(r"^\s*(%|!)")


def notebook_code(path: str) -> str:
    """The code cells of a notebook as one Python file; IPython magics and shell escapes are dropped."""
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    chunks = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        lines = []
        for line in source.splitlines():
            # a magic or escape line is commented out (kept as a comment, so line numbers hold)
            lines.append(f"# (not run) {line}" if _MAGIC.match(line) else line)
        chunks.append("\n".join(lines))
    return "\n\n# %%\n".join(chunks) + "\n"


def _exercise_of(path: Path) -> str | None:
    known = all_exercises()
    if path.suffix in (".py", ".ipynb") and path.stem in known:
        return path.stem
    return None


def find(paths) -> list[Path]:
    """The exercise files named by ``paths`` (files, or directories searched one level deep)."""
    found = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or directory")
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if p.is_file() and _exercise_of(p))
            if not matches:
                names = ", ".join(f"{name}.py" for name in all_exercises())
                raise UsageError(f"{raw}: no exercise file in this directory (expected any of: {names})")
            found.extend(matches)
        elif _exercise_of(path):
            found.append(path)
        else:
            raise UsageError(f"{raw}: not an exercise file: the name must be one of "
                             f"{', '.join(all_exercises())} with .py or .ipynb")
    return found


def load(path: Path, workdir: str | None = None) -> Submission:
    exercise = _exercise_of(path)
    if path.suffix == ".ipynb":
        workdir = workdir or tempfile.mkdtemp(prefix="autograder-nb-")
        target = os.path.join(workdir, f"{exercise}.py")
        try:
            code = notebook_code(str(path))
        except (OSError, ValueError) as exc:
            code = f"raise SyntaxError({f'the notebook {path.name} could not be read: {exc}'!r})\n"
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(code)
        return Submission(exercise, str(path), target)
    return Submission(exercise, str(path), str(path))


def load_all(paths) -> list[Submission]:
    """Every exercise file under ``paths``; when both .py and .ipynb exist for one exercise, the .py wins."""
    chosen: dict = {}
    for path in find(paths):
        exercise = _exercise_of(path)
        if exercise in chosen:
            other = chosen[exercise]
            if other.parent != path.parent:
                raise UsageError(f"two files for {exercise}: {other} and {path}; one submission at a time "
                                 "(use `autograder batch` for a class)")
            if path.suffix == ".ipynb":
                continue
        chosen[exercise] = path
    return [load(path) for _, path in sorted(chosen.items())]
