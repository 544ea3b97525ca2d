"""Load a submission: find the exercise files under the given paths and turn notebooks into Python.

Nothing here runs learner code; it only reads files.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from autograder.checks import all_exercises


class UsageError(Exception):
    """The paths given to the grader hold nothing it can grade."""


@dataclass(frozen=True)
class Submission:
    exercise: str  # exNN_topic
    source: str  # the file the student handed in (.py or .ipynb)
    python: str  # the file the grader names to the child (the source itself)
    code: str | None = None  # for a notebook, its code cells as Python (the child gets this, not the file)


_MAGIC = re.compile(r"^\s*(%|!)")


MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024


def read_bytes(path: str, limit: int) -> bytes:
    """A submitted file's bytes: never through a symlink, only a regular file, at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "it is a symbolic link, which the grader does not follow") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // 1024**2} MB")
    return data


def _is_kit_test_cell(cell: dict) -> bool:
    """An nbgrader autograder-test cell (graded, not a solution): the course's, not the student's.

    It calls the kit's in-kernel grader (``autograder.notebook.check``), which the sandboxed child
    cannot import (the kit is hidden from it) and which would only grade the same code again.
    """
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return isinstance(nbgrader, dict) and nbgrader.get("grade") is True and not nbgrader.get("solution")


def notebook_code(path: str) -> str:
    """The code cells of a notebook as one Python file; IPython magics and shell escapes are dropped.

    Raises ValueError (with the reason) for anything that is not a readable notebook: not JSON,
    nested too deeply to parse, or JSON of another shape (``[]``, cells that are not objects)."""
    try:
        notebook = json.loads(read_bytes(path, MAX_NOTEBOOK_BYTES).decode("utf-8"))
    except RecursionError:
        raise ValueError("it is nested too deeply to read") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"it is not UTF-8 text ({exc.reason})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells", []), list):
        raise ValueError("it is JSON but not a notebook (no list of cells)")
    chunks = []
    for cell in notebook.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or _is_kit_test_cell(cell):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        elif not isinstance(source, str):
            continue
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
    """``workdir`` is accepted for compatibility and unused: a notebook's code stays in memory
    (the sandbox copies it into the child's private folder), so loading leaves no file behind."""
    exercise = _exercise_of(path)
    if path.suffix == ".ipynb":
        try:
            code = notebook_code(str(path))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            code = f"raise SyntaxError({f'the notebook {path.name} could not be read: {reason}'!r})\n"
        return Submission(exercise, str(path), str(path), code)
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
