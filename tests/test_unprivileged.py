"""The real non-root path: the kit run as nobody through tools/as_unprivileged.sh (in CI, as root).

The grader is then an unprivileged process: the child gets a user namespace of nobody's uid and
no cgroup, so memory is bounded by the watch from outside (sandbox.proc.ShmemWatch), processes by
RLIMIT_NPROC.  A real `grade --json` of a reference solution gets full marks; a `batch` of every
hostile file (memory no resident set shows, signals to everyone, reading other files, escaping the
PID namespace, a daemon, system calls the seccomp filter refuses, ...) gets what each file's expect line says; no process of nobody outlives the
runs and every file the grader wrote is in the output folder, nowhere else.

Runs as root only (it switches to nobody) where nobody, setpriv and unshare exist; the script
bind-mounts the Python install, the checkout and its venv's site-packages read-only where nobody
can read them, so the checkout may sit under /root.  The files graded and the outputs are in a
folder owned by nobody, removed afterwards.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.sandbox import jail
from autograder.sandbox import messages as said
from test_isolation import exercise_of
from test_submissions import expectation

KIT = Path(__file__).resolve().parent.parent
SCRIPT = KIT / "tools" / "as_unprivileged.sh"
HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(p.stem for p in HOSTILE.glob("*.py"))  # every hostile file, as test_isolation.py grades them as root


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root: it runs the kit as nobody through tools/as_unprivileged.sh"
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return "no user nobody on this machine"
    for tool in ("setpriv", "unshare"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (util-linux)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def _reachable_by_others(folder: str) -> bool:
    path = Path(folder).resolve()
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *path.parents])


@pytest.fixture
def nobody_folder():
    """A folder owned by nobody (0700), in a place nobody can reach; removed after, whatever is in it."""
    base = tempfile.gettempdir()
    if not _reachable_by_others(base):
        base = "/tmp"
    folder = Path(tempfile.mkdtemp(prefix="unprivileged-", dir=base))
    nobody = pwd.getpwnam("nobody")
    os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    os.chmod(folder, 0o700)
    yield folder, nobody
    shutil.rmtree(folder, ignore_errors=True)


def _own(folder: Path, user) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)


def processes_of(uid: int) -> set:
    return set(jail.processes_of_uid(uid))


def as_nobody(args, folder: Path, seconds: float) -> subprocess.CompletedProcess:
    env = {**os.environ, "TMPDIR": str(folder / "tmp"), "PYTHON": sys.executable}
    return subprocess.run(["bash", str(SCRIPT), "python", "-m", "autograder.cli", *args], env=env, cwd="/",
                          capture_output=True, text=True, timeout=seconds, stdin=subprocess.DEVNULL)


def lost(results: dict, exercise: str) -> set:
    """Functions of ``exercise`` that lost points in a results.json ('ex01.grad_of_square: ...')."""
    return {t["name"].split(".", 1)[1].split(":", 1)[0] for t in results["tests"]
            if t["score"] < t["max_score"] and t["name"].startswith(exercise[:4] + ".")}


def _commands(pids) -> dict:
    found = {}
    for pid in pids:
        try:
            found[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            found[pid] = "(gone)"
    return found


def _files(folder: Path) -> set:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_a_reference_solution_and_hostile_files_graded_as_nobody(nobody_folder):
    folder, nobody = nobody_folder
    (folder / "tmp").mkdir()
    (folder / "out").mkdir()
    solution = folder / "solution" / "ex01_tape_basics.py"
    solution.parent.mkdir()
    shutil.copy(KIT / "solutions" / "ex01_tape_basics.py", solution)
    for name in CASES:
        (folder / "class" / name).mkdir(parents=True)
        shutil.copy(HOSTILE / f"{name}.py", folder / "class" / name / f"{exercise_of(HOSTILE / f'{name}.py')}.py")
    (folder / "class" / "other_student").mkdir()  # what reads_other_files must not find beside it
    shutil.copy(HOSTILE / "reads_other_files.py", folder / "class" / "other_student" / "ex01_tape_basics.py")
    _own(folder, nobody)
    inputs = _files(folder)
    before = processes_of(nobody.pw_uid)

    # the command a grader runs, as nobody: full marks, and the sandbox says it has no cgroup
    done = as_nobody(["grade", str(solution), "--json", str(folder / "out" / "solution.json")], folder, 300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((folder / "out" / "solution.json").read_text())
    assert results["score"] == results["max_score"] > 0, done.stdout
    assert said.NO_CGROUP.split(" (")[0] in done.stdout, done.stdout  # the real no-cgroup path was taken
    assert not any(line.startswith("sandbox: " + said.NOT_JAILED) for line in done.stdout.splitlines()), done.stdout

    # the hostile files, one student each, in one batch
    started = time.monotonic()
    exercises = sorted({exercise_of(HOSTILE / f"{name}.py")[:4] for name in CASES})
    done = as_nobody(["batch", str(folder / "class"), "--out", str(folder / "out" / "class"),
                      "--exercises", ",".join(exercises), "--memory-gib", "1.5", "--call-seconds", "8",
                      "--submission-seconds", "120"], folder, 1500)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    assert time.monotonic() - started < 1200
    for name in [*CASES, "other_student"]:
        record = folder / "out" / "class" / name / "results.json"
        assert record.exists(), (name, done.stdout[-3000:], done.stderr[-3000:])
        source = HOSTILE / f"{'reads_other_files' if name == 'other_student' else name}.py"
        must, may = expectation(source)
        got = lost(json.loads(record.read_text()), exercise_of(source))
        messages = [t["output"] for t in json.loads(record.read_text())["tests"] if t["score"] < t["max_score"]]
        assert must <= got <= must | may, (name, got, messages)
        if name in ("memfd_bomb", "shm_bomb", "mapped_memfd_bomb", "hidden_memfd_bomb", "memory_bomb"):
            assert any("of memory and was stopped" in m for m in messages), (name, messages)

    # nothing left: no process of nobody, no file beyond the inputs and the outputs
    deadline = time.monotonic() + 10  # a killed child with gigabytes of memfds takes a moment to exit
    while (left := processes_of(nobody.pw_uid) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes of nobody outlived the grading: {_commands(left)}"
    assert {f for f in _files(folder) - inputs if not f.startswith("out/")} == set()
    assert list((folder / "tmp").iterdir()) == [], "the grader left files in its temp folder"
    with open(folder / "out" / "class" / "gradebook.csv") as handle:
        assert len(list(csv.DictReader(handle))) == len(CASES) + 1
