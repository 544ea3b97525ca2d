"""Benchmark: a child handed on from file to file (pipeline.ChildReuse) against a child per file.

    python bench/child_reuse.py [--rounds 6] [--corpus]

(1) The whole reference submission, one file at a time (as on one core), graded alternately with
a child handed on and with a child per file (AUTOGRADER_CHILD_PER_FILE=1), in one process: wall
time and the machine's CPU time (all processes, from /proc/stat) per submission, medians and their
ratio.  (2) With --corpus, every corpus file with the other exercises' reference solutions beside
it, graded once: how often the child was handed on to the next file, and why it was not.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder import api, engine, pipeline, sandbox  # noqa: E402


def machine_cpu_seconds() -> float:
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def side_by_side(rounds: int) -> None:
    paths = [str(p) for p in sorted((ROOT / "solutions").glob("ex*.py"))]
    api.grade_paths(paths, workers=1)  # warm: the fork server, the oracle's data and caches
    figures: dict = {"handed on": ([], []), "child per file": ([], [])}
    for i in range(rounds):
        for mode in (("handed on", "child per file") if i % 2 == 0 else ("child per file", "handed on")):
            os.environ[engine.CHILD_PER_FILE] = "1" if mode == "child per file" else "0"
            cpu, started = machine_cpu_seconds(), time.perf_counter()
            report = api.grade_paths(paths, workers=1)
            figures[mode][0].append(time.perf_counter() - started)
            figures[mode][1].append(machine_cpu_seconds() - cpu)
            assert report.score == report.max_score, (mode, report.score, report.max_score)
    os.environ.pop(engine.CHILD_PER_FILE, None)
    print(f"the whole reference submission, one file at a time, {rounds} runs each, alternating:")
    base_wall, base_cpu = (statistics.median(v) for v in figures["child per file"])
    for mode, (walls, cpus) in figures.items():
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"  {mode:15} wall {wall:5.2f} s (x{wall / base_wall:.2f})   machine CPU {cpu:5.2f} s (x{cpu / base_cpu:.2f})"
              f"   walls {' '.join(f'{w:.2f}' for w in walls)}")


def corpus() -> None:
    """Every corpus file among the other references: was the child handed on, and why not."""
    decisions: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    close = pipeline.ChildReuse.close

    def recording_close(self):
        for _folder, box in list(self._parked.values()):
            for _module, status, message in box.reused:
                decisions[status] += 1
                if status == "dirty":
                    reasons.update(part.strip() for part in message.split(","))
        close(self)

    pipeline.ChildReuse.close = recording_close
    references = sorted((ROOT / "solutions").glob("ex*.py"))
    work = Path(tempfile.mkdtemp(prefix="child-reuse-"))
    files = sorted((ROOT / "tests" / "submissions").glob("ex*/*.py"))
    started = time.perf_counter()
    try:
        for path in files:
            folder = work / f"{path.parent.name}--{path.stem}"
            folder.mkdir()
            shutil.copy(path, folder / f"{path.parent.name}.py")
            for reference in references:
                if reference.stem != path.parent.name:
                    shutil.copy(reference, folder / reference.name)
            api.grade_paths([str(folder)], workers=1)
            shutil.rmtree(folder)
    finally:
        pipeline.ChildReuse.close = close
        shutil.rmtree(work, ignore_errors=True)
    asked = sum(decisions.values())
    print(f"\n{len(files)} corpus files, each among the other references ({time.perf_counter() - started:.0f} s): "
          f"{asked} files handed to a live child; it took {decisions['ok']}, "
          f"was not clean for {decisions['dirty']}, died or ran out of memory for "
          f"{decisions['crashed'] + decisions['memory']}")
    for reason, count in reasons.most_common(12):
        print(f"  not clean: {reason}: {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--corpus", action="store_true")
    args = parser.parse_args()
    sandbox.warm_up()
    side_by_side(args.rounds)
    if args.corpus:
        corpus()
    sandbox.shut_down()


if __name__ == "__main__":
    main()
