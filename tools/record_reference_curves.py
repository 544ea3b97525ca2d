"""Record the reference solutions' training curves into autograder/reference_curves.json.

The feedback page (autograder.render.html) draws a student's training curve against the
reference solution's; the grader never imports solutions/, so the reference curves are recorded
here, once, by grading the solutions like any submission and keeping each training check's
curve (every exercise with a training check, ``Check.trains``).  Each entry carries a fingerprint of what it depends on (the solution file and the
exercise's rubric settings); ``--check`` exits 1 when one no longer matches.

    python tools/record_reference_curves.py          # re-record
    python tools/record_reference_curves.py --check  # is the recording current?
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUTPUT = ROOT / "autograder" / "reference_curves.json"
SOLUTIONS = ROOT / "solutions"


def training_exercises() -> tuple:
    """The exercises with a check that trains (``Check.trains``): the ones that can have a curve."""
    from autograder.checks import all_exercises

    return tuple(name for name, exercise in all_exercises().items() if any(c.trains for c in exercise.checks))


def fingerprint(exercise: str) -> str:
    from autograder.rubric import Rubric

    settings = Rubric.load().data.get(exercise, {}).get("settings", {})
    digest = hashlib.sha256((SOLUTIONS / f"{exercise}.py").read_bytes())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def record(exercises=None) -> dict:
    """{"fingerprints": {exercise: ...}, "curves": {"exercise/check_id": {"curve": [...], "every": k}}}."""
    from autograder import api
    from autograder import sandbox

    exercises = training_exercises() if exercises is None else exercises
    report = api.grade_paths([str(SOLUTIONS / f"{name}.py") for name in exercises])
    sandbox.shut_down()
    curves = {}
    for result in report.results:
        if result.extra.get("curve"):
            curve = [None if v is None else float(f"{v:.6g}") for v in result.extra["curve"]]
            curves[f"{result.exercise}/{result.check_id}"] = {"curve": curve, "every": int(result.extra.get("every", 1))}
    return {"fingerprints": {name: fingerprint(name) for name in exercises}, "curves": curves}


def dumps(data: dict) -> str:
    """Readable JSON with one line per curve (diffs stay small)."""
    lines = ["{"]
    for i, (key, value) in enumerate(data.items()):
        comma = "," if i < len(data) - 1 else ""
        if isinstance(value, dict):
            inner = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(inner) + f"\n }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value)}{comma}")
    return "\n".join(lines) + "\n}\n"


def stale(recorded: dict) -> list:
    """The exercises whose recorded fingerprint no longer matches."""
    known = recorded.get("fingerprints", {})
    return [name for name in training_exercises() if known.get(name) != fingerprint(name)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the recording is out of date")
    args = parser.parse_args(argv)
    if args.check:
        recorded = json.loads(OUTPUT.read_text()) if OUTPUT.exists() else {}
        old = stale(recorded)
        if old:
            print(f"stale reference curves: {', '.join(old)} (run python tools/record_reference_curves.py)")
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is current")
        return 0
    data = record()
    data = {"about": "Training curves of solutions/, recorded by tools/record_reference_curves.py; "
                     "drawn by autograder.render.html beside a student's curve.", **data}
    OUTPUT.write_text(dumps(data))
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {', '.join(data['curves'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
