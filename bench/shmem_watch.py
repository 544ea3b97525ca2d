"""What the no-cgroup memory watch (sandbox.proc.ShmemWatch) costs per poll, for a live TensorFlow child.

    python bench/shmem_watch.py          # as root: forces the no-cgroup, user-namespace path

Starts a sandbox on a reference solution (its child has imported TensorFlow and run a call), then
times ``bytes(tree)`` as the trusted side calls it every 50 ms: as polled (a process's maps are
re-read at most every 0.25 s) and with every poll re-reading the maps (the worst case for one child).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import sandbox  # noqa: E402
from autograder.records import Call  # noqa: E402
from autograder.sandbox import client, proc  # noqa: E402


def timed(watch, tree, polls: int, every: float) -> list:
    watch.MAPS_EVERY = every
    costs = []
    for _ in range(polls):
        began = time.perf_counter()
        watch.bytes(tree)
        costs.append(time.perf_counter() - began)
        time.sleep(0.05)
    return costs


def main() -> None:
    if os.geteuid() == 0:
        os.environ[sandbox.TEST_USER_NAMESPACE] = "1"
        os.environ[client.TEST_NO_CGROUP] = "1"
    solution = ROOT / "solutions" / "ex01_tape_basics.py"
    with sandbox.Sandbox(str(solution), "ex01_tape_basics") as box:
        assert box.call(Call("grad_of_square", (3.0,))).status == "ok"
        watch = box._shmem
        assert watch is not None, "this child has a cgroup: no watch"
        tree = [box._pid, *proc.descendants(box._pid)]
        for name, every in (("as polled", proc.ShmemWatch.MAPS_EVERY), ("maps every poll", 0.0)):
            costs = timed(watch, tree, 100, every)
            print(f"{name:16s} {len(tree)} processes: median {statistics.median(costs) * 1000:.2f} ms, "
                  f"p90 {sorted(costs)[89] * 1000:.2f} ms, max {max(costs) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
