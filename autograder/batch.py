"""Grade a whole class: one folder or zip per student, graded by a pool of worker processes (or a
Dask cluster), each student's results written the moment that student is done.

The flow, and why it is shaped this way:

- **find** (this process): students are the folders and ``.zip`` files in ROOT (or in
  ``ROOT/submitted/``, nbgrader's layout).  Each student's exercise files are found at any depth and
  under upload names (``load.choose``), then *read here* into a ``Job`` (names and bytes).  A job is
  plain data, so the same job can be graded by a local worker or by a Dask worker on another machine
  that cannot see ROOT, and a student editing files mid-batch cannot change what is graded.
- **grade** (a worker process): the job's files are written into a private folder under their plain
  names (inside the batch's own work folder, see ``work_folder``) and graded with ``api.grade_paths``.  A worker grades one student after another with one
  fork server, so TensorFlow is imported once per worker, not once per student.
- **record** (this process): per student ``results.json``, ``report.txt``, ``feedback.html`` and,
  last, ``record.json``, each written atomically.  ``record.json`` marks the student done: a re-run
  skips a student whose record matches the same files, rubric and limits, so a killed batch resumes.
  A student whose grading fails is recorded with the error and a zero; nobody is dropped.
- **gradebook.csv** (and ``scores.csv``, the same table under its old name) lists every student found,
  rewritten after each student; ``summary.md`` (and ``histogram.png`` when matplotlib is installed)
  at the end.
"""

from __future__ import annotations

import atexit
import csv
import dataclasses
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import stat
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder import api, load, messages, pipeline, submit
from autograder.checks import all_exercises
from autograder.grade import not_handed_in
from autograder.records import CheckResult, Report
from autograder.render import fmt_points, html
from autograder.render.gradescope import to_gradescope
from autograder.render.text import render_text

RECORD = "record.json"  # written last for a student: its presence (and fingerprint) means "done"
RECORD_VERSION = 1
MAX_ZIP_MEMBERS = 2000  # a zip with more entries than this is not a submission
MAX_FILE_BYTES = 16 * 1024 * 1024  # the sandbox's own limit for one file (jail.MAX_SOURCE_BYTES)


