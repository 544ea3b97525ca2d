"""Benchmark: the cost of one sandboxed child, from start to its first answer, then closed.

    python bench/child_start.py [--runs 20] [--fresh]

Starts a Sandbox on a copy of the ex01 reference solution, makes one call, closes it, and prints
the median (and min/max) over the runs, forked from the warm fork server; with --fresh also a
fresh interpreter per child, for comparison.  The fork server is started (and warmed) first.
"""

from __future__ import annotations

import argparse
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


def measure(runs: int, server) -> list:
    from autograder import records, sandbox

    folder = Path(tempfile.mkdtemp(prefix="bench-start-"))
    target = folder / "ex01_tape_basics.py"
    shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", target)
    times = []
    try:
        for _ in range(runs):
            started = time.perf_counter()
            with sandbox.Sandbox(str(target), "ex01_tape_basics", sandbox.Limits(), server=server) as box:
                outcome = box.call(records.Call("grad_of_square", (3.0,)))
            times.append(time.perf_counter() - started)
            assert outcome.status == "ok", outcome
    finally:
        shutil.rmtree(folder)
    return times


def show(label: str, times: list) -> None:
    print(f"{label:34} median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f}, n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="also measure a fresh interpreter per child")
    args = parser.parse_args()
    from autograder import sandbox

    server = sandbox.fork_server()
    measure(2, server)  # warm: the server imports TensorFlow on its first fork
    show("forked child, start + 1 call:", measure(args.runs, server))
    if args.fresh:
        show("fresh interpreter, start + 1 call:", measure(max(3, args.runs // 4), None))
    sandbox.shut_down()


if __name__ == "__main__":
    main()
