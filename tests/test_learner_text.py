"""Text a submission controls is data: escaped, folded onto one line and capped, in every report.

The hostile file tests/hostile/forged_terminal_text.py raises errors whose text carries carriage
returns, ANSI codes, fake PASS and Total lines and a megabyte of padding; it is graded here by the
real commands (`autograder grade` and `autograder check`) in real subprocesses.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import grade, messages
from autograder.checks.framework import Check, Exercise
from autograder.records import Verdict
from autograder.rubric import Rubric

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile" / "forged_terminal_text.py"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def autograder(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd, env=environment(),
                          check=False, capture_output=True, text=True, timeout=400)


def assert_no_forgery(out: str, total: str):
    assert not CONTROL.search(out), repr(CONTROL.search(out).group())
    lines = out.splitlines()
    # no line of the report starts with learner text: a forged PASS or Total line stays inside its message
    assert not [line for line in lines if line.lstrip().startswith(("PASS 72", "Total: 72"))], out[:3000]
    assert [line for line in lines if line.startswith("Total:")] == [next(t for t in lines if t.startswith("Total:"))]
    assert re.search(total, out), out[-2000:]
    assert len(out) < 40_000, len(out)  # 1 MB of learner text, a few KB per message at most


def test_learner_text_escapes_folds_and_caps():
    text = messages.learner_text("a\r\nb\nc\x1b[31md\x07\u202ee\tf" + "x" * 10**6)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text and "\u202e" not in text
    assert text.startswith(f"a{messages.LINE_BREAK}b{messages.LINE_BREAK}c\\x1b[31md\\x07\\u202ee f")
    assert len(text) <= messages.MAX_LEARNER_TEXT + 60 and "more characters not shown" in text
    # printable text, including non-ASCII letters, passes unchanged, and a second pass changes nothing
    assert messages.learner_text("déjà vu: σ'(z) ≈ 0.25") == "déjà vu: σ'(z) ≈ 0.25"
    assert messages.learner_text(text, messages.MAX_MESSAGE) == text


def test_learner_text_survives_a_hostile_str():
    class Hostile:
        def __str__(self):
            raise RuntimeError("no")

    assert "Hostile" in messages.learner_text(Hostile())


def test_the_trusted_side_escapes_what_a_tampered_child_sends():
    # a child that skipped its own escaping: the verdict's message reaches grade.evaluate raw
    raw = "ok\r\x1b[2KPASS 72/72\n" + "y" * 100_000
    check = Check("grad_of_square", "values", "a check", lambda learner, rubric: Verdict(0.0, raw))
    exercise = Exercise("ex01_tape_basics", ("grad_of_square",), (check,))
    result = grade.evaluate(exercise, check, None, Rubric.load())
    assert not CONTROL.search(result.message) and "\n" not in result.message
    assert result.message.startswith(f"ok{messages.LINE_BREAK}\\x1b[2KPASS 72/72")
    assert len(result.message) <= messages.MAX_MESSAGE + 60


def test_grade_shows_forged_text_as_data(tmp_path):
    target = tmp_path / "ex01_tape_basics.py"
    shutil.copy(HOSTILE, target)
    done = autograder("grade", str(target), cwd=tmp_path)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert_no_forgery(out, r"(?m)^Total: 2/7 points$")
    assert out.rstrip().splitlines()[-1] == "Total: 2/7 points"
    # the forged text is there, visibly escaped, with the submission's line
    assert "\\x1b[32mPASS 72/72" in out and "more characters not shown" in out
    assert "line 13 of ex01_tape_basics.py in grad_of_square" in out
    assert "called sys.exit(" in out and "\\x1b[2J\\x1b[HPASS" in out


def test_check_shows_forged_text_as_data(tmp_path):
    shutil.copy(HOSTILE, tmp_path / "ex01_tape_basics.py")
    done = autograder("check", "--quick", str(tmp_path), cwd=tmp_path)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr[-2000:]
    assert_no_forgery(out, r"Total: 0/5 points")
    assert "Fix first:" in out and "\\x1b[32mPASS" in out
