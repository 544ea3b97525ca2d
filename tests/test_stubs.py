"""exercises/ is generated from solutions/ by autograder.stubs, and every stub is a clean skeleton."""

import importlib.util
import inspect
import re
from pathlib import Path

import pytest

from autograder import stubs
from autograder.checks import all_exercises

ROOT = Path(__file__).resolve().parent.parent
# every exercise the grader knows, with its contract functions: a new exercise module is picked up here
# (the functions themselves are held to exercises/README.md by test_contract_doc)
CONTRACT = {name: list(exercise.functions) for name, exercise in all_exercises().items()}


def test_exercises_are_current():
    assert stubs.stale(ROOT / "solutions", ROOT / "exercises") == []
    assert sorted(p.stem for p in (ROOT / "exercises").glob(stubs.PATTERN)) == sorted(CONTRACT)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_stub_imports_and_every_function_raises(name):
    path = ROOT / "exercises" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"stub_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert path.read_text().startswith(stubs.HEADER)
    for function_name in CONTRACT[name]:
        function = getattr(module, function_name)
        required = [p for p in inspect.signature(function).parameters.values()
                    if p.default is inspect.Parameter.empty]
        with pytest.raises(NotImplementedError, match=f"^{function_name}: not implemented yet$"):
            function(*[None] * len(required))


def test_solutions_have_every_contract_function():
    for name, functions in CONTRACT.items():
        text = (ROOT / "solutions" / f"{name}.py").read_text()
        for function_name in functions:
            assert f"\ndef {function_name}(" in text


SOURCE = '''import math


def area(r):
    """Area of a circle."""
    ### BEGIN SOLUTION
    return math.pi * r**2
    ### END SOLUTION


class Shape:
    def scale(self, k):
        if k:
            ### BEGIN SOLUTION
            def helper(v):
                return v * k
            return helper(1)
            ### END SOLUTION
        return None
'''

EXPECTED = stubs.HEADER + '''import math


def area(r):
    """Area of a circle."""
    raise NotImplementedError("area: not implemented yet")


class Shape:
    def scale(self, k):
        if k:
            raise NotImplementedError("scale: not implemented yet")
        return None
'''


def test_make_stub_on_a_small_source():
    assert stubs.make_stub(SOURCE) == EXPECTED


@pytest.mark.parametrize("source", [
    "def f():\n    ### BEGIN SOLUTION\n    return 1\n",
    "def f():\n    return 1\n    ### END SOLUTION\n",
    "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",
    "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
])
def test_make_stub_rejects_broken_markers(source):
    with pytest.raises(ValueError):
        stubs.make_stub(source)


def test_generate_and_stale(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    (solutions / "ex01_one.py").write_text(SOURCE)
    (solutions / "ex02_two.py").write_text("def g():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n")
    assert stubs.stale(solutions, exercises) == ["ex01_one.py", "ex02_two.py"]
    written = stubs.generate(solutions, exercises)
    assert [p.name for p in written] == ["ex01_one.py", "ex02_two.py"]
    assert (exercises / "ex01_one.py").read_text() == EXPECTED
    assert stubs.stale(solutions, exercises) == []

    (exercises / "ex02_two.py").write_text("edited by hand\n")
    (solutions / "ex01_one.py").unlink()
    (exercises / "ex09_mine.py").write_text("not generated\n")
    assert stubs.stale(solutions, exercises) == ["ex01_one.py", "ex02_two.py", "ex09_mine.py"]
    stubs.generate(solutions, exercises)
    # The orphaned generated stub goes; a file the generator did not write stays (still listed).
    assert not (exercises / "ex01_one.py").exists()
    assert stubs.stale(solutions, exercises) == ["ex09_mine.py"]


def test_the_header_speaks_to_the_student_first():
    """Students are told to edit these files: nothing in the header may read as "do not edit"."""
    first, *rest = stubs.HEADER.splitlines()
    assert first.startswith("# Your exercise file") and "NotImplementedError" in first
    assert "README.md" in rest[0] and (ROOT / "exercises" / "README.md").is_file()
    assert not re.search(r"do not edit|GENERATED", stubs.HEADER, re.I)
    assert all(line.startswith("# ") for line in stubs.HEADER.splitlines())


def test_generate_still_removes_an_orphan_with_an_older_header(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    exercises.mkdir()
    (exercises / "ex07_gone.py").write_text(stubs.OLD_HEADERS[0] + "def f():\n    pass\n")
    stubs.generate(solutions, exercises)
    assert not (exercises / "ex07_gone.py").exists()
