"""Every corpus file graded as its exercise, per check: a before/after record for grading changes.

    python bench/corpus_scores.py --out after.json [--workers 2]
    python bench/corpus_scores.py --compare before.json after.json

The first form lays the corpus (tests/submissions/EXERCISE/*.py) out as one student per file,
grades it with ``autograder batch``, and writes {file: {check: fraction}} plus the wall time.
The second lists every check whose fraction differs between two such records: a change to a
budget or to the checks' inputs is "graded the same" when it lists nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "submissions"


def record(out: Path, workers: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="corpus-scores-"))
    try:
        students = work / "students"
        for path in sorted(CORPUS.glob("ex*/*.py")):
            folder = students / f"{path.parent.name}--{path.stem}"
            folder.mkdir(parents=True)
            shutil.copy(path, folder / f"{path.parent.name}.py")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder.cli", "batch", str(students), "--out", str(work / "out"),
                        "--workers", str(workers)], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        scores = {}
        for folder in sorted(students.iterdir()):
            exercise = folder.name.split("--")[0]
            graded = json.loads((work / "out" / folder.name / "record.json").read_text())
            scores[folder.name] = {r["check_id"]: round(r["score"] / r["points"], 4) if r["points"] else r["score"]
                                   for r in graded["results"] if r["exercise"] == exercise}
        out.write_text(json.dumps({"wall_seconds": round(wall, 1), "scores": scores}, indent=1, sort_keys=True))
        print(f"{len(scores)} files graded in {wall:.1f} s -> {out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare(before: Path, after: Path) -> int:
    a, b = (json.loads(p.read_text())["scores"] for p in (before, after))
    differences = 0
    for name in sorted(set(a) | set(b)):
        left, right = a.get(name, {}), b.get(name, {})
        for check in sorted(set(left) | set(right)):
            if left.get(check) != right.get(check):
                differences += 1
                print(f"{name}: {check}: {left.get(check)} -> {right.get(check)}")
    print(f"{differences} check(s) graded differently over {len(set(a) | set(b))} files")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("--out or --compare is needed")
    record(args.out, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
