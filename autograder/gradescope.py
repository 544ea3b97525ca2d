"""Gradescope: ``autograder gradescope`` builds the autograder bundle, and the bundle's
``run_autograder`` calls ``python -m autograder.gradescope run`` for every submission.

The bundle is a zip with these files at its root (Gradescope unpacks it into /autograder/source):

- ``setup.sh``: installs the dependencies pinned in ``requirements.txt``, then the kit's wheel
  (``--no-deps``), then imports the grader once so a broken install fails the image build;
- ``run_autograder``: grades /autograder/submission into /autograder/results/results.json, always;
- ``requirements.txt``: the kit's dependencies pinned to the versions installed where the bundle
  was built (and keras, which TensorFlow accepts as a range but the Keras exercise depends on);
- ``backprop_kit-<version>-py3-none-any.whl``: the kit itself, packed from the installed package
  (an editable install too) by this module, so building needs no network and no build backend;
- ``rubric.toml``: the complete rubric the bundle grades with (the kit's, with the instructor's
  overrides and the assignment's exercises written in), for the instructor to read;
- ``bundle.json``: kit version, the Python it was built with, the exercises.

Submissions are found at any depth of the upload, under their names or with an upload suffix
(``ex04_manual_backprop (1).py``, ``ex04_manual_backprop copy.py``, other letter case): the
results say which file was graded as which exercise, and which files were not graded and why.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

DIST = "backprop-kit"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
# Packages pinned although the kit does not name them: TensorFlow accepts a range of Keras
# versions, and the Keras exercise (ex06) is graded against the one installed here.
EXTRA_PINS = ("keras",)
# A zip entry's fixed timestamp: the same kit and rubric give the same bytes (zip needs >= 1980).
EPOCH = (1980, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle cannot be built from this installation (said why)."""


# ---------------------------------------------------------------------------------------------
# Building the bundle
# ---------------------------------------------------------------------------------------------


def _distribution():
    try:
        return metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        raise BundleError(f"{DIST} is not installed in this Python ({sys.executable}): "
                          "install it (pip install .) before building a bundle") from None


def _package_files() -> list:
    """(path inside the wheel, bytes) of the installed kit: its packages' modules, the rubric, the
    reference curves, the bundle templates, and the housing table as autograder/datasets_files."""
    import autograder
    from autograder import data

    root = Path(autograder.__file__).resolve().parent
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        here = Path(folder)
        is_package = (here / "__init__.py").is_file()
        for name in sorted(files):
            path = here / name
            relative = path.relative_to(root)
            wanted = ((is_package and name.endswith(".py"))
                      or (here == root and name in ("rubric.toml", "reference_curves.json"))
                      or relative.parts[0] == "gradescope_files")
            if wanted:
                found.append((f"autograder/{relative.as_posix()}", path.read_bytes()))
    housing = Path(str(data.housing_path()))
    datasets = [p for p in sorted(housing.parent.iterdir()) if p.suffix in (".csv", ".md")]
    if housing not in datasets:
        raise BundleError(f"the housing table {housing} was not found: the installation is incomplete")
    found.extend((f"autograder/datasets_files/{p.name}", p.read_bytes()) for p in datasets)
    return found


