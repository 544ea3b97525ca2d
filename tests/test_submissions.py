"""The grader against a corpus of submissions whose file names and first docstring line say the verdict.

`expect: full` must get every point; `expect: lose f, g; maybe h` must lose points on f and g,
may lose them on h, and must keep full marks on every other function.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder import api

CORPUS = Path(__file__).parent / "submissions"
CASES = sorted(CORPUS.glob("ex*/*.py"))


def expectation(path: Path):
    first = path.read_text().split('"""', 2)[1].strip().splitlines()[0]
    match = re.fullmatch(r"expect:\s*(full|lose\s+([^;]+?)(?:;\s*maybe\s+(.+))?)\s*", first)
    assert match, f"{path}: bad expect line {first!r}"
    if match.group(1) == "full":
        return set(), set()
    split = lambda text: {name.strip() for name in (text or "").split(",") if name.strip()}  # noqa: E731
    return split(match.group(2)), split(match.group(3))


# AUTOGRADER_CORPUS_INPUTS_SEED=N grades the corpus on the inputs of seed N instead of the fixed ones
# (the inputs of `autograder grade --fresh-inputs`): every expectation must hold for any inputs.
INPUTS = int(os.environ.get("AUTOGRADER_CORPUS_INPUTS_SEED", "0"))


def grade_as_exercise(path: Path, tmp_path: Path):
    target = tmp_path / f"{path.parent.name}.py"
    shutil.copy(path, target)
    return api.grade_paths([str(target)], inputs=INPUTS)


def lost_functions(report) -> set:
    return {r.function for r in report.results if r.score < r.points}


# check key -> names of corpus files that lost points on it; filled as the corpus is graded
FAILED_BY: dict = {}
GRADED: set = set()


@pytest.fixture(scope="module", autouse=True)
def grader_temp(tmp_path_factory):
    """The grader's temp folder while the corpus is graded: private, so leftovers can be counted."""
    private = tmp_path_factory.mktemp("grader-temp")
    before, tempfile.tempdir = tempfile.tempdir, str(private)
    yield private
    tempfile.tempdir = before


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_corpus_submission_graded_as_expected(path, tmp_path):
    must, may = expectation(path)
    report = grade_as_exercise(path, tmp_path)
    assert report.results, report.problems
    for r in report.results:
        FAILED_BY.setdefault((r.exercise, r.check_id), set())
        if r.score < r.points:
            FAILED_BY[(r.exercise, r.check_id)].add(path.stem)
    GRADED.add(path)
    lost = lost_functions(report)
    details = "\n".join(f"{r.name}: {r.score}/{r.points} {r.message}" for r in report.results if not r.passed)
    assert must <= lost, f"should have lost points on {sorted(must - lost)}\n{details}"
    assert lost <= must | may, f"lost points it should not have on {sorted(lost - must - may)}\n{details}"


def test_every_check_fails_on_some_wrong_submission():
    """A check no wrong implementation can fail is a check that tests nothing (stubs do not count)."""
    from autograder.checks import all_exercises

    if GRADED != set(CASES):
        pytest.skip("needs the whole corpus graded in this session (run without -k)")
    never = [f"{exercise}: {key}" for exercise, ex in all_exercises().items() for key in (c.key for c in ex.checks)
             if not (FAILED_BY.get((exercise, key), set()) - {"not_implemented", "partially_done"})]
    assert not never, "checks that no wrong submission fails:\n" + "\n".join(never)


def test_the_corpus_leaves_nothing_in_the_temp_folder(grader_temp):
    """Every child's scratch folder, notebook conversion and pytest run is cleaned up (after crashes too)."""
    if GRADED != set(CASES):
        pytest.skip("needs the whole corpus graded in this session (run without -k)")
    assert sorted(os.listdir(grader_temp)) == []
