"""exercises/README.md, the students' copy of the contract, says what the checks, solutions and stubs do.

The page is written by hand, so nothing regenerates it: these tests are what keeps it true.  Each
`## exNN_name` section holds one table whose rows start with a function's signature in
backticks; the rows must be the exercise's contract functions (autograder.checks), in the same
order, and each signature must be the one of the reference solution and of the stub students
get, argument for argument and default for default.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

from autograder import stubs
from autograder.checks import all_exercises

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "exercises" / "README.md"
SHARED = ROOT.parent / "shared" / "EXERCISES.md"  # the course's copy, where this checkout has one
SECTION = re.compile(r"^## (ex\d\d_\w+)\b", re.M)
ROW = re.compile(r"^\| `(\w+)\((.*?)\)` \|(.*)\|\s*$", re.M)


def sections(text: str) -> dict:
    """exercise name -> [(function, params text, rest of the row)] in the order written."""
    found = {}
    starts = list(SECTION.finditer(text))
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = text[match.end():end]
        # a later "## " heading that is not an exercise ends the section too
        body = re.split(r"^## ", body, flags=re.M)[0]
        found[match.group(1)] = [(m.group(1), m.group(2), m.group(3)) for m in ROW.finditer(body)]
    return found


def written_signature(name: str, params: str) -> list:
    """[(name, kind, default)] of a signature as the page writes it (defaults as Python values)."""
    function = ast.parse(f"def {name}({params}): pass").body[0]
    args = function.args
    out = []
    positional = args.posonlyargs + args.args
    defaults = [inspect.Parameter.empty] * (len(positional) - len(args.defaults)) + [
        ast.literal_eval(d) for d in args.defaults]
    for arg, default in zip(positional, defaults):
        out.append((arg.arg, "positional", default))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        out.append((arg.arg, "keyword", inspect.Parameter.empty if default is None else ast.literal_eval(default)))
    return out


def real_signature(function) -> list:
    out = []
    for p in inspect.signature(function).parameters.values():
        kind = "keyword" if p.kind is inspect.Parameter.KEYWORD_ONLY else (
            "positional" if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            else str(p.kind))
        out.append((p.name, kind, p.default))
    return out


def same(a: list, b: list) -> bool:
    """Equal, with the defaults' types too: `seed=0` and `seed=0.0` are different contracts."""
    return len(a) == len(b) and all(x[:2] == y[:2] and type(x[2]) is type(y[2]) and x[2] == y[2]
                                    for x, y in zip(a, b))


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"doc_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DOC_SECTIONS = sections(DOC.read_text(encoding="utf-8"))


def test_the_page_has_one_section_per_exercise_named_like_its_files():
    names = list(DOC_SECTIONS)
    assert names == sorted(all_exercises()), "one `## exNN_name` section per exercise, in order"
    assert names == sorted(p.stem for p in (ROOT / "solutions").glob(stubs.PATTERN))
    assert names == sorted(p.stem for p in (ROOT / "exercises").glob(stubs.PATTERN))


@pytest.mark.parametrize("exercise", sorted(all_exercises()))
def test_the_table_lists_the_contract_functions_in_order(exercise):
    written = [function for function, _, _ in DOC_SECTIONS.get(exercise, [])]
    assert written == list(all_exercises()[exercise].functions)


@pytest.mark.parametrize("exercise", sorted(all_exercises()))
def test_written_signatures_are_the_solutions_and_the_stubs(exercise):
    solution = load(ROOT / "solutions" / f"{exercise}.py")
    stub = load(ROOT / "exercises" / f"{exercise}.py")
    for function, params, _ in DOC_SECTIONS[exercise]:
        written = written_signature(function, params)
        for module in (solution, stub):
            real = real_signature(getattr(module, function))
            assert same(written, real), (f"{exercise}.{function}: the page says ({params}), "
                                         f"{module.__file__} has {inspect.signature(getattr(module, function))}")


def test_the_signature_check_can_tell_a_difference():
    def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
        pass

    assert same(written_signature("train", "x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0"),
                real_signature(train))
    for wrong in ("x, y, hidden=30, epochs=10, batch_size=10, lr=3.0",        # an argument missing
                  "y, x, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0",  # order
                  "x, y, hidden=30, epochs=10, batch_size=10, lr=3, seed=0",    # 3 is not 3.0
                  "x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=1",  # another default
                  "x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, *, seed=0"):
        assert not same(written_signature("train", wrong), real_signature(train)), wrong


def test_the_sections_parser_reads_a_small_page():
    page = ("# Title\n\n## ex01_one: first\n\n| function | what |\n|---|---|\n"
            "| `f(x, eps=1e-6)` | **manual.** `x @ w` |\n| `g()` | nothing |\n\n"
            "## ex02_two: second\n\n| function | what |\n|---|---|\n| `h(a, b)` | a sum |\n\n"
            "## The data\n\n| `not_a_function(x)` | outside every exercise |\n")
    assert sections(page) == {"ex01_one": [("f", "x, eps=1e-6", " **manual.** `x @ w` "), ("g", "", " nothing ")],
                              "ex02_two": [("h", "a, b", " a sum ")]}


def _spans(text: str) -> list:
    return re.findall(r"`([^`]+)`", text)


@pytest.mark.skipif(not SHARED.is_file(), reason="the course's EXERCISES.md is not beside this checkout")
def test_the_page_keeps_every_formula_of_the_course_contract():
    """Where the course's own contract file is at hand: every row keeps its code spans (names,
    shapes, formulas, word for word) and its **manual** marker.  An exercise the course's file does
    not have is the kit's own addition (ex07): it is held to this page by the tests above only."""
    shared = sections(SHARED.read_text(encoding="utf-8"))
    assert [name for name in DOC_SECTIONS if name in shared] == list(shared), \
        "every exercise of the course's contract, in its order (kit additions may sit between)"
    for exercise, rows in shared.items():
        ours = {function: (params, rest) for function, params, rest in DOC_SECTIONS[exercise]}
        assert [f for f, _, _ in rows] == list(ours)
        for function, params, rest in rows:
            assert ours[function][0] == params, (exercise, function)
            missing = [span for span in _spans(rest) if span not in _spans(ours[function][1])]
            assert not missing, (exercise, function, missing)
            assert ("**manual.**" in rest) == ("**manual.**" in ours[function][1]), (exercise, function)
