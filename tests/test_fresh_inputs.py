"""Fresh inputs per grade (``autograder grade --fresh-inputs``): stored answers for the kit's public inputs fail.

The attack: a student records the inputs the checks use (they are the same in every run, and the
kit's source is public), computes the answers offline with the tape, and hands in a file that
looks them up.  With the kit's fixed inputs (seed 0) that file earns the points of every check
whose inputs it recorded; with inputs drawn from a fresh seed it cannot.  The recording is done
here on the trusted side, with the reference solution called through ``InProcess``.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from autograder import grade, pipeline
from autograder.checks.framework import Learner, fresh_inputs_seed, inputs_seed
from autograder.checks import all_exercises
from autograder.render.text import INPUTS_NOTE
from autograder.rubric import Rubric
from autograder.sandbox import InProcess

ROOT = Path(__file__).resolve().parent.parent
EX02 = "ex02_chain_rule"
RECORDED = ("linear_forward", "mse", "mse_grads")  # pure functions of their inputs, checked on drawn inputs

# one key function, run by the recorder here and by the replaying submission in its child
KEY_SOURCE = '''
import hashlib
import numpy as np

def _key(name, args, kwargs):
    digest = hashlib.sha256(name.encode())
    for value in list(args) + [kwargs[k] for k in sorted(kwargs)]:
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        digest.update(str((array.shape, str(array.dtype))).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
'''


def _plain(value):
    if isinstance(value, (tuple, list)):
        return ["tuple", [_plain(v) for v in value]]
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    return ["array", array.astype(np.float64).tolist(), str(array.dtype)]


def record_answers() -> dict:
    """key -> the reference solution's answer, for every call the ex02 checks make with the fixed inputs."""
    namespace: dict = {}
    exec(KEY_SOURCE, namespace)
    spec = importlib.util.spec_from_file_location("reference_ex02", ROOT / "solutions" / f"{EX02}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table: dict = {}

    def recording(name, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            out = function(*args, **kwargs)
            table[namespace["_key"](name, args, kwargs)] = _plain(out)
            return out
        return wrapper

    functions = {name: recording(name, getattr(module, name)) if name in RECORDED else getattr(module, name)
                 for name in all_exercises()[EX02].functions}
    learner = Learner(InProcess(functions))
    exercise, rubric = all_exercises()[EX02], Rubric.load()
    with inputs_seed(0):
        for check in exercise.checks:
            if check.function in RECORDED:
                grade.judge(exercise, check, learner, rubric)
    return table


def replaying_submission(table: dict) -> str:
    lines = [KEY_SOURCE, "import numpy as np", f"TABLE = {json.dumps(table)!r}", "import json",
             "TABLE = json.loads(TABLE)", "",
             "def _rebuild(entry):",
             "    if entry[0] == 'tuple':",
             "        return tuple(_rebuild(e) for e in entry[1])",
             "    return np.asarray(entry[1], dtype=entry[2])", ""]
    for name in RECORDED:
        lines += [f"def {name}(*args, **kwargs):",
                  f"    key = _key({name!r}, args, kwargs)",
                  "    if key not in TABLE:",
                  f"        raise ValueError('{name}: no stored answer for these inputs')",
                  "    return _rebuild(TABLE[key])", ""]
    return "\n".join(lines)


def points_of(report, functions) -> tuple:
    got = [r for r in report.results if r.function in functions]
    return sum(r.score for r in got), sum(r.points for r in got)


def test_stored_answers_score_on_fixed_inputs_and_fail_on_fresh_ones(tmp_path):
    table = record_answers()
    assert table, "the recorder saw no call"
    path = tmp_path / f"{EX02}.py"
    path.write_text(replaying_submission(table))
    fixed = pipeline.grade_paths([str(path)], exercises=[EX02])
    score, possible = points_of(fixed, RECORDED)
    assert possible > 0 and score == possible, [(r.check_id, r.message) for r in fixed.results]  # the attack works...
    seed = fresh_inputs_seed()
    fresh = pipeline.grade_paths([str(path)], exercises=[EX02], inputs=seed)
    score, _ = points_of(fresh, RECORDED)
    assert score == 0, [(r.check_id, r.message) for r in fresh.results if r.function in RECORDED]  # ...not any more
    assert fresh.inputs == seed and fixed.inputs == 0


def test_a_correct_submission_keeps_full_marks_on_fresh_inputs_and_a_seed_replays(tmp_path):
    reference = [str(ROOT / "solutions" / f"{name}.py") for name in ("ex02_chain_rule", "ex04_manual_backprop")]
    seed = fresh_inputs_seed()
    first = pipeline.grade_paths(reference, inputs=seed, exercises=["ex02", "ex04"])
    assert first.score == first.max_score, [(r.check_id, r.message) for r in first.results if not r.passed]
    wrong = tmp_path / f"{EX02}.py"  # a classic mistake: mse summed over the columns
    wrong.write_bytes((ROOT / "tests" / "submissions" / EX02 / "mse_sum_over_columns.py").read_bytes())
    a = pipeline.grade_paths([str(wrong)], inputs=seed, exercises=[EX02])
    b = pipeline.grade_paths([str(wrong)], inputs=seed, exercises=[EX02])
    c = pipeline.grade_paths([str(wrong)], exercises=[EX02])
    assert [(r.score, r.message) for r in a.results] == [(r.score, r.message) for r in b.results]
    # the fixed inputs and a fresh seed quote different numbers in at least one failing message
    assert [r.message for r in a.results] != [r.message for r in c.results]


def test_the_cli_prints_the_seed_and_replays_it(tmp_path):
    path = ROOT / "solutions" / "ex01_tape_basics.py"
    run = [sys.executable, "-m", "autograder.cli", "grade", str(path)]
    fresh = subprocess.run([*run, "--fresh-inputs", "--json", str(tmp_path / "r.json")], capture_output=True,
                           text=True, timeout=600)
    assert fresh.returncode == 0, fresh.stderr
    line = next(line for line in fresh.stdout.splitlines() if "inputs drawn fresh" in line)
    seed = int(line.split("seed ")[1].split()[0])
    assert line.strip() == INPUTS_NOTE.format(seed=seed)
    assert INPUTS_NOTE.format(seed=seed) in json.loads((tmp_path / "r.json").read_text())["output"]
    replay = subprocess.run([*run, "--inputs-seed", str(seed)], capture_output=True, text=True, timeout=600)
    assert INPUTS_NOTE.format(seed=seed) in replay.stdout
    plain = subprocess.run(run, capture_output=True, text=True, timeout=600)
    assert "inputs drawn fresh" not in plain.stdout


def test_batch_draws_a_seed_per_student_keeps_it_and_resumes(tmp_path):
    from autograder import batch
    from autograder.sandbox import Limits

    root = tmp_path / "class"
    for student in ("ada", "bob"):
        (root / student).mkdir(parents=True)
        (root / student / "ex01_tape_basics.py").write_bytes((ROOT / "solutions" / "ex01_tape_basics.py").read_bytes())
    out = tmp_path / "out"
    batch.grade_class(root, out, Rubric.load(), Limits(), exercises=["ex01"], fresh_inputs=True)
    records = {s: json.loads((out / s / batch.RECORD).read_text()) for s in ("ada", "bob")}
    seeds = {s: r["inputs"] for s, r in records.items()}
    assert all(seeds.values()) and seeds["ada"] != seeds["bob"]
    for student, seed in seeds.items():
        results = json.loads((out / student / "results.json").read_text())
        assert INPUTS_NOTE.format(seed=seed) in results["output"]
        assert results["score"] == results["max_score"]
    batch.grade_class(root, out, Rubric.load(), Limits(), exercises=["ex01"], fresh_inputs=True)  # resumes
    assert {s: json.loads((out / s / batch.RECORD).read_text())["inputs"] for s in seeds} == seeds


def test_a_bad_seed_is_a_usage_error_naming_the_option():
    path = ROOT / "solutions" / "ex01_tape_basics.py"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(path), "--inputs-seed", "-3"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "--inputs-seed" in done.stderr and "'-3'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
