"""The student's two packaging commands: ``autograder init`` (the stubs) and ``autograder submit`` (the zip).

``init DIR`` copies the exercise stubs and their contract (README.md) out of the installed package,
so ``pip install`` of the kit is all a student needs and ``solutions/`` is never handed out.

``submit [PATH] --out submission.zip`` packs the student's exercise files after checking them:
every exercise of the assignment present, each importing cleanly in a sandbox child, and the
self-check score.  The zip carries a manifest (``MANIFEST``) with each file's SHA-256 and that
score, so when ``autograder batch`` grades the zip the instructor sees whether a file changed after
the self-check (``manifest_notes``).  The manifest is information, never trusted for a grade: the
batch grades the files themselves, and a student can forge a manifest as easily as a file.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import time
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

MANIFEST = "backprop-kit-manifest.json"
MAX_MANIFEST_BYTES = 1024 * 1024


class SubmitError(Exception):
    """The submission cannot be packed as it is (missing or broken files); the message says which."""


# ---------------------------------------------------------------------------------------------
# init
# ---------------------------------------------------------------------------------------------


def stubs_folder():
    """The stubs inside the installed package, else (an editable install) the source tree's exercises/."""
    try:
        folder = resources.files("autograder.exercise_files")
        if folder.joinpath("README.md").is_file():
            return folder
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "exercises"


def shipped_stubs() -> dict:
    """{file name: text} of the stubs and their README as installed with the kit (package data)."""
    folder = stubs_folder()
    found = {}
    for entry in folder.iterdir():
        name = entry.name
        if name == "README.md" or (name.startswith("ex") and name[2:4].isdigit() and name.endswith(".py")):
            found[name] = entry.read_text(encoding="utf-8")
    return dict(sorted(found.items()))


def init(dest: Path, force: bool = False, exercises=None) -> list[Path]:
    """Write the stubs (all, or those of ``exercises``) and README.md into ``dest``; returns what was written.

    An existing file is never overwritten without ``force``: it may hold a student's work.
    """
    dest = Path(dest)
    stubs = shipped_stubs()
    if exercises is not None:
        stubs = {name: text for name, text in stubs.items() if name == "README.md" or name[:-3] in exercises}
    clashes = [name for name in stubs if (dest / name).exists()]
    if clashes and not force:
        raise SubmitError(f"{dest}: {', '.join(clashes)} already exist(s); nothing was written "
                          "(use --force to overwrite them, which loses the work in them)")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in stubs.items():
        (dest / name).write_text(text, encoding="utf-8")
        written.append(dest / name)
    return written


# ---------------------------------------------------------------------------------------------
# submit
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Packed:
    out: Path
    files: tuple  # the file names in the zip, manifest excluded
    score: float
    possible: float
    problems: tuple = field(default=())  # what was wrong but packed anyway (--force)

    def summary(self) -> str:
        from autograder.render import fmt_points

        lines = [f"wrote {self.out}: {', '.join(self.files)}",
                 f"self-check score recorded in the manifest: {fmt_points(self.score)}/{fmt_points(self.possible)} points"]
        lines += [f"warning: {p}" for p in self.problems]
        return "\n".join(lines)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _problems(submissions, wanted, limits) -> list[str]:
    """What would make the instructor's grade a surprise: a missing exercise, a file that does not import."""
    from autograder import sandbox

    handed = {s.exercise for s in submissions}
    problems = [f"{name}.py (or .ipynb) is missing" for name in wanted if name not in handed]
    sandbox.warm_up()
    for submission in submissions:
        code = submission.code
        child = sandbox.Sandbox(submission.python, submission.exercise, limits,
                                source=None if code is None else code.encode("utf-8"))
        try:
            status = child.import_status()
        finally:
            child.close()
        if status.status != "ok":
            problems.append(f"{Path(submission.source).name} does not import: {status.message}")
    return problems


