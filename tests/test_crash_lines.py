"""A crash in learner code is reported at the submission's own line, never at TensorFlow's or numpy's.

Each case plants one crash in a reference solution, grades it in the real sandbox and looks for the
planted line's number and the file's name in the messages, and for the chain of the student's
functions that led there.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder import api

ROOT = Path(__file__).resolve().parent.parent


def plant(tmp_path, exercise: str, old: str, new: str) -> tuple[Path, dict]:
    """The reference solution with ``old`` replaced by ``new``; returns the file and {marker: line number}."""
    source = (ROOT / "solutions" / f"{exercise}.py").read_text()
    assert source.count(old) == 1, old
    source = source.replace(old, new)
    target = tmp_path / f"{exercise}.py"
    target.write_text(source)
    lines = {}
    for number, line in enumerate(source.splitlines(), start=1):
        found = re.search(r"# (CRASH-\w+)", line)
        if found:
            lines[found.group(1)] = number
    return target, lines


def messages_of(report, function: str) -> list:
    return [r.message for r in report.results if r.function == function and not r.passed]


def test_a_tensorflow_error_in_a_helper_names_the_helpers_line_and_the_chain(tmp_path):
    target, at = plant(tmp_path, "ex04_manual_backprop", "    s = sigmoid(z)\n    return s * (1.0 - s)\n",
                       "    s = sigmoid(z)\n    return _scale(s)  # CRASH-CALL\n\n\n"
                       "def _scale(s):\n    return tf.matmul(s, tf.ones((3, 3), dtype=s.dtype))  # CRASH-TF\n")
    report = api.grade_paths([str(target)])
    name = target.name
    own = messages_of(report, "sigmoid_prime")
    assert own and all(f"line {at['CRASH-CALL']} in sigmoid_prime -> line {at['CRASH-TF']} of {name} in _scale"
                       in m for m in own), own
    assert all("tf.matmul(s, tf.ones((3, 3)" in m for m in own), own  # the line's source, not TensorFlow's
    assert not any("ops.py" in m or "site-packages" in m or "function_node" in m for m in own), own
    # nested: backprop -> hidden_delta -> sigmoid_prime -> _scale, outermost first
    nested = messages_of(report, "backprop")
    assert nested and all(re.search(rf"in backprop -> line \d+ in hidden_delta -> line {at['CRASH-CALL']} in "
                                    rf"sigmoid_prime -> line {at['CRASH-TF']} of {name} in _scale", m)
                          for m in nested), nested
    # every crash message of the file names a line of it
    crashes = [r.message for r in report.results if " raised " in r.message]
    assert len(crashes) >= 8 and all(re.search(rf"line \d+ of {name} in \w+", m) for m in crashes), crashes


def test_a_numpy_error_names_the_submissions_line(tmp_path):
    target, at = plant(tmp_path, "ex03_gradient_check", "    a = np.asarray(a)\n",
                       "    a = np.asarray(a)\n    np.linalg.inv(np.zeros((2, 2)))  # CRASH-NUMPY\n")
    report = api.grade_paths([str(target)])
    got = messages_of(report, "relative_error")
    assert got and all("LinAlgError" in m and f"line {at['CRASH-NUMPY']} of {target.name} in relative_error" in m
                       for m in got), got
    assert not any("linalg.py" in m for m in got), got


def test_an_error_at_import_names_the_line_that_raised(tmp_path):
    target, at = plant(tmp_path, "ex01_tape_basics", "import tensorflow as tf\n",
                       "import tensorflow as tf\n\n\ndef _table():\n    return {}['rates']  # CRASH-KEY\n\n\n"
                       "RATES = _table()  # CRASH-IMPORT\n")
    report = api.grade_paths([str(target)])
    assert report.results and all(r.score == 0 for r in report.results)
    want = f"line {at['CRASH-IMPORT']} in the file, at import -> line {at['CRASH-KEY']} of {target.name} in _table"
    assert all("KeyError" in r.message and want in r.message for r in report.results), report.results[0].message


def test_a_syntax_error_names_the_line_and_the_file(tmp_path):
    target, at = plant(tmp_path, "ex01_tape_basics", "import tensorflow as tf\n",
                       "import tensorflow as tf\nx = (1 +  # CRASH-SYNTAX\n")
    report = api.grade_paths([str(target)])
    assert all(f"syntax error at line {at['CRASH-SYNTAX']} of {target.name}" in r.message for r in report.results), \
        report.results[0].message
