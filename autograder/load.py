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


# How browsers and LMSs rename a download that already exists: "ex04_manual_backprop (1).py",
# "ex04_manual_backprop-2.py".  Jupyter's "ex04_manual_backprop-checkpoint.ipynb" is not one of them.
_UPLOAD_SUFFIX = re.compile(r"(?: ?\(\d{1,3}\)|-\d{1,3})$")

# Folders that never hold the student's work: editor and OS droppings, caches, Jupyter checkpoints.
_SKIPPED_FOLDERS = {"__MACOSX", "__pycache__", "node_modules"}
MAX_DEPTH = 12  # a student's tree deeper than this is not searched further (a link farm, a bomb)
MAX_ENTRIES = 20_000  # directory entries looked at per folder given


def exercise_of_name(name: str) -> str | None:
    """The exercise a file name is for (``exNN_topic.py``/``.ipynb``, upload suffix allowed), or None."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix}" not in (".py", ".ipynb"):
        return None
    known = all_exercises()
    if stem in known:
        return stem
    base = _UPLOAD_SUFFIX.sub("", stem)
    return base if base != stem and base in known else None


def is_upload_copy(name: str) -> bool:
    """True when the name only matches an exercise after removing an upload suffix."""
    exercise = exercise_of_name(name)
    return exercise is not None and name.rpartition(".")[0] != exercise


def _exercise_of(path: Path) -> str | None:
    return exercise_of_name(Path(path).name)


def _preference(relative: str):
    """Which of several files for one exercise in one submission is graded: the exact name before
    an upload copy, the shallowest, a .py before a notebook, then by name (so the choice is stable)."""
    name = relative.rsplit("/", 1)[-1]
    return (is_upload_copy(name), relative.count("/"), name.endswith(".ipynb"), relative)


def choose(relatives) -> tuple[dict, list[str]]:
    """``relatives``: the exercise files of one submission, as paths relative to it ("a/b/ex01.py").

    Returns {exercise: the one to grade} and notes saying, for the instructor, which file was
    graded when its name or place was not the plain one and which files were left out."""
    candidates: dict = {}
    for relative in relatives:
        exercise = exercise_of_name(relative.rsplit("/", 1)[-1])
        if exercise:
            candidates.setdefault(exercise, []).append(relative)
    chosen, notes = {}, []
    for exercise in sorted(candidates):
        ranked = sorted(candidates[exercise], key=_preference)
        best = chosen[exercise] = ranked[0]
        name = best.rsplit("/", 1)[-1]
        if is_upload_copy(name) or "/" in best:
            how = " and ".join(part for part in (
                f"under the upload name {name!r}" if is_upload_copy(name) else "",
                f"found in the subfolder {best.rsplit('/', 1)[0]}/" if "/" in best else "") if part)
            notes.append(f"{exercise}: graded {best} ({how})")
        if len(ranked) > 1:
            notes.append(f"{exercise}: graded {best}; not graded: {', '.join(ranked[1:])}")
    return chosen, notes


def walk(folder: Path) -> list[str]:
    """Every file under ``folder``, at any depth, as a relative POSIX path.

    Hidden folders (``.ipynb_checkpoints``, ``.git``) and junk folders are skipped, symlinked folders
    are not entered (a link could lead anywhere on the grader's machine), and the search is bounded.
    A symlinked *file* is listed: reading it is refused later, which gives that exercise a zero with
    the reason instead of silently ignoring it."""
    found, seen = [], 0
    stack = [(Path(folder), "")]
    while stack:
        current, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                return sorted(found)
            relative = f"{prefix}{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    if (not entry.name.startswith(".") and entry.name not in _SKIPPED_FOLDERS
                            and prefix.count("/") < MAX_DEPTH):
                        stack.append((Path(entry.path), relative + "/"))
                elif entry.is_file(follow_symlinks=False) or (entry.is_symlink() and not entry.is_dir()):
                    found.append(relative)
            except OSError:
                continue
    return sorted(found)


def _found(paths) -> list[tuple[int, Path]]:
    """(index of the path given, file) for every exercise file named by ``paths``; a folder's files
    are searched at any depth and, where one exercise has several, the preferred one is kept."""
    found = []
    for index, raw in enumerate(paths):
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{raw}: no such file or directory")
        if path.is_dir():
            chosen, _notes = choose(walk(path))
            if not chosen:
                names = ", ".join(f"{name}.py" for name in all_exercises())
                raise UsageError(f"{raw}: no exercise file in this directory or below it (expected any of: {names})")
            found.extend((index, path / relative) for relative in sorted(chosen.values()))
        elif _exercise_of(path):
            found.append((index, path))
        else:
            raise UsageError(f"{raw}: not an exercise file: the name must be one of "
                             f"{', '.join(all_exercises())} with .py or .ipynb")
    return found


def find(paths) -> list[Path]:
    """The exercise files named by ``paths`` (files, or folders searched at any depth)."""
    return [path for _index, path in _found(paths)]


def discovery_notes(paths) -> list[str]:
    """What ``find`` chose in each folder of ``paths`` that a reader should know (upload names,
    subfolders, files left out), for a report."""
    notes = []
    for raw in paths:
        if Path(raw).is_dir():
            notes.extend(choose(walk(Path(raw)))[1])
    return notes


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
    """Every exercise file under ``paths``; within one folder the preferred file per exercise wins
    (see ``choose``); the same exercise from two different paths given is a usage error."""
    chosen: dict = {}
    for index, path in _found(paths):
        exercise = _exercise_of(path)
        if exercise in chosen:
            other_index, other = chosen[exercise]
            if other_index != index and other.parent != path.parent:
                raise UsageError(f"two files for {exercise}: {other} and {path}; one submission at a time "
                                 "(use `autograder batch` for a class)")
            if _preference(path.name) > _preference(other.name):
                continue
        chosen[exercise] = (index, path)
    return [load(path) for _, (_index, path) in sorted(chosen.items())]