def write_atomically(path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` as a new file renamed into place: a reader sees the old file
    or the new one, never half of it, and a symlink or file planted at ``path`` is replaced, never written through."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with (os.fdopen(fd, "wb") if isinstance(text, bytes) else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


# What the batch writes at the top of --out: a student (folder or zip) named like one of these gets
# its folder under another name, or it would delete the gradebook and take its place
OUTPUT_NAMES = ("gradebook.csv", "scores.csv", "summary.md", "histogram.png")


def student_folder(out: Path, name: str) -> Path:
    """The folder under ``out`` that holds one student's results."""
    if name.lower() in OUTPUT_NAMES or name.lower().startswith(tuple(f"{n}." for n in OUTPUT_NAMES)):
        return out / f"{name} (student)"
    return out / name


def _own_folder(path: Path) -> Path:
    """``path`` as a real folder: a symlink (or file) put there in its place is removed first."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        path.mkdir()
        return path
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        path.mkdir()
    return path


# ---------------------------------------------------------------------------------------------
# Finding students and reading their files (trusted side, no learner code runs)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Student:
    name: str  # the gradebook's name and the folder under --out
    path: Path  # a folder or a .zip


@dataclass(frozen=True)
class Job:
    """One student's submission as plain data: what a worker (local or remote) needs to grade it."""

    student: str
    files: tuple = ()  # (exercise, the path the student used, bytes or None, why it could not be read)
    notes: tuple = ()  # what discovery chose (upload names, subfolders, files left out)
    error: str = ""  # the submission could not be opened at all (a broken zip)
    inputs: int = 0  # the seed of the checks' inputs for this student (0: the kit's fixed inputs)

    def fingerprint(self, salt: str) -> str:
        digest = hashlib.sha256(salt.encode())
        for exercise, relative, data, problem in self.files:
            # surrogatepass: a file name that is not UTF-8 on disk comes back with lone surrogates
            digest.update(f"\0{exercise}\0{relative}\0{problem}\0".encode("utf-8", "surrogatepass"))
            digest.update(hashlib.sha256(data or b"").digest())
        digest.update(self.error.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


# What an nbgrader course holds beside submitted/ (its own folders and files), none of them a student
NBGRADER_ENTRIES = ("source", "release", "autograded", "feedback", "submitted", "exchange", "outbound", "inbound",
                    "nbgrader_config.py", "gradebook.db", "log", "logs")


def class_folder(root: Path) -> Path:
    """ROOT itself, or ROOT/submitted for an nbgrader course (``submitted/<student>/<assignment>/``).

    A ROOT with both submitted/ and student folders or zips beside it is refused: graded as a course
    it would silently drop those students (a student folder named "submitted" would replace the class)."""
    submitted = root / "submitted"
    if submitted.is_dir() and not submitted.is_symlink():
        others = sorted(e.name for e in os.scandir(root) if not e.name.startswith(".") and e.name not in NBGRADER_ENTRIES
                        and (e.is_dir(follow_symlinks=False) or e.name.lower().endswith(".zip")))
        if others:
            shown = ", ".join(messages.learner_text(name, 60) for name in others[:5]) + (", ..." if len(others) > 5 else "")
            raise load.UsageError(f"{root} holds submitted/ (an nbgrader course's students) and also {len(others)} "
                                  f"other folder(s) or zip(s) ({shown}): grade {submitted} itself, or move "
                                  "submitted/ out of the class folder")
        return submitted
    return root


def find_students(root: Path) -> list[Student]:
    """Every student folder and ``.zip`` in the class folder; symlinks and hidden entries are skipped
    (a link could point anywhere on the grader's machine)."""
    folder = class_folder(Path(root))
    students, names = [], set()
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            students.append(Student(entry.name, Path(entry.path)))
            names.add(entry.name)
    for entry in entries:
        if entry.name.startswith(".") or entry.is_symlink() or not entry.name.lower().endswith(".zip"):
            continue
        if entry.is_file(follow_symlinks=False):
            stem = entry.name[:-4]
            # a folder and a zip of the same name are two students: the zip keeps its suffix
            name = entry.name if (stem in names or not stem or stem.startswith(".")) else stem
            students.append(Student(name, Path(entry.path)))
            names.add(name)
    return sorted(students, key=lambda s: s.name)


def _zip_members(archive: zipfile.ZipFile) -> dict:
    """{relative path: ZipInfo} of the regular files in a zip, with unsafe or junk names left out."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ValueError(f"it has {len(infos)} entries (more than {MAX_ZIP_MEMBERS})")
    members = {}
    for info in infos:
        if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16):
            continue
        parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts or ".." in parts or any(p.startswith(".") or p in ("__MACOSX", "__pycache__") for p in parts[:-1]):
            continue
        members.setdefault("/".join(parts), info)
    return members


def _folder_manifest(folder: Path) -> bytes | None:
    """The ``autograder submit`` manifest in a student's folder, if there is one that can be read."""
    try:
        return load.read_bytes(str(folder / submit.MANIFEST), submit.MAX_MANIFEST_BYTES + 1)
    except OSError:
        return None  # none, or unreadable: only missing information, the files are graded either way


MAX_NOTES, MAX_NOTE_CHARS = 40, 300  # what discovery says of one submission: a page, not a zip's whole listing


def _shown_notes(notes) -> tuple:
    """Discovery's notes as printable lines (names come from uploads: control characters, markup, names
    that are not UTF-8), each cut to a line and at most MAX_NOTES of them."""
    shown = [messages.learner_text(note, MAX_NOTE_CHARS) for note in list(notes)[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        shown.append(f"... and {len(notes) - MAX_NOTES} more notes")
    return tuple(shown)


def read_job(student: Student) -> Job:
    """The student's exercise files, read without following symlinks and within size limits; a
    submission that cannot be read at all is a Job with its error (that student's zero, with why)."""
    try:
        job = _read_job(student)
    except Exception as exc:  # noqa: BLE001 - one broken upload must not stop the class (zlib, lzma, names, ...)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
        job = Job(student.name, error=f"{student.path.name} could not be read: {reason}")
    return dataclasses.replace(job, notes=_shown_notes(job.notes),
                               error=messages.learner_text(job.error, 2000) if job.error else "")


def _read_job(student: Student) -> Job:
    if student.path.is_dir():
        chosen, notes = load.choose(load.walk(student.path))
        files = []
        for exercise, relative in sorted(chosen.items()):
            try:
                data, problem = load.read_bytes(str(student.path / relative), MAX_FILE_BYTES), ""
            except OSError as exc:
                data, problem = None, exc.strerror or str(exc)
            files.append((exercise, relative, data, problem))
        raw = _folder_manifest(student.path)
        return Job(student.name, tuple(files), tuple(notes) + tuple(submit.manifest_notes(raw, files)))
    try:
        raw = load.read_bytes(str(student.path), 256 * 1024 * 1024)
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = _zip_members(archive)
            chosen, notes = load.choose(members)
            files = []
            for exercise, relative in sorted(chosen.items()):
                info = members[relative]
                if info.file_size > MAX_FILE_BYTES:
                    files.append((exercise, relative, None, f"larger than {MAX_FILE_BYTES // 1024**2} MB"))
                    continue
                with archive.open(info) as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)  # the header's size could lie
                problem = f"larger than {MAX_FILE_BYTES // 1024**2} MB" if len(data) > MAX_FILE_BYTES else ""
                files.append((exercise, relative, None if problem else data, problem))
            info = members.get(submit.MANIFEST)
            raw = None
            if info is not None:
                with archive.open(info) as handle:
                    raw = handle.read(submit.MAX_MANIFEST_BYTES + 1)
            notes = list(notes) + submit.manifest_notes(raw, files)
    except (OSError, ValueError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Job(student.name, error=f"{student.path.name} is not a zip the grader can read: {reason}")
    return Job(student.name, tuple(files), tuple(f"{student.path.name}: {note}" for note in notes))


# ---------------------------------------------------------------------------------------------
# Grading one job (in a worker process)
# ---------------------------------------------------------------------------------------------


def _nothing_found(rubric, problem: str, exercises=None) -> Report:
    wanted = [e for name, e in all_exercises().items() if exercises is None or name in exercises]
    return pipeline.score([pipeline.ExerciseResult(e.name, None, not_handed_in(e)) for e in wanted], rubric,
                          problems=(problem,))


def grade_job(job: Job, rubric, limits, file_workers: int = 1, exercises=None, staging_in: str | None = None) -> Report:
    """Grade one student's job.  Any failure of the grader itself becomes a zero with the error.
    ``staging_in``: the folder the student's files are written into while graded (a batch's work
    folder; None: the system's temporary folder, as on a Dask worker)."""
    if job.error:
        return _nothing_found(rubric, job.error, exercises)
    if not job.files:
        names = ", ".join(f"{name}.py" for name in all_exercises())
        return _nothing_found(rubric, f"{job.student}: no exercise file found, at any depth (expected any of: {names})",
                              exercises)
    with tempfile.TemporaryDirectory(prefix="student-" if staging_in else "autograder-student-", dir=staging_in) as staging:
        for exercise, relative, data, problem in job.files:
            if data is None:
                # grade it as a file that cannot be imported: the reason lands on each of its checks
                text = f"raise ImportError({f'{relative} could not be read: {problem}'!r})\n"
                Path(staging, f"{exercise}.py").write_text(text)
            else:
                suffix = ".ipynb" if relative.endswith(".ipynb") else ".py"
                Path(staging, f"{exercise}{suffix}").write_bytes(data)
        report = api.grade_paths([staging], rubric, limits, workers=file_workers, exercises=exercises,
                                 inputs=job.inputs)
    # the staging folder is gone: name the student's own files instead
    originals = {f"{exercise}{'.ipynb' if relative.endswith('.ipynb') else '.py'}": relative
                 for exercise, relative, _data, _problem in job.files}

    def restore(text: str) -> str:
        return text.replace(staging + os.sep, f"{job.student}/")

    return dataclasses.replace(report, problems=tuple(restore(p) for p in report.problems),
                               files=tuple(originals.get(Path(f).name, Path(f).name) for f in report.files))


def _worker_started(batch_pid: int, fork_server_path: str) -> None:
    """A local worker process: die with the batch (a killed batch leaves no grader running), and use
    the batch's fork server (one for all workers: TensorFlow is imported once for learner code)."""
    from autograder import sandbox

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _die_with(batch_pid)
    try:
        sandbox.use_fork_server(fork_server_path)
    except OSError as exc:  # the shared server is gone: this worker starts one of its own (slower, still right)
        print(f"autograder batch: worker {os.getpid()}: the shared fork server is unavailable ({exc}); "
              "starting one for this worker", file=sys.stderr, flush=True)
    sandbox.warm_up()


def _die_with(pid: int) -> None:
    """Kill this process when ``pid`` ends.  A worker's parent is multiprocessing's fork server, not
    the batch, so PR_SET_PDEATHSIG does not do it; and that fork server waits for its workers before
    it exits, so without this a batch killed with SIGKILL would leave both running for ever."""
    import signal
    import select

    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os.kill(os.getpid(), signal.SIGKILL)
        return
    except (OSError, AttributeError):  # no pidfd (a kernel before 5.3, a filtered container): look twice a second
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])  # readable once the process has ended
        else:
            while os.getppid() != 1 and _exists(pid):
                time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="autograder-die-with-batch", daemon=True).start()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _grade_in_worker(job: Job, rubric, limits, file_workers: int, exercises, staging_in: str | None = None):
    started = time.perf_counter()
    try:
        return grade_job(job, rubric, limits, file_workers, exercises, staging_in), "", time.perf_counter() - started
    except Exception as exc:  # noqa: BLE001 - any grader failure is that student's zero, with the reason
        return None, f"{type(exc).__name__}: {exc}", time.perf_counter() - started


# Dask: a Dask worker runs tasks in threads of its own pool.  The fork server asks the kernel to kill
# it when the *thread* that started it exits, so it is started from a thread that lives as long as
# the worker process; and pytest (which grade_paths runs) is not thread-safe, so one job at a time.
_dask_lock = threading.Lock()
_dask_ready = threading.Event()


def _keep_fork_server() -> None:
    from autograder import sandbox

    sandbox.warm_up()
    _dask_ready.set()
    threading.Event().wait()  # forever: this thread is the fork server's parent


def grade_on_dask(job: Job, rubric, limits, file_workers: int, exercises):
    """The task a Dask worker runs for one student (same result shape as a local worker's)."""
    with _dask_lock:
        if not _dask_ready.is_set():
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            threading.Thread(target=_keep_fork_server, name="autograder-fork-server", daemon=True).start()
            _dask_ready.wait()
        return _grade_in_worker(job, rubric, limits, file_workers, exercises)


# ---------------------------------------------------------------------------------------------
# The batch's work folder: the sandbox fork server's socket, each student's files while graded
# ---------------------------------------------------------------------------------------------

WORK_PREFIX = "autograder-batch-"
WORK_LOCK = ".lock"
ABANDONED_UNLOCKED_SECONDS = 60


# the longest socket path in a work folder, after the folder's parent: multiprocessing's listener,
# /autograder-batch-PID-xxxxxxxx/mp/listener-xxxxxxxx (a pid of up to 7 digits)
LONGEST_INSIDE = 55


def work_parent() -> str:
    """Where work folders go: the temporary folder, or /tmp under a long TMPDIR (a unix socket's
    path has at most 107 bytes, and the sockets of both fork servers are in the work folder)."""
    return tempfile.gettempdir() if len(tempfile.gettempdir()) + LONGEST_INSIDE <= 107 else "/tmp"


_work: list = []  # this process's work folder, once made
_work_made = threading.Lock()


def work_folder() -> str:
    """This process's batch work folder (0700), made on first use and removed when the process exits:
    the sandbox fork server's socket, each student's files while graded, and multiprocessing's own
    folder (its fork server's socket).  A batch killed with SIGKILL cannot remove it, so a batch
    first removes the folders of batches that are gone: a batch holds a lock on its folder while it
    runs, and the kernel lets go of a lock when its process dies, however it dies."""
    with _work_made:
        if not _work:
            parent = work_parent()
            remove_abandoned(parent)
            path = tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=parent)
            # locked before it has its name: a folder with a lock that nobody holds is abandoned
            lock = os.open(os.path.join(path, WORK_LOCK + ".new"), os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.rename(os.path.join(path, WORK_LOCK + ".new"), os.path.join(path, WORK_LOCK))
            atexit.register(_remove_work, os.getpid(), path, lock)
            import multiprocessing.process

            # multiprocessing makes its folder (pymp-*) on first use, in TMPDIR, and removes it only at a clean exit
            config = multiprocessing.process.current_process()._config  # noqa: SLF001 - the one place it is kept
            if config.get("tempdir") is None:
                os.mkdir(os.path.join(path, "mp"), 0o700)
                config["tempdir"] = os.path.join(path, "mp")
            _work.append(path)
    return _work[0]


def _remove_work(owner: int, path: str, lock: int) -> None:
    if os.getpid() == owner:  # not in a child forked from this process
        shutil.rmtree(path, ignore_errors=True)
        os.close(lock)


def remove_abandoned(parent: str) -> list:
    """Remove this user's batch work folders under ``parent`` whose batch is no longer running; returns them."""
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(WORK_PREFIX):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            lock = os.open(os.path.join(entry.path, WORK_LOCK), os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            # a batch has its lock a moment after it makes its folder: one without a lock for a minute was
            # left by a batch killed in that moment (or by an older kit, whose folders had none)
            if time.time() - entry.stat(follow_symlinks=False).st_mtime > ABANDONED_UNLOCKED_SECONDS:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(entry.path)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            continue  # held: that batch is still running
        shutil.rmtree(entry.path, ignore_errors=True)
        os.close(lock)
        removed.append(entry.path)
    return removed


# ---------------------------------------------------------------------------------------------
# Records: what is kept per student (and read back when a batch resumes)
# ---------------------------------------------------------------------------------------------


_RESULT_FIELDS = ("exercise", "function", "check_id", "description", "points", "score", "message", "seconds")


def _record(student: Student, job: Job, fingerprint: str, report: Report, error: str, seconds: float) -> dict:
    return {
        "version": RECORD_VERSION, "student": student.name, "source": str(student.path),
        "fingerprint": fingerprint, "error": error, "notes": list(job.notes), "seconds": round(seconds, 3),
        "files": [relative for _e, relative, _d, _p in job.files],
        "problems": list(report.problems), "warnings": list(report.warnings), "inputs": report.inputs,
        "results": [{name: getattr(r, name) for name in _RESULT_FIELDS} for r in report.results],
    }


def _report_of(record: dict) -> Report:
    results = tuple(CheckResult(**{name: r[name] for name in _RESULT_FIELDS}) for r in record["results"])
    return Report(results=results, problems=tuple(record["problems"]), seconds=record.get("seconds", 0.0),
                  files=tuple(record.get("files", [])), warnings=tuple(record.get("warnings", [])),
                  inputs=int(record.get("inputs", 0)))


def _read_record(folder: Path):
    try:
        record = json.loads(load.read_bytes(str(folder / RECORD), 64 * 1024 * 1024))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("version") == RECORD_VERSION else None


def _write_student(out: Path, student: Student, job: Job, fingerprint: str, report: Report,
                   error: str, seconds: float) -> dict:
    target = _own_folder(student_folder(out, student.name))
    if error:
        report = dataclasses.replace(report, problems=(f"grading failed: {error}", *report.problems))
    record = _record(student, job, fingerprint, report, error, seconds)
    notes = "".join(f"note: {note}\n" for note in job.notes)
    for name, render in (("results.json", lambda: json.dumps(to_gradescope(report), indent=2)),
                         ("report.txt", lambda: notes + render_text(report) + "\n"),
                         ("feedback.html", lambda: html.render(report, title=f"{student.name}: feedback"))):
        try:
            text = render()
        except Exception as exc:  # noqa: BLE001 - what a submission returned broke a page: the grade stands
            text = f"this page could not be rendered ({type(exc).__name__}: {exc}); the grade is in {RECORD}\n"
            record["problems"].append(f"{name} could not be rendered: {type(exc).__name__}: {exc}")
        write_atomically(target / name, text.encode("utf-8", "backslashreplace"))
    write_atomically(target / RECORD, json.dumps(record, indent=1))  # last: the student is done
    return record


# ---------------------------------------------------------------------------------------------
# The class
# ---------------------------------------------------------------------------------------------


def _salt(rubric, limits, exercises) -> str:
    """What else decides a grade: a record made under another rubric, limits or selection is stale."""
    return repr((RECORD_VERSION, repr(rubric), repr(limits), list(exercises)))


def _failed(name: str, rubric, exercises, error: str, seconds: float = 0.0):
    """A student the grader could not grade: every check a zero, and the error kept with them."""
    return _nothing_found(rubric, f"{name}: not graded, every check scores 0", exercises), error, seconds


@dataclass
class Progress:
    """What the caller is told after each student (``done`` of ``total``, skipped ones included)."""

    done: int
    total: int
    student: str
    record: dict
    skipped: bool = False
    extra: dict = field(default_factory=dict)


def grade_class(root: Path, out: Path, rubric, limits, progress=None, workers: int = 1, force: bool = False,
                scheduler: str | None = None, exercises=None, fresh_inputs: bool = False) -> list:
    """Grade every student under ``root`` into ``out``; returns [(student, Report)] for all of them
    (skipped ones read back from their records).  ``workers`` > 1: that many worker processes;
    ``scheduler``: the address of a Dask scheduler instead (or a ``distributed.Client``).
    ``fresh_inputs``: each student's checks draw their inputs from a seed of their own, drawn here and
    kept in their record (results.json says it, so the grade can be replayed)."""
    root, out = Path(root), Path(out)
    if not root.is_dir():
        raise load.UsageError(f"{root}: not a folder")
    students = find_students(root)
    if not students:
        raise load.UsageError(f"{root}: no student folders or zips in it (expected one folder or .zip per student)")
    out.mkdir(parents=True, exist_ok=True)
    # the assignment's exercises (--exercises, else the rubric's [assignment], else all), resolved once
    # here so every worker grades the same selection and the gradebook has one column per exercise
    exercises = api.selected_exercises(rubric, exercises)
    salt = _salt(rubric, limits, exercises) + ("fresh inputs" if fresh_inputs else "")
    jobs = {s.name: read_job(s) for s in students}
    fingerprints = {name: job.fingerprint(salt) for name, job in jobs.items()}  # the seed is not in it: a
    # resumed batch keeps each finished student's grade (and seed) instead of drawing again
    if fresh_inputs:
        from autograder.checks.framework import fresh_inputs_seed

        jobs = {name: dataclasses.replace(job, inputs=fresh_inputs_seed()) for name, job in jobs.items()}
    by_name = {s.name: s for s in students}
    records: dict = {}
    todo = []
    for student in students:
        previous = None if force else _read_record(student_folder(out, student.name))
        if previous is not None and previous.get("fingerprint") == fingerprints[student.name]:
            records[student.name] = previous
        else:
            todo.append(student.name)
    total = len(students)
    _write_gradebook(out, students, records, exercises)
    if progress:
        for name in sorted(records):
            progress(Progress(len([n for n in records if n <= name]), total, name, records[name], skipped=True))

    def finished(name, report, error, seconds):
        record = _write_student(out, by_name[name], jobs[name], fingerprints[name], report, error, seconds)
        records[name] = record
        _write_gradebook(out, students, records, exercises)
        if progress:
            progress(Progress(len(records), total, name, record))

    file_workers = max(1, api.default_workers() // max(1, workers)) if scheduler is None else 1
    if not todo:
        pass  # everyone was graded by an earlier run with the same files, rubric and limits
    elif scheduler is not None:
        _run_dask(scheduler, todo, jobs, rubric, limits, exercises, finished)
    elif workers <= 1:
        for name in todo:  # in this process: one fork server for the whole class
            report, error, seconds = _grade_in_worker(jobs[name], rubric, limits, file_workers, exercises, work_folder())
            if report is None:
                report, error, seconds = _failed(name, rubric, exercises, error, seconds)
            finished(name, report, error, seconds)
    else:
        _run_pool(workers, todo, jobs, rubric, limits, file_workers, exercises, finished,
                  lambda name, error: finished(name, *_failed(name, rubric, exercises, error)), work_folder())
    write_summary(out, [records[s.name] for s in students])
    return [(s.name, _report_of(records[s.name])) for s in students]


def _run_pool(workers, todo, jobs, rubric, limits, file_workers, exercises, finished, failed, work: str) -> None:
    """Worker processes forked from a process that imported TensorFlow and the grader once, all
    forking their children from one sandbox fork server.

    At most ``workers`` students are in flight, so when a worker process dies (the pool is then
    broken for every pending job) only those few are affected: they are retried once in a new pool,
    and a student in flight at two deaths is recorded as failed."""
    import multiprocessing

    from autograder.sandbox.forkserver import ForkServer

    queue = list(todo)
    deaths: Counter = Counter()

    def retry_or_fail(name: str) -> None:
        """A worker died under this student: grade them again once, then record the failure."""
        deaths[name] += 1
        if deaths[name] >= 2:
            failed(name, "the grading worker process died twice while grading this student")
        else:
            queue.insert(0, name)

    # Cold start is two TensorFlow imports side by side on two cores, whatever the number of workers:
    # - the workers are forked from multiprocessing's fork server, a clean process that imports
    #   TensorFlow and the grader once (no op runs there) -- a worker starts in a fraction of a
    #   second instead of importing TensorFlow itself; this process is never forked (threads, children);
    # - one sandbox fork server for all workers, listening in a folder only the grader can enter
    #   (the batch's work folder, 0700); it stays a clean process of its own (python -P, cwd /).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.batch_preload"])
    path = os.path.join(tempfile.mkdtemp(prefix="fs-", dir=work), "socket")  # one per call: two batches in one process
    server = ForkServer(listen=path)
    try:
        while queue:
            if server.process.poll() is not None:  # it died (say, killed by the OOM killer): a new one
                server = ForkServer(listen=path)
            lost = _one_pool(context, (os.getpid(), path), workers, queue, jobs,
                             (rubric, limits, file_workers, exercises, work), finished, failed)
            if lost:
                shown = sorted({*lost, *(n for n in queue[:1] if deaths[n])})
                print(f"autograder batch: a worker process died while grading {', '.join(shown)}; "
                      "starting new workers and grading again", file=sys.stderr, flush=True)
                for name in lost:
                    retry_or_fail(name)
    finally:
        server.close()


def _one_pool(context, initargs, workers, queue, jobs, settings, finished, failed) -> list:
    """Grade from ``queue`` until it is empty or a worker dies; returns the students in flight at
    the death (every job still running dies with the pool), [] if none died."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_started,
                             initargs=initargs) as pool:
        running = {}
        while queue or running:
            while queue and len(running) < workers:
                name = queue.pop(0)
                running[pool.submit(_grade_in_worker, jobs[name], *settings)] = name
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            lost = []
            for future in done:
                name = running.pop(future)
                try:
                    report, error, seconds = future.result()
                except BrokenProcessPool:
                    lost.append(name)
                    continue
                if report is None:
                    failed(name, error)
                else:
                    finished(name, report, error, seconds)
            if lost:
                return lost + list(running.values())
    return []


def _run_dask(scheduler, todo, jobs, rubric, limits, exercises, finished) -> None:
    """One task per student on a Dask cluster; results come back here, where they are written."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise ImportError("dask distributed is not installed", name="distributed") from exc

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(grade_on_dask, jobs[name], rubric, limits, 1, exercises, pure=False,
                                 key=f"autograder-{name}-{os.urandom(4).hex()}"): name for name in todo}
        for future in as_completed(futures):
            name = futures[future]
            try:
                report, error, seconds = future.result()
            except Exception as exc:  # noqa: BLE001 - a task Dask gave up on (its worker died) is a zero
                report, error, seconds = None, f"{type(exc).__name__}: {exc}", 0.0
            if report is None:
                report, error, seconds = _failed(name, rubric, exercises, error)
            finished(name, report, error, seconds)
    finally:
        if client is not scheduler:
            client.close()


# ---------------------------------------------------------------------------------------------
# Gradebook and summary
# ---------------------------------------------------------------------------------------------


def _points(record: dict) -> dict:
    per: dict = {}
    for r in record["results"]:
        per[r["exercise"]] = per.get(r["exercise"], 0.0) + r["score"]
    return per


def _cell(name: str) -> str:
    """A student's name as a gradebook cell: printable, and never a formula a spreadsheet would run."""
    name = messages.learner_text(name, 200)
    return "'" + name if name[:1] in ("=", "+", "-", "@") else name


def _write_gradebook(out: Path, students, records: dict, exercises) -> None:
    """Every student found, one row each: graded, failed (a zero with the error) or not yet graded;
    one column per exercise of the assignment."""
    exercises = list(exercises)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["student", *exercises, "total", "max", "status"])
    for student in students:
        record = records.get(student.name)
        if record is None:
            writer.writerow([_cell(student.name), *([""] * len(exercises)), "", "", "pending"])
            continue
        per = _points(record)
        graded = {r["exercise"] for r in record["results"]}
        writer.writerow([_cell(student.name), *(f"{per[e]:g}" if e in graded else "" for e in exercises),
                         f"{sum(per.values()):g}", f"{sum(r['points'] for r in record['results']):g}",
                         "error" if record["error"] else "graded"])
    write_atomically(out / "gradebook.csv", table.getvalue())
    write_atomically(out / "scores.csv", table.getvalue())  # the old name, for scripts that read it


def _mistake(message: str) -> str | None:
    marker = "Likely mistake: "
    if marker not in message:
        return None
    return message.split(marker, 1)[1].split("\n", 1)[0].strip().rstrip(".")


# how the sandbox words a file that never got to run (sandbox.Sandbox._start, child.serve_fd)
_NOT_IMPORTED = re.compile(r"^(?:the file (?:could not be|has a syntax error|exited the process at import|printed or wrote)"
                           r"|importing the file raised|.* could not be read: )")


def _handed_in(record: dict) -> set:
    return {load.exercise_of_name(f.rsplit("/", 1)[-1]) for f in record["files"]}


def suspicious_zero(record: dict) -> str | None:
    """Why zeros look like a problem with the hand-in rather than with the work, or None: nothing
    found, the grader failed, or a handed-in file that never imported (its exercise is all zeros)."""
    if record["error"]:
        return f"grading failed: {record['error']}"
    if not record["files"] and not any(r["score"] for r in record["results"]):
        return "nothing found to grade: " + (" ".join(record["problems"])[:200] or "no exercise file")
    broken = []
    for exercise in sorted(_handed_in(record)):
        checks = [r for r in record["results"] if r["exercise"] == exercise]
        if checks and all(r["score"] == 0 and _NOT_IMPORTED.match(r["message"]) for r in checks):
            broken.append(f"{exercise} did not import ({checks[0]['message'].splitlines()[0][:160]})")
    return "; ".join(broken) or None


def write_summary(out: Path, records: list) -> Path:
    """summary.md: the class at a glance, for the instructor (and histogram.png with matplotlib)."""
    totals = [sum(r["score"] for r in rec["results"]) for rec in records]
    maxima = [sum(r["points"] for r in rec["results"]) for rec in records]
    failed: Counter = Counter()
    mistakes: Counter = Counter()
    for rec in records:
        seen_checks, seen_mistakes = set(), set()
        handed_in = _handed_in(rec)
        for r in rec["results"]:
            # an exercise not handed in fails every check: that says nothing about which checks are hard
            if r["score"] < r["points"] and r["exercise"] in handed_in:
                number = r["exercise"].split("_", 1)[0]
                seen_checks.add(f"{number}.{r['function']}: {r['description']}")
                named = _mistake(r["message"])
                if named:
                    seen_mistakes.add(f"{number}.{r['function']}: {named}")
        failed.update(seen_checks)  # counted once per student, however many variants of a check failed
        mistakes.update(seen_mistakes)
    lines = ["# Batch summary", ""]
    if totals:
        top = max(maxima) if maxima else 0
        lines += [f"{len(records)} students; total out of {fmt_points(top)}: "
                  f"mean {fmt_points(statistics.mean(totals))}, median {fmt_points(statistics.median(totals))}, "
                  f"min {fmt_points(min(totals))}, max {fmt_points(max(totals))}.", ""]
    errors = [rec for rec in records if rec["error"]]
    if errors:
        lines += [f"**Grading failed for {len(errors)} student(s)** (recorded as 0): "
                  + ", ".join(rec["student"] for rec in errors), ""]
    histogram = _histogram(out, totals, max(maxima) if maxima else 0)
    lines += ([f"![score histogram]({histogram.name})", ""] if histogram else
              ["(Install matplotlib for a score histogram: `pip install matplotlib`.)", ""])
    lines += ["## Checks failed most often", "", "| students | check |", "|---:|---|"]
    lines += [f"| {count} | {name} |" for name, count in failed.most_common(15)] or ["| 0 | (none) |"]
    lines += ["", "## Most common named mistakes", "", "| students | mistake |", "|---:|---|"]
    lines += [f"| {count} | {name} |" for name, count in mistakes.most_common(15)] or ["| 0 | (none) |"]
    lines += ["", "## Suspicious zeros (nothing found, grading failed, a file that did not import)", ""]
    zeros = [(rec["student"], suspicious_zero(rec)) for rec in records]
    zeros = [(name, why) for name, why in zeros if why]
    lines += [f"- {name}: {why}" for name, why in zeros] or ["(none)"]
    noted = [(rec["student"], note) for rec in records for note in rec["notes"]]
    if noted:
        lines += ["", "## Files found under other names or places", ""]
        lines += [f"- {name}: {note}" for name, note in noted]
    path = out / "summary.md"
    write_atomically(path, "\n".join(lines) + "\n")
    return path


def _histogram(out: Path, totals: list, top: float):
    """histogram.png of the totals, or None when matplotlib is not installed (it is optional)."""
    try:
        # the object-oriented API with the Agg canvas: no pyplot, so no backend switch and no
        # IPython display hook (pyplot imports IPython when it is installed, as nbgrader installs it)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    figure = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.hist(totals, bins=min(20, max(5, len(totals))), range=(0, top or 1), color="#4472c4", edgecolor="white")
    axes.set_xlabel(f"total points (out of {fmt_points(top)})")
    axes.set_ylabel("students")
    axes.set_title(f"{len(totals)} students")
    figure.tight_layout()
    path = out / "histogram.png"
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    fd, temp = tempfile.mkstemp(prefix=".histogram.", suffix=".tmp", dir=out)
    with os.fdopen(fd, "wb") as handle:
        handle.write(buffer.getvalue())
    os.replace(temp, path)
    return path


def grade_student(folder: Path, rubric, limits) -> Report:
    """One student's folder (or zip), graded as the batch grades it; never raises for a bad hand-in."""
    folder = Path(folder)
    job = read_job(Student(folder.name, folder))
    selected = api.selected_exercises(rubric)
    report, error, _seconds = _grade_in_worker(job, rubric, limits, api.default_workers(), selected)
    return report if report is not None else _nothing_found(rubric, f"grading failed: {error}", selected)

