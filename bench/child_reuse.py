"""Benchmark: a child handed on from file to file (pipeline.ChildReuse) against a child per file.

    python bench/child_reuse.py [--rounds 6]

The whole reference submission, one file at a time (as on one core), graded alternately with a
child handed on and with a child per file (AUTOGRADER_CHILD_PER_FILE=1), in one process: wall time
and the machine's CPU time (all processes, from /proc/stat) per submission, medians and their
ratio.  That every corpus file is graded the same among the other references, and costs them
nothing, is bench/corpus_scores.py --neighbours.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder import api, engine, sandbox  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    sandbox.warm_up()
    side_by_side(args.rounds)
    sandbox.shut_down()


if __name__ == "__main__":
    main()