def _record_hash(payload: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(payload).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _zip_entry(archive: zipfile.ZipFile, name: str, payload: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16  # a regular file, its mode
    archive.writestr(info, payload)


def build_wheel() -> tuple:
    """(file name, bytes) of a pure-Python wheel of the installed kit, built here without network.

    The kit's source tree is not needed (nor setuptools): the wheel is packed from the installed
    modules and the installed metadata (name, version, requirements, entry points)."""
    dist = _distribution()
    version = dist.version
    info_dir = f"backprop_kit-{version}.dist-info"
    meta = dist.metadata
    lines = ["Metadata-Version: 2.1", f"Name: {DIST}", f"Version: {version}"]
    for key in ("Summary", "License", "Requires-Python"):
        if meta.get(key):
            lines.append(f"{key}: {meta[key]}")
    lines += [f"Provides-Extra: {extra}" for extra in meta.get_all("Provides-Extra") or ()]
    lines += [f"Requires-Dist: {req}" for req in dist.requires or ()]
    entry_points = dist.read_text("entry_points.txt")
    if not entry_points:
        raise BundleError(f"the installed {DIST} has no entry_points.txt: reinstall it (pip install .)")
    files = _package_files()
    files += [
        (f"{info_dir}/METADATA", ("\n".join(lines) + "\n").encode()),
        (f"{info_dir}/WHEEL", b"Wheel-Version: 1.0\nGenerator: autograder.gradescope\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
        (f"{info_dir}/entry_points.txt", entry_points.encode()),
        (f"{info_dir}/top_level.txt", b"autograder\n"),
    ]
    record = "".join(f"{name},{_record_hash(payload)},{len(payload)}\n" for name, payload in files)
    record += f"{info_dir}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in files:
            _zip_entry(archive, name, payload)
        _zip_entry(archive, f"{info_dir}/RECORD", record.encode())
    return f"backprop_kit-{version}-py3-none-any.whl", buffer.getvalue()


def pinned_requirements() -> list:
    """requirements.txt's lines: each dependency of the kit that applies here, pinned to the version
    installed here (environment marker kept); one that does not apply here (another platform's
    TensorFlow) stays as the kit declares it."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    environment = {**default_environment(), "extra": ""}
    lines, named = [], set()
    for text in _distribution().requires or ():
        requirement = Requirement(text)
        if requirement.marker is not None and "extra" in str(requirement.marker):
            continue  # the kit's optional extras (nbgrader): not needed to grade
        named.add(requirement.name.lower())
        marker = f"; {requirement.marker}" if requirement.marker is not None else ""
        applies = requirement.marker is None or requirement.marker.evaluate(environment)
        try:
            installed = metadata.version(requirement.name) if applies else None
        except metadata.PackageNotFoundError:
            raise BundleError(f"{requirement.name}, a dependency of {DIST}, is not installed here") from None
        lines.append(f"{requirement.name}=={installed}{marker}" if installed else text)
    for name in EXTRA_PINS:
        if name not in named:
            try:
                lines.append(f"{name}=={metadata.version(name)}")
            except metadata.PackageNotFoundError:
                pass
    return lines


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string of printable text is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise BundleError(f"cannot write {value!r} to rubric.toml")


def dump_rubric(data: dict) -> str:
    """The rubric's data as TOML (tables of numbers, strings and lists), checked by reading it back."""
    out = ["# The rubric this Gradescope bundle grades with (written by `autograder gradescope`).", ""]

    def table(path, values):
        scalars = {k: v for k, v in values.items() if not isinstance(v, dict)}
        if scalars:
            out.append(f"[{'.'.join(_toml_key(p) for p in path)}]")
            out.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
            out.append("")
        for key, value in values.items():
            if isinstance(value, dict):
                table([*path, key], value)

    for key, value in data.items():
        if not isinstance(value, dict):
            raise BundleError(f"rubric entry {key!r} is not a table")
        table([key], value)
    text = "\n".join(out)
    if tomllib.loads(text) != data:
        raise BundleError("the rubric did not survive being written as TOML (a value of an unexpected kind?)")
    return text


def _template(name: str, values: dict) -> str:
    text = resources.files("autograder").joinpath("gradescope_files", name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if re.search(r"@[A-Z_]+@", text):
        raise BundleError(f"{name}: a placeholder was left unfilled")
    return text


@dataclass(frozen=True)
class Bundle:
    path: Path
    version: str
    exercises: tuple
    points: float
    hidden: int
    files: tuple
    fresh_inputs: bool = False

    def summary(self) -> str:
        hidden = f", {self.hidden} hidden check(s)" if self.hidden else ""
        inputs = ("inputs drawn fresh for each submission" if self.fresh_inputs
                  else "the kit's fixed inputs (--fresh-inputs draws them per submission)")
        return (f"wrote {self.path}: backprop-kit {self.version}, exercises {', '.join(self.exercises)} "
                f"({self.points:g} points{hidden}); {inputs}; files: {', '.join(self.files)}")


def build(out: Path, rubric_file: str | None = None, exercises=None, fresh_inputs: bool = False) -> Bundle:
    """Write the Gradescope bundle to ``out``.  ``exercises``: the assignment (default: the rubric's).

    ``fresh_inputs``: every submission's checks draw their inputs from a seed of their own, drawn when
    it is graded and quoted in its results.json, so answers stored for the kit's public fixed inputs
    fail; without it, Gradescope grades on the fixed inputs the students' self-check uses."""
    from autograder.api import selected_exercises
    from autograder.checks import all_exercises
    from autograder.rubric import Rubric

    rubric = Rubric.load(rubric_file)
    selected = selected_exercises(rubric, exercises)
    data = json.loads(json.dumps(rubric.data))  # a deep copy: the loaded rubric stays as it was
    data.setdefault("assignment", {})["exercises"] = list(selected)
    rubric_text = dump_rubric(data)
    wheel_name, wheel = build_wheel()
    version = _distribution().version
    python = "%d.%d" % sys.version_info[:2]
    values = {"KIT_VERSION": version, "KIT_WHEEL": wheel_name, "PYTHON_VERSION": python}
    config = {"kit": DIST, "version": version, "wheel": wheel_name, "python": python,
              "exercises": list(selected), "fresh_inputs": bool(fresh_inputs)}
    requirements = ("# backprop-kit's dependencies, pinned to the versions it was built and tested with\n"
                    + "\n".join(pinned_requirements()) + "\n")
    members = [("setup.sh", _template("setup.sh", values), True),
               ("run_autograder", _template("run_autograder", values), True),
               ("requirements.txt", requirements, False),
               ("rubric.toml", rubric_text, False),
               ("bundle.json", json.dumps(config, indent=2) + "\n", False),
               (wheel_name, wheel, False)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            for name, payload, executable in members:
                _zip_entry(archive, name, payload.encode() if isinstance(payload, str) else payload, executable)
        os.replace(temp, out)  # a half-written zip is never left under the name Gradescope gets
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    points = sum(rubric.points(name, c.key) for name in selected for c in all_exercises()[name].checks)
    hidden = sum(1 for name, _ in rubric.hidden_keys() if name in selected)
    return Bundle(out, version, selected, points, hidden, tuple(name for name, _, _ in members), bool(fresh_inputs))


# ---------------------------------------------------------------------------------------------
# Finding the student's files
# ---------------------------------------------------------------------------------------------

# What browsers and file managers add to a name: "name (1)", "name copy", "name - Copy (2)".
UPLOAD_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:\s*\(\d+\)|\s+copy(?:\s*\d+)?|\s*-\s*copy(?:\s*\(\d+\))?)$",
                           re.IGNORECASE)
SKIPPED_FOLDERS = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
MAX_FILES = 5000  # an upload is a few files; a walk stops here whatever was uploaded


def match_exercise(name: str, known) -> tuple:
    """(exercise, how the name differed or "") for a file name, or (None, "")."""
    path = Path(name)
    if path.suffix.lower() not in (".py", ".ipynb"):
        return None, ""
    stem = path.stem.strip()
    if stem in known and path.suffix in (".py", ".ipynb"):
        return stem, ""
    base = stem
    suffix = UPLOAD_SUFFIX.match(stem)
    if suffix:
        base = suffix.group("stem").strip()
    for exercise in known:
        if base.lower() == exercise:
            how = (f"the upload suffix {stem[len(base):].strip()!r} was dropped from the name" if suffix
                   else "the name's letter case differs")
            return exercise, how
    return None, ""


@dataclass
class Found:
    chosen: dict = field(default_factory=dict)  # exercise -> Path of the file to grade
    notes: list = field(default_factory=list)  # what the student should know about the files
    other_files: list = field(default_factory=list)  # relative paths of files that are no exercise


def find_submission(folder: Path, exercises) -> Found:
    """The file to grade for each exercise of the assignment, anywhere under ``folder``.

    For one exercise the first of these wins: its exact name, a .py before a notebook, the
    shallowest, then the alphabetically first path; every other candidate is named as not graded."""
    from autograder.rubric import exercise_names

    known = exercise_names()
    found = Found()
    candidates: dict = {}
    seen = 0
    for here, dirs, files in os.walk(folder):  # os.walk does not follow symlinked folders
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        for name in sorted(files):
            seen += 1
            if seen > MAX_FILES:
                found.notes.append(f"the upload holds more than {MAX_FILES} files: the rest were not looked at")
                break
            path = Path(here) / name
            relative = path.relative_to(folder).as_posix()
            if name.startswith("."):  # macOS resource forks (._ex04...), editor swap files
                continue
            exercise, how = match_exercise(name, known)
            if exercise is None:
                found.other_files.append(relative)
                continue
            if path.is_symlink():
                found.notes.append(f"{relative}: not graded: it is a symbolic link, which the grader does not follow")
                continue
            if exercise not in exercises:
                found.notes.append(f"{relative}: not graded: {exercise} is not part of this assignment")
                continue
            rank = (1 if how else 0, 0 if path.suffix.lower() == ".py" else 1, relative.count("/"), relative)
            candidates.setdefault(exercise, []).append((rank, path, relative, how))
        if seen > MAX_FILES:
            break
    for exercise in exercises:
        options = sorted(candidates.get(exercise, []))
        if not options:
            continue
        _, path, relative, how = options[0]
        found.chosen[exercise] = path
        canonical = exercise + path.suffix.lower()
        if relative != canonical:
            found.notes.append(f"graded {relative} as {canonical}" + (f" ({how})" if how else ""))
        for _, _, other, _ in options[1:]:
            found.notes.append(f"{other}: not graded: one file per exercise, and {relative} was graded for {exercise}")
    return found


# ---------------------------------------------------------------------------------------------
# Grading one submission into results.json
# ---------------------------------------------------------------------------------------------


def validate_results(result) -> None:
    """Raise ValueError unless ``result`` is a results.json Gradescope accepts (the fields we write)."""
    def number(value, where):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number, got {value!r}")

    if not isinstance(result, dict):
        raise ValueError("results.json must be an object")
    number(result.get("score"), "score")
    if "max_score" in result:
        number(result["max_score"], "max_score")
    if not isinstance(result.get("tests"), list):
        raise ValueError("tests must be a list")
    if not isinstance(result.get("output", ""), str):
        raise ValueError("output must be a string")
    for index, test in enumerate(result["tests"]):
        where = f"tests[{index}]"
        if not isinstance(test, dict) or not isinstance(test.get("name"), str) or not test["name"]:
            raise ValueError(f"{where} needs a name")
        number(test.get("score"), f"{where}.score")
        number(test.get("max_score"), f"{where}.max_score")
        if not isinstance(test.get("output"), str):
            raise ValueError(f"{where}.output must be a string")
        if test.get("visibility") not in VISIBILITIES:
            raise ValueError(f"{where}.visibility must be one of {VISIBILITIES}, got {test.get('visibility')!r}")
    json.dumps(result, allow_nan=False)


def _expected(exercises) -> str:
    return ", ".join(f"{name}.py (or .ipynb)" for name in exercises)


def grade_submission(root: Path, source: Path) -> dict:
    """results.json for the submission in ``root``/submission, graded as the bundle in ``source`` says."""
    from autograder import api, load, pipeline
    from autograder.checks import all_exercises
    from autograder.checks.framework import fresh_inputs_seed
    from autograder.grade import not_handed_in
    from autograder.render import fmt_points
    from autograder.render.gradescope import to_gradescope
    from autograder.rubric import Rubric

    started = time.perf_counter()
    config = json.loads((source / "bundle.json").read_text(encoding="utf-8"))
    rubric = Rubric.load(str(source / "rubric.toml"))
    exercises = rubric.exercises()
    version = metadata.version(DIST)
    lines = [f"backprop-kit {version}: this assignment is {', '.join(exercises)}."]
    if version != config.get("version"):
        lines.append(f"warning: the bundle was built for backprop-kit {config.get('version')}, "
                     f"but {version} is installed (re-run setup.sh)")
    submission = root / "submission"
    found = find_submission(submission, exercises) if submission.is_dir() else Found()
    staging = Path(tempfile.mkdtemp(prefix="autograder-submission-"))
    try:
        for exercise, path in found.chosen.items():
            # under its exercise's name, so that the kit's loader finds it; the student's file itself
            # is read once, never through a symlink (load.read_bytes)
            try:
                payload = load.read_bytes(str(path), load.MAX_NOTEBOOK_BYTES)
            except OSError as exc:
                found.notes.append(f"{path.relative_to(submission).as_posix()}: not graded: could not be read "
                                   f"({exc.strerror or exc})")
                continue
            (staging / (exercise + path.suffix.lower())).write_bytes(payload)
        if any(staging.iterdir()):
            # drawn here, per submission: an answer stored for one run's inputs is no use in the next
            inputs = fresh_inputs_seed() if config.get("fresh_inputs") else 0
            report = api.grade_paths([str(staging)], rubric, exercises=exercises, inputs=inputs)
        else:
            report = pipeline.score([pipeline.ExerciseResult(name, None, not_handed_in(all_exercises()[name]))
                                     for name in exercises], rubric, exercises=exercises)
        result = to_gradescope(report)
        missing = [name for name in exercises if name not in found.chosen]
        if not found.chosen:
            others = found.other_files[:10] + (["..."] if len(found.other_files) > 10 else [])
            lines.append("No exercise file was found in your submission, so it scored 0. Expected "
                         f"{_expected(exercises)}, in the upload or any folder in it."
                         + (f" Found instead: {', '.join(others)}." if others else " The upload was empty.")
                         + " Rename your file to the expected name and submit again.")
        elif missing:
            lines.append(f"Not found (scored 0): {_expected(missing)}.")
        lines.extend(found.notes)
        if found.chosen and found.other_files:
            lines.append(f"Other files, not graded: {', '.join(found.other_files[:10])}"
                         + (", ..." if len(found.other_files) > 10 else ""))
        if result.get("output"):
            lines.append(result["output"])  # the report's problems, and the inputs' seed when drawn fresh
        hidden = sum(1 for t in result["tests"] if t["visibility"] != "visible")
        if hidden:
            lines.append(f"{hidden} of the {len(result['tests'])} checks are hidden until "
                         + ("the due date" if rubric.hidden_visibility == "after_due_date" else
                            "grades are published" if rubric.hidden_visibility == "after_published" else
                            "the end: the instructor sees them") + "; they count in the score.")
        visible = [t for t in result["tests"] if t["visibility"] == "visible"]
        lines.append(f"Visible checks: {fmt_points(sum(t['score'] for t in visible))}/"
                     f"{fmt_points(sum(t['max_score'] for t in visible))} points.")
        # the student never sees the grader's scratch folder, only their own file's name
        text = "\n".join(lines).replace(str(staging) + os.sep, "")
        # names from the upload may not be text (a file name that is not UTF-8): escaped, so the file is valid UTF-8
        printable = lambda t: t.encode("utf-8", "backslashreplace").decode("utf-8")  # noqa: E731
        result["output"] = printable(text)
        for test in result["tests"]:
            test["output"] = printable(test["output"].replace(str(staging) + os.sep, ""))
        result["execution_time"] = round(time.perf_counter() - started, 2)
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def crash_result(exc: BaseException, exercises=()) -> dict:
    """results.json when grading itself failed: a zero that says it is the grader's fault."""
    what = f"{type(exc).__name__}: {exc}".strip()
    expected = f" (Expected files: {_expected(exercises)}.)" if exercises else ""
    return {"score": 0.0, "tests": [],
            "output": ("The autograder failed while grading your submission, so it was not graded: "
                       f"{what[:2000]}. This is a problem with the grader, not necessarily with your files: "
                       f"please tell your instructor.{expected}")}


class _Stopped(Exception):
    pass


def run(root: Path, source: Path) -> int:
    """Grade and write ``root``/results/results.json; whatever happens, a valid file is written."""
    from autograder.batch import write_atomically

    def stop(signum, frame):  # Gradescope's time limit: still leave a result saying so
        raise _Stopped(f"grading was stopped by signal {signum} (the assignment's time limit?)")

    signal.signal(signal.SIGTERM, stop)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    try:
        result = grade_submission(root, source)
        validate_results(result)
    except BaseException as exc:  # noqa: BLE001 - the student must get a result, whatever failed
        if isinstance(exc, KeyboardInterrupt):
            exc = _Stopped("grading was interrupted")
        try:
            from autograder.rubric import Rubric

            exercises = Rubric.load(str(source / "rubric.toml")).exercises()
        except Exception:  # noqa: BLE001 - the rubric itself may be what failed
            exercises = ()
        result = crash_result(exc, exercises)
        print(f"autograder gradescope: grading failed: {exc!r}", file=sys.stderr)
    finally:
        try:
            from autograder import sandbox

            sandbox.shut_down()
        except Exception:  # noqa: BLE001 - the fork server may never have started
            pass
    write_atomically(results / "results.json", json.dumps(result, indent=2, allow_nan=False))
    print(f"score {result['score']}; wrote {results / 'results.json'}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope",
                                     description="grade a Gradescope submission (what run_autograder calls)")
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json")
    grade.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    grade.add_argument("--source", help="the unpacked bundle (default ROOT/source)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    return run(root, Path(args.source) if args.source else root / "source")


if __name__ == "__main__":
    sys.exit(main())
