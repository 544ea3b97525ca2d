"""Benchmark: one class of notebook submissions through `nbgrader autograde` and `autograder batch`.

    python bench/batch_vs_nbgrader.py [--students 4] [--exercises ex01,ex02,ex03,ex04,ex05] [--workers 2]

The class: for each exercise, students ``ref1``, ``ref2`` hand in the reference notebook (the nbgrader
source notebook, solutions in place) and ``bug1``, ``bug2``, ... hand in that notebook with every
solution cell replaced by one file of the buggy corpus (tests/submissions/<exercise>/, "expect: lose").
A submission is one notebook.  The course is the kit's generated one (``autograder nbgrader``),
released with ``nbgrader generate_assignment``; then, on the same machine, one after the other:

- ``nbgrader autograde <exercise>`` for each exercise (all students), timed in total;
- ``autograder batch COURSE --out OUT --workers N`` (it reads ``submitted/<student>/<exercise>/``).

Printed: both wall times and their ratio, the per-submission median of each (nbgrader's from the
timestamps of its log lines, the kit's from each student's record), the cold start (nbgrader's
first notebook; the kit's first finished student, measured from the command's start), and whether
every notebook got the same points from both.  It prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def env_for(base: Path) -> dict:
    """nbgrader in a Jupyter of its own (as tests/test_nbgrader.py runs it), the kit importable."""
    env = dict(os.environ)
    env.pop("AUTOGRADER_RUBRIC", None)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])  # alembic
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["JUPYTER_PATH"] = str(base / "kernel" / "share" / "jupyter")
    for name in ("CONFIG", "DATA", "RUNTIME"):
        env[f"JUPYTER_{name}_DIR"] = str(base / f"jupyter-{name.lower()}")
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def run(args, cwd, env, log=None) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, stdout=log or subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}\n{(done.stdout or '')[-4000:]}")
    return time.perf_counter() - began


def buggy_corpus(exercise: str) -> list[Path]:
    files = sorted((ROOT / "tests" / "submissions" / exercise).glob("*.py"))
    # "Hostile" files hide autodiff in another process or thread: the kit's sandbox sees that from
    # outside, nbgrader's in-kernel run cannot (README, trust caveat), so their scores differ by design
    return [f for f in files if f.read_text(encoding="utf-8").lstrip('"').startswith("expect: lose")
            and "Hostile" not in f.read_text(encoding="utf-8").split('"""')[1]]


def with_code(notebook, code: str):
    """The notebook with the corpus file as its first solution cell and the other solution cells
    emptied, so nbgrader's kernel and the kit both run exactly that code for every function."""
    import copy

    from autograder.nbgrader_course import without_main_block

    notebook = copy.deepcopy(notebook)
    solutions = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
    solutions[0].source = without_main_block(code)
    for cell in solutions[1:]:
        cell.source = "pass  # (this student's code is all in the first answer cell)"
    return notebook