def make_submission(path: Path, out: Path, rubric=None, exercises=None, limits=None, force: bool = False) -> Packed:
    """Check and pack the exercise files under ``path`` (a folder) into the zip ``out``."""
    from autograder import api, load
    from autograder.batch import write_atomically
    from autograder.rubric import Rubric
    from autograder.sandbox import Limits

    rubric = rubric or Rubric.load()
    limits = limits or Limits()
    wanted = api.selected_exercises(rubric, exercises)
    path = Path(path)
    if not path.is_dir():
        raise SubmitError(f"{path}: not a folder (give the folder that holds your exNN_*.py files)")
    submissions = [s for s in load.load_all([path]) if s.exercise in wanted]
    if not submissions:
        raise SubmitError(f"{path}: no exercise file of this assignment in it (expected {', '.join(wanted)})")
    problems = _problems(submissions, wanted, limits)
    if problems and not force:
        raise SubmitError("not packed, because:\n  " + "\n  ".join(problems)
                          + "\n(fix these, or use --force to pack the files as they are)")
    report = api.grade_paths([s.source for s in submissions], rubric, limits, exercises=list(wanted))
    files, listed = {}, {}
    for submission in submissions:
        name = Path(submission.source).name
        data = load.read_bytes(submission.source, 64 * 1024 * 1024)
        files[name] = data
        listed[name] = {"sha256": sha256(data), "bytes": len(data), "exercise": submission.exercise}
    by_exercise = {s.exercise: [round(s.points, 4), round(s.possible, 4)] for s in report.scores}
    manifest = {
        "kit": "backprop-kit",
        "version": _version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "exercises": list(wanted),
        "files": listed,
        "self_check": {"score": round(report.score, 4), "possible": round(report.max_score, 4),
                       "by_exercise": by_exercise},
        "problems": problems,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    write_atomically(Path(out), buffer.getvalue())
    return Packed(Path(out), tuple(files), report.score, report.max_score, tuple(problems))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("backprop-kit")
    except PackageNotFoundError:
        return "unknown"


# ---------------------------------------------------------------------------------------------
# What batch says about a packed submission
# ---------------------------------------------------------------------------------------------


def manifest_notes(raw: bytes | None, files) -> list[str]:
    """Notes for the instructor from a submission's manifest, given the files batch chose to grade.

    ``files``: (exercise, relative path, bytes or None, problem) as in ``batch.Job.files``.
    """
    if raw is None:
        return []
    if len(raw) > MAX_MANIFEST_BYTES:
        return [f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES // 1024} KB and was not read"]
    try:
        manifest = json.loads(raw.decode("utf-8"))
        listed = manifest["files"]
        check = manifest["self_check"]
        score, possible = float(check["score"]), float(check["possible"])
        if not isinstance(listed, dict):
            raise TypeError("files is not a table")
        if not (math.isfinite(score) and math.isfinite(possible)):
            raise ValueError("the self-check score is not a finite number")
    except Exception as exc:  # noqa: BLE001 - a forged manifest is a note, never a failed batch
        return [f"{MANIFEST} could not be read ({type(exc).__name__}: {exc}); the files were graded as they are"]
    from autograder.messages import learner_text
    from autograder.render import fmt_points

    created = learner_text(str(manifest.get("created", "?")), 40)
    notes = [f"packed by `autograder submit` at {created}; the self-check then scored "
             f"{fmt_points(score)}/{fmt_points(possible)} (the student's claim, not used for the grade)"]
    graded = {Path(relative).name: data for _exercise, relative, data, _problem in files}
    for name, entry in listed.items():
        shown = learner_text(str(name), 120)
        if name not in graded:
            notes.append(f"{shown} is in the manifest but not in the submission")
        elif graded[name] is not None and (not isinstance(entry, dict) or entry.get("sha256") != sha256(graded[name])):
            notes.append(f"{shown} changed after the self-check (its SHA-256 is not the one in the manifest)")
    for name in graded:
        if name not in listed:
            notes.append(f"{learner_text(name, 120)} was added after the self-check (not in the manifest)")
    return notes
