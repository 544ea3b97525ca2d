"""Uploads built to break a class's grading, graded by the real CLI (``autograder batch``) in one run.

Each student below once stopped the whole batch, took the gradebook's place, or put forged text in
front of the instructor (a red team's findings); now each is that student's own zero or note, and the
honest student beside them keeps full marks.  FORCE_COLOR makes rich draw its live progress bar, as in
a terminal, so markup in an upload's names is seen where it once crashed the batch.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "ex01_tape_basics.py"
FORMULA = '=HYPERLINK("evil.example","alice")'


def _zip(path: Path, members: dict) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def hostile_class(root: Path) -> Path:
    root.mkdir()
    (root / "alice").mkdir()
    shutil.copy(SOLUTION, root / "alice")
    # a deflate stream that is not one: zlib.error while reading the member
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ex01_tape_basics.py", "x = 1\n" * 1000)
    data = bytearray(buffer.getvalue())
    start = 30 + len("ex01_tape_basics.py")
    data[start:start + 2] = b"\xff\xff"
    (root / "broken.zip").write_bytes(bytes(data))
    # a folder whose name is not UTF-8 on disk
    os.makedirs(os.fsencode(root / "bytes") + b"/sub\xff")
    shutil.copy(SOLUTION, os.fsencode(root / "bytes") + b"/sub\xff/ex01_tape_basics.py")
    # a forged `autograder submit` manifest claiming an infinite self-check score
    (root / "forged").mkdir()
    shutil.copy(SOLUTION, root / "forged")
    (root / "forged" / "backprop-kit-manifest.json").write_text('{"files": {}, "self_check": {"score": 1e999, "possible": 8}}')
    _zip(root / "gradebook.csv.zip", {"ex01_tape_basics.py": SOLUTION.read_bytes()})  # a student named gradebook.csv
    (root / FORMULA).mkdir()
    (root / FORMULA / "ex01_tape_basics.py").write_text("x = 1\n")
    _zip(root / "markup.zip", {"[/oops]/ex01_tape_basics.py": SOLUTION.read_bytes()})
    _zip(root / "control.zip", {"a\n[2/2] alice: 0/8\x1b[8m/ex01_tape_basics.py": SOLUTION.read_bytes()})
    return root


def test_hostile_uploads_are_each_their_own_zero_and_the_class_is_graded(tmp_path):
    root, out = hostile_class(tmp_path / "class"), tmp_path / "out"
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "batch", str(root), "--out", str(out),
                           "--exercises", "ex01", "--workers", "2"], capture_output=True, text=True, timeout=900,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "gradebook.csv", newline="") as handle:  # still the gradebook, not a student's folder
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    found = {"alice", "broken", "bytes", "forged", "gradebook.csv", "'" + FORMULA, "markup", "control"}
    assert set(rows) == found, sorted(rows)
    full = rows["alice"]["max"]
    for student in ("alice", "bytes", "forged", "gradebook.csv", "markup", "control"):
        assert rows[student]["total"] == full and rows[student]["status"] == "graded", (student, rows[student])
    assert rows["broken"]["total"] == "0", rows["broken"]
    assert "broken.zip could not be read: error: " in (out / "broken" / "report.txt").read_text()  # zlib's
    assert rows["'" + FORMULA]["total"] == "0"  # a cell a spreadsheet shows as text, not a second "alice"
    assert (out / "gradebook.csv (student)" / "record.json").is_file()
    assert (out / "summary.md").is_file()
    forged = (out / "forged" / "report.txt").read_text()
    assert "could not be read" in forged and "not a finite number" in forged, forged[:500]
    control = (out / "control" / "report.txt").read_text()
    assert "\x1b" not in control and "\n[2/2] alice" not in control and "\\x1b[8m" in control, control[:500]
    assert "\x1b[8m" not in done.stdout


def test_a_class_folder_with_submitted_and_students_beside_it_is_refused(tmp_path):
    root = tmp_path / "class"
    for student in ("alice", "submitted/mallory"):
        (root / student).mkdir(parents=True)
        shutil.copy(SOLUTION, root / student)
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "batch", str(root), "--out", str(tmp_path / "out"),
                           "--exercises", "ex01"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "holds submitted/" in done.stderr and "alice" in done.stderr and "Traceback" not in done.stderr


FLOOD = '''
import subprocess, sys, time

# a hundred small busy processes, each in a session of its own (autogrouping would weigh each apart),
# spinning while this file's import sleeps: the neighbour graded beside it must not starve
for _ in range(100):
    subprocess.Popen([sys.executable, "-I", "-S", "-c", "while True: pass"], start_new_session=True)
time.sleep(40)
'''


def test_a_student_running_a_hundred_busy_processes_does_not_starve_the_neighbour(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    (root / "alice").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "ex04_manual_backprop.py", root / "alice")
    (root / "mallory").mkdir()
    (root / "mallory" / "ex04_manual_backprop.py").write_text(FLOOD)
    # alice's longest call (train:accuracy) took 2.0 s beside the flood with a cpu group per child, 45 s
    # without (every busy process weighing as much as alice's child): a 15 s budget tells them apart
    budget = tmp_path / "budget.toml"
    budget.write_text("[ex04_manual_backprop.settings]\ntrain_seconds = 15\n")
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "batch", str(root), "--out", str(out),
                           "--exercises", "ex04", "--workers", "2", "--call-seconds", "15", "--rubric", str(budget)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert rows["alice"]["total"] == rows["alice"]["max"], (out / "alice" / "report.txt").read_text()[-3000:]
    assert rows["mallory"]["total"] == "0"
