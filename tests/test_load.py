"""Loading submissions: which files count, notebooks become Python with magics left unrun."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder import load

ROOT = Path(__file__).resolve().parent.parent


def notebook(cells) -> str:
    return json.dumps({"cells": [{"cell_type": kind, "source": source, "metadata": {}} for kind, source in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_notebook_code_keeps_code_cells_and_comments_out_magics(tmp_path):
    path = tmp_path / "ex01_tape_basics.ipynb"
    path.write_text(notebook([("markdown", "# Title\nprint('not code')"),
                              ("code", ["%matplotlib inline\n", "!rm -rf /\n", "x = 1\n"]),
                              ("code", "def f():\n    return x\n")]))
    code = load.notebook_code(str(path))
    assert "# (not run) %matplotlib inline" in code and "# (not run) !rm -rf /" in code
    assert "print('not code')" not in code
    namespace: dict = {}
    exec(compile(code, "nb", "exec"), namespace)  # noqa: S102 - our own test notebook
    assert namespace["f"]() == 1


def test_a_py_file_wins_over_a_notebook_in_the_same_folder(tmp_path):
    shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", tmp_path / "ex01_tape_basics.py")
    (tmp_path / "ex01_tape_basics.ipynb").write_text(notebook([("code", "x = 1")]))
    (submission,) = load.load_all([str(tmp_path)])
    assert submission.source.endswith(".py")


def test_two_submissions_of_one_exercise_are_a_usage_error(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(ROOT / "solutions" / "ex01_tape_basics.py", tmp_path / name / "ex01_tape_basics.py")
    with pytest.raises(load.UsageError, match="two files for ex01_tape_basics"):
        load.load_all([str(tmp_path / "a"), str(tmp_path / "b")])


def test_unreadable_notebook_becomes_an_import_error_not_a_crash(tmp_path):
    path = tmp_path / "ex01_tape_basics.ipynb"
    path.write_text("{not json")
    submission = load.load(path)
    assert "could not be read" in submission.code


@pytest.mark.parametrize("text", ["[]", '{"cells": 3}', '{"cells": [1, {"cell_type": "code", "source": 7}]}',
                                  "[" * 200_000 + "]" * 200_000])
def test_notebooks_of_any_shape_are_a_message_not_a_crash(tmp_path, text):
    path = tmp_path / "ex01_tape_basics.ipynb"
    path.write_text(text)
    submission = load.load(path)  # never raises
    assert submission.code is not None
    compile(submission.code, "nb", "exec")  # valid Python: an import error for the student, with the reason


def test_loading_a_notebook_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    path = tmp_path / "ex01_tape_basics.ipynb"
    path.write_text(notebook([("code", "x = 1")]))
    assert "x = 1" in load.load(path).code
    assert not list((tmp_path / "tmp").iterdir())


def test_a_symlinked_notebook_is_not_followed(tmp_path):
    (tmp_path / "real.ipynb").write_text(notebook([("code", "secret = 1")]))
    os.symlink(tmp_path / "real.ipynb", tmp_path / "ex01_tape_basics.ipynb")
    code = load.load(tmp_path / "ex01_tape_basics.ipynb").code
    assert "secret" not in code and "symbolic link" in code


def test_the_courses_test_cells_are_left_out_of_a_graded_notebook():
    """nbgrader's locked test cells call the kit's in-kernel grader, which the sandboxed child cannot
    import; the student's solution cells stay."""
    source = ROOT / "nbgrader-course" / "source" / "ex01_tape_basics" / "ex01_tape_basics.ipynb"
    code = load.notebook_code(str(source))
    assert "autograder.notebook" not in code
    assert "def grad_of_square(w0):" in code
    cells = json.loads(source.read_text())["cells"]
    assert any("autograder.notebook" in "".join(c["source"]) for c in cells)  # the test cells were there