def build_class(course: Path, exercises: list[str], students: int) -> list[tuple[str, str]]:
    import nbformat

    submissions = []
    names = ["ref1", "ref2"][:max(1, students // 2)]
    names += [f"bug{i}" for i in range(1, students - len(names) + 1)]
    for exercise in exercises:
        source = nbformat.read(course / "source" / exercise / f"{exercise}.ipynb", as_version=4)
        corpus = buggy_corpus(exercise)
        for student in names:
            if student.startswith("ref"):
                notebook = source
            else:
                index = int(student[3:]) - 1
                notebook = with_code(source, corpus[(index * 7) % len(corpus)].read_text(encoding="utf-8"))
            target = course / "submitted" / student / exercise / f"{exercise}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target)
            submissions.append((student, exercise))
    return submissions


def nbgrader_durations(log: str) -> list[float]:
    """Seconds per submission from nbgrader's log: the gaps between its 'Autograding ...' lines
    (each line carries a timestamp), the last one up to the end of the run."""
    times = []
    for line in log.splitlines():
        match = re.match(r"\[AutogradeApp \| \w+\] (.*)", line)
        stamp = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)", line)
        if match and stamp and "Autograding" in line:
            times.append(datetime.fromisoformat(stamp.group(1)))
    return [(b - a).total_seconds() for a, b in zip(times, times[1:])]


def nbgrader_scores(course: Path, env: dict, submissions) -> dict:
    from nbgrader.api import Gradebook

    from autograder import nbgrader_course

    os.environ["PATH"] = env["PATH"]  # the gradebook runs alembic
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=nbgrader_course.COURSE_ID) as gradebook:
        for student, exercise in submissions:
            submission = gradebook.find_submission(exercise, student)
            scores[(student, exercise)] = round(sum(g.auto_score or 0 for nb in submission.notebooks for g in nb.grades), 4)
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--exercises", default="ex01,ex02,ex03,ex04,ex05",
                        help="comma-separated exercise prefixes (default: 5 exercises x 4 students = 20 notebooks)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    args = parser.parse_args()

    from autograder.checks import all_exercises

    wanted = [p.strip() for p in args.exercises.split(",") if p.strip()]
    exercises = [name for name in all_exercises() if any(name.startswith(p) for p in wanted)]
    base = Path(args.keep or tempfile.mkdtemp(prefix="bench-batch-"))
    base.mkdir(parents=True, exist_ok=True)
    course = base / "course"
    if course.exists():
        shutil.rmtree(course)
    env = env_for(base)
    run(["-m", "ipykernel", "install", "--prefix", str(base / "kernel"), "--name", "python3"], base, env)
    run(["-m", "autograder.cli", "nbgrader", str(course), "--root", str(ROOT)], base, env)
    run(["-m", "nbgrader", "generate_assignment", "ex*", "--force"], course, env)
    submissions = build_class(course, exercises, args.students)
    print(f"{len(submissions)} notebook submissions: {args.students} students x {len(exercises)} exercises "
          f"({', '.join(exercises)}); {os.cpu_count()} cores", flush=True)

    # nbgrader: one autograde per assignment, every student's notebook executed in a fresh kernel
    durations, nbgrader_seconds = [], 0.0
    with open(base / "nbgrader.log", "w") as log:
        for exercise in exercises:
            nbgrader_seconds += run(["-m", "nbgrader", "autograde", exercise, "--force",
                                     "--Application.log_datefmt=%Y-%m-%d %H:%M:%S",
                                     "--Application.log_format=[%(name)s | %(levelname)s] %(asctime)s.%(msecs)03d %(message)s"],
                                    course, env, log)
    log_text = (base / "nbgrader.log").read_text(errors="replace")
    durations = nbgrader_durations(log_text)
    print(f"nbgrader autograde: {nbgrader_seconds:.1f} s", flush=True)

    # the kit: one batch over the same course folder
    out = base / "batch-out"
    shutil.rmtree(out, ignore_errors=True)
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "autograder.cli", "batch", str(course), "--out", str(out),
                                "--workers", str(args.workers)], cwd=base, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    first = None
    while process.poll() is None:
        if first is None and list(out.glob("*/record.json")):
            first = time.perf_counter() - began
        time.sleep(0.02)
    kit_seconds = time.perf_counter() - began
    output = process.stdout.read()
    if process.returncode != 0:
        raise SystemExit(f"autograder batch exited {process.returncode}\n{output[-4000:]}")
    records = [json.loads(p.read_text()) for p in sorted(out.glob("*/record.json"))]
    per_student = [r["seconds"] for r in records]
    files_per_student = statistics.mean(len(r["files"]) for r in records)

    # scores: per notebook, nbgrader's gradebook against the kit's gradebook.csv
    theirs = nbgrader_scores(course, env, submissions)
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    ours = {(s, e): round(float(rows[s][e]), 4) for s, e in submissions}
    differ = {k: (theirs[k], ours[k]) for k in submissions if abs(theirs[k] - ours[k]) > 1e-6}

    print()
    print(f"| | nbgrader autograde | autograder batch --workers {args.workers} |")
    print("|---|---:|---:|")
    print(f"| wall time, {len(submissions)} notebooks | {nbgrader_seconds:.1f} s | {kit_seconds:.1f} s |")
    print(f"| ratio | 1 | {nbgrader_seconds / kit_seconds:.1f}x faster |")
    if durations:
        print(f"| per-notebook median | {statistics.median(durations):.2f} s | "
              f"{statistics.median(per_student) / files_per_student:.2f} s (student median "
              f"{statistics.median(per_student):.2f} s / {files_per_student:g} notebooks, on one worker) |")
        print(f"| cold start | {durations[0]:.2f} s (first notebook) | "
              f"{first or float('nan'):.2f} s (command start to first student written) |")
    print(f"| scores identical | {'yes' if not differ else 'NO'}: {len(submissions) - len(differ)}/{len(submissions)} "
          "notebooks | |")
    for (student, exercise), (a, b) in sorted(differ.items()):
        print(f"  differs: {student}/{exercise}: nbgrader {a}, kit {b}")
    print(f"\n(work folder: {base})")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
