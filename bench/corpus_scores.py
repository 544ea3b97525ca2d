"""Every corpus file graded as its exercise, per check: a before/after record for grading changes.

    python bench/corpus_scores.py --out after.json [--workers 2] [--neighbours]
    python bench/corpus_scores.py --compare before.json after.json

The first form lays the corpus (tests/submissions/EXERCISE/*.py) out as one student per file,
grades it with ``autograder batch``, and writes {file: {check: fraction}} plus the wall time.
The second lists every check whose fraction differs between two such records: a change to a
budget or to the checks' inputs is "graded the same" when it lists nothing.

``--neighbours`` puts the reference solutions of every other exercise beside each corpus file, so
that a child handed on from file to file (pipeline.ChildReuse) grades the corpus file after some
of them and before the others.  Compared with a record made without it, the corpus file must be
graded the same; and every neighbour must get full marks whatever the corpus file did (the
record lists any neighbour's check that did not, under "neighbours_lost").
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


def record(out: Path, workers: int, neighbours: bool = False) -> None:
    work = Path(tempfile.mkdtemp(prefix="corpus-scores-"))
    try:
        students = work / "students"
        references = sorted((ROOT / "solutions").glob("ex*.py"))
        for path in sorted(CORPUS.glob("ex*/*.py")):
            folder = students / f"{path.parent.name}--{path.stem}"
            folder.mkdir(parents=True)
            shutil.copy(path, folder / f"{path.parent.name}.py")
            for reference in references if neighbours else ():
                if reference.stem != path.parent.name:
                    shutil.copy(reference, folder / reference.name)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder.cli", "batch", str(students), "--out", str(work / "out"),
                        "--workers", str(workers)], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        scores, lost = {}, {}
        for folder in sorted(students.iterdir()):
            exercise = folder.name.split("--")[0]
            graded = json.loads((work / "out" / folder.name / "record.json").read_text())
            scores[folder.name] = {r["check_id"]: round(r["score"] / r["points"], 4) if r["points"] else r["score"]
                                   for r in graded["results"] if r["exercise"] == exercise}
            missed = [f"{r['exercise']}/{r['check_id']}: {r.get('message', '')[:160]}" for r in graded["results"]
                      if r["exercise"] != exercise and r["score"] < r["points"]]
            if missed:
                lost[folder.name] = missed
        record_ = {"wall_seconds": round(wall, 1), "scores": scores}
        if neighbours:
            record_["neighbours_lost"] = lost
        out.write_text(json.dumps(record_, indent=1, sort_keys=True))
        print(f"{len(scores)} files graded in {wall:.1f} s -> {out}")
        if neighbours:
            print(f"{len(lost)} file(s) whose neighbours lost points" + "".join(
                f"\n  {name}: {'; '.join(items[:3])}" for name, items in sorted(lost.items())))
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
    parser.add_argument("--neighbours", action="store_true",
                        help="put the other exercises' reference solutions beside each corpus file")
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if not args.out:
        parser.error("--out or --compare is needed")
    record(args.out, args.workers, args.neighbours)
    return 0


if __name__ == "__main__":
    sys.exit(main())
