"""Benchmark: the same reference submission graded under different child environments, side by side.

    python bench/child_env.py --env "" --env "ONEDNN_MAX_CPU_ISA=AVX512_CORE" [--rounds 8]

Each ``--env`` ("NAME=VALUE NAME=VALUE", "" for the kit's defaults) gets its own grader process,
with its own fork server, so the variables reach every child as a caller's setting would (see
sandbox.proc.CHILD_ENVIRONMENT).  The processes are started and warmed first; then, round after
round, each grades the whole reference submission once, one file at a time, in turn (the order
rotates every round), so a slow spell of a noisy machine falls on every configuration alike.
Prints the median wall time per configuration and per exercise, and each one's ratio to the first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker() -> None:
    """One configuration: warm up, then grade the reference submission each time stdin says "go"."""
    import time

    sys.path.insert(0, str(ROOT))
    from autograder import api, sandbox

    sandbox.warm_up()
    paths = [str(p) for p in sorted((ROOT / "solutions").glob("ex*.py"))]
    api.grade_paths(paths[:1])  # the fork server's import and every cache, before the first round
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        per_file = {}
        started = time.perf_counter()
        for path in paths:
            began = time.perf_counter()
            report = api.grade_paths([path], workers=1)
            per_file[Path(path).stem] = time.perf_counter() - began
            if report.score != report.max_score:
                per_file[Path(path).stem + " NOT FULL"] = report.score
        print(json.dumps({"wall": time.perf_counter() - started, "files": per_file}), flush=True)


def parse_env(text: str) -> dict:
    return dict(item.split("=", 1) for item in text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", action="append", required=True, help='"NAME=VALUE ..." ("" for the defaults)')
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    workers = []
    for text in args.env:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **parse_env(text)}
        workers.append(subprocess.Popen([sys.executable, __file__, "--worker", "--env", text], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True))
    runs: list = [[] for _ in workers]
    try:
        for process in workers:
            json.loads(process.stdout.readline())  # warmed
        for round_ in range(args.rounds):
            order = list(range(len(workers)))
            order = order[round_ % len(order):] + order[:round_ % len(order)]
            for index in order:
                workers[index].stdin.write("go\n")
                workers[index].stdin.flush()
                runs[index].append(json.loads(workers[index].stdout.readline()))
    finally:
        for process in workers:
            try:
                process.stdin.close()
            except OSError:
                pass
            process.wait(timeout=60)
    base = statistics.median(r["wall"] for r in runs[0])
    print(f"the reference submission, one file at a time, {args.rounds} rounds (medians):")
    for text, results in zip(args.env, runs):
        wall = statistics.median(r["wall"] for r in results)
        print(f"  {text or '(defaults)':60} {wall:6.2f} s  x{wall / base:.3f}")
        names = sorted({name for r in results for name in r["files"]})
        print("    " + "  ".join(f"{name[:4]} {statistics.median(r['files'].get(name, 0.0) for r in results):.2f}"
                              for name in names))


if __name__ == "__main__":
    main()
