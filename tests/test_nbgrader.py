"""The nbgrader front end, end to end: the generated course, the real nbgrader CLI, a real kernel.

A temporary course is generated with `autograder nbgrader`, released with `nbgrader
generate_assignment`, and three ex04 submissions are autograded by nbgrader in a real ipykernel:
the reference solution (full marks), the released notebook as handed out (0), and a notebook with
a known bug (sigmoid_prime returns sigmoid(z)) whose sigmoid also writes to stderr, warns and logs
(harmless noise that must not cost points).  The same notebooks graded by `autograder grade` get
the same score per function: the test cells report the kit's score as nbgrader partial credit.

The kernel runs this interpreter: the test installs a `python3` kernelspec for sys.executable in
its own Jupyter path, so it works where only `pip install ".[test]"` ran.  nbgrader autograde runs
in the background while the kit grades the same files, to keep the run time down.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

from autograder import messages, nbgrader_course  # noqa: E402
from autograder.checks import all_exercises  # noqa: E402
from autograder.rubric import Rubric  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "nbgrader-course"
EX = "ex04_manual_backprop"
MUST_LOSE = {"sigmoid_prime", "output_delta", "hidden_delta", "backprop"}
MAY_LOSE = {"train"}
BUG = '''

# --- the submission's own changes: a noisy but correct sigmoid, and the known bug -------------
import logging
import os
import sys
import warnings

_plain_sigmoid = sigmoid


def sigmoid(z):
    print("debugging sigmoid", file=sys.stderr)
    os.write(2, b"straight to file descriptor 2\\n")
    warnings.warn("a harmless warning")
    logging.getLogger("tensorflow").warning("a harmless TensorFlow log line")
    return _plain_sigmoid(z)


def sigmoid_prime(z):
    return sigmoid(z)  # the bug: forgot the (1 - sigmoid(z)) factor
'''
LIKELY = "Likely mistake: returned sigmoid(z) instead of sigmoid(z) * (1 - sigmoid(z))"
SECONDS = 900  # a ceiling for one nbgrader command; the whole file takes a few minutes


def _env(base: Path) -> dict:
    env = dict(os.environ)
    env.pop("AUTOGRADER_RUBRIC", None)
    # nbgrader runs the `alembic` executable, installed beside this interpreter
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # a Jupyter of our own: our kernelspec first, no user config, data or runtime files
    env["JUPYTER_PATH"] = str(base / "kernel" / "share" / "jupyter")
    env["JUPYTER_CONFIG_DIR"] = str(base / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(base / "jupyter-data")
    env["JUPYTER_RUNTIME_DIR"] = str(base / "jupyter-runtime")
    return env


def _run(args, cwd, env, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=SECONDS, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return done


def _code(notebook) -> str:
    return "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


def _outputs(notebook) -> str:
    return "\n".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


class Course:
    def __init__(self, base: Path):
        self.base = base
        self.dir = base / "course"
        self.env = _env(base)
        self.autograde = None
        self._log = None

    def notebook(self, folder: str, student: str | None = None, assignment: str = EX) -> Path:
        parts = [folder, student, assignment] if student else [folder, assignment]
        return self.dir.joinpath(*parts, f"{assignment}.ipynb")

    def nbgrader(self, *args, check=True):
        return _run(["-m", "nbgrader", *args], self.dir, self.env, check)

    def wait(self):
        """Wait for the background `nbgrader autograde`; fail with its log if it failed."""
        if self.autograde.poll() is None:
            self.autograde.wait(timeout=SECONDS)
        self._log.flush()
        log = (self.base / "autograde.log").read_text(errors="replace")
        assert self.autograde.returncode == 0, f"nbgrader autograde exited {self.autograde.returncode}\n{log[-5000:]}"
        return log


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    c = Course(tmp_path_factory.mktemp("nbgrader"))
    # a real ipykernel kernelspec named like the notebooks' (python3), pointing at this interpreter
    _run(["-m", "ipykernel", "install", "--prefix", str(c.base / "kernel"), "--name", "python3"], c.base, c.env)
    _run(["-m", "autograder.cli", "nbgrader", str(c.dir), "--root", str(ROOT)], c.base, c.env)
    c.nbgrader("generate_assignment", "ex*", "--force")

    source = nbformat.read(c.notebook("source"), as_version=4)
    buggy = nbformat.read(c.notebook("source"), as_version=4)
    cell = next(cell for cell in buggy.cells if cell.metadata.get("nbgrader", {}).get("solution")
                and "def sigmoid_prime" in cell.source)
    cell.source += BUG
    for student, notebook in (("reference", source), ("buggy", buggy),
                              ("blank", nbformat.read(c.notebook("release"), as_version=4))):
        target = c.notebook("submitted", student)
        target.parent.mkdir(parents=True)
        nbformat.write(notebook, target)

    c._log = open(c.base / "autograde.log", "w")
    c.autograde = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", EX, "--force"], cwd=c.dir,
                                   env=c.env, stdout=c._log, stderr=subprocess.STDOUT, start_new_session=True)
    yield c
    if c.autograde.poll() is None:  # a failed test left it running: stop it and its kernel
        os.killpg(c.autograde.pid, signal.SIGKILL)
        c.autograde.wait()
    c._log.close()


# The kit's time limits are the one thing the in-kernel run does not share: nbgrader's kernel calls
# the functions with no limit at all (run.InProcess ignores `seconds`), the kit calls them in a
# sandboxed child against a deadline (per call, the training budgets, and whatever is left of the
# file's budget).  On a loaded machine a kit call can reach its deadline where the kernel's same
# call just takes longer; the kit then says "train() timed out after 120 s" where the kernel reports
# the accuracy it measured, and the points differ too.  To compare like with like, the kit grades
# these notebooks with deadlines no machine reaches: every verdict is then the one the default
# budgets give on an idle machine, which is what the kernel gives on any machine.
NO_DEADLINE = 24 * 3600.0
TIMING_DEPENDENT = re.compile(r"timed out after|time budget|budget for the whole file")  # run.Sandbox's wording


def _unhurried():
    """The kit's rubric with every training budget (a `*_seconds` setting) raised, and matching limits."""
    import copy

    from autograder.sandbox import Limits

    rubric = Rubric.load()
    data = copy.deepcopy(rubric.data)
    for table in data.values():
        settings = table.get("settings", {}) if isinstance(table, dict) else {}
        for key in settings:
            if key.endswith("_seconds"):
                settings[key] = NO_DEADLINE
    limits = Limits(call_seconds=NO_DEADLINE, import_seconds=NO_DEADLINE, submission_seconds=10 * NO_DEADLINE,
                    cpu_seconds=int(NO_DEADLINE))
    return Rubric(data, rubric.sources + ("tests/test_nbgrader.py: no deadlines",)), limits


def kit_grade(*paths) -> list:
    """The CheckResults of `autograder grade PATHS` (its pipeline, run in this process), without deadlines."""
    from autograder import api

    rubric, limits = _unhurried()
    report = api.grade_paths([str(p) for p in paths], rubric, limits)
    assert not report.problems, report.problems
    return list(report.results)


def per_function(results) -> dict:
    """(exercise, function) -> (score, max_score), summed over the function's checks."""
    scores: dict = {}
    for r in results:
        got, most = scores.get((r.exercise, r.function), (0.0, 0.0))
        scores[(r.exercise, r.function)] = (round(got + r.score, 4), round(most + r.points, 4))
    return scores


@pytest.fixture(scope="module")
def kit(course):
    """The kit's results for the buggy and the blank submission, graded while nbgrader works."""
    return {student: kit_grade(course.notebook("submitted", student)) for student in ("buggy", "blank")}


def nbgrader_cells(course: Course, student: str) -> dict:
    """function -> (score, max_score) of the test cells, as nbgrader's gradebook holds them."""
    from nbgrader.api import Gradebook

    path = os.environ.get("PATH", "")
    os.environ["PATH"] = course.env["PATH"]  # the gradebook runs `alembic` too
    try:
        with Gradebook(f"sqlite:///{course.dir / 'gradebook.db'}", course_id=nbgrader_course.COURSE_ID) as gradebook:
            submission = gradebook.find_submission(EX, student)
            return {grade.name.removeprefix("test-"): (round(grade.auto_score, 4), round(grade.max_score, 4))
                    for notebook in submission.notebooks for grade in notebook.grades}
    finally:
        os.environ["PATH"] = path


# ---------------------------------------------------------------------------------------------
# The generated course (no nbgrader run needed)
# ---------------------------------------------------------------------------------------------


def test_committed_course_is_current(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_RUBRIC", raising=False)
    assert nbgrader_course.stale(ROOT / "solutions", COMMITTED) == [], "run `autograder nbgrader nbgrader-course`"


def test_check_flag_reports_a_stale_course(tmp_path, capsys, monkeypatch):
    from autograder import cli

    monkeypatch.delenv("AUTOGRADER_RUBRIC", raising=False)
    copy = tmp_path / "course"
    shutil.copytree(COMMITTED, copy)
    assert cli.main(["nbgrader", str(copy), "--check", "--root", str(ROOT)]) == 0
    notebook = copy / "source" / EX / f"{EX}.ipynb"
    # bump the first test cell's points by one: the course no longer matches the rubric
    text = notebook.read_text()
    bumped = re.sub(r'"points": (\d+)', lambda m: f'"points": {int(m.group(1)) + 1}', text, count=1)
    assert bumped != text
    notebook.write_text(bumped)
    capsys.readouterr()
    assert cli.main(["nbgrader", str(copy), "--check", "--root", str(ROOT)]) == 1
    assert f"source/{EX}/{EX}.ipynb" in capsys.readouterr().out


@pytest.mark.parametrize("exercise", sorted(all_exercises()))
def test_one_locked_test_cell_per_function_worth_its_rubric_points(exercise):
    chosen = all_exercises()[exercise]
    rubric = Rubric.load()
    notebook = nbformat.read(COMMITTED / "source" / exercise / f"{exercise}.ipynb", as_version=4)
    nbformat.validate(notebook)
    tests = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type != "code" or not meta:
            continue
        assert meta["schema_version"] == 3
        if meta["grade"]:
            assert meta["locked"] and not meta["solution"]
            function = re.search(r'check\("(\w+)", "(\w+)", globals\(\), points=([\d.]+)\)', cell.source).group(2)
            tests[function] = meta["points"]
            assert meta["grade_id"] == f"test-{function}"
        elif meta["solution"]:
            assert not meta["locked"] and "### BEGIN SOLUTION" in cell.source
    want = {f: sum(rubric.points(exercise, c.key) for c in chosen.checks if c.function == f) for f in chosen.functions}
    assert tests == want
    assert list(tests) == list(chosen.functions)  # contract order: each test after its function
    assert "__main__" not in _code(notebook)  # the examples would run in every kernel


def test_a_test_cell_waits_for_the_globals_its_function_reads():
    cells = nbgrader_course.split_cells(
        "# %% [markdown]\n# # Title\n# text\n# %%\nimport numpy as np\n"
        "# %%\ndef f(x):\n    return helper(x)\n\n\ndef g(x):\n    return np.sum(x)\n"
        "# %%\ndef helper(x):\n    return SCALE * x\n# %%\nSCALE = 2\n")
    assert cells[0] == ("markdown", "# Title\ntext")
    assert nbgrader_course.place_tests(cells, ("f", "g")) == {"f": 4, "g": 2}
    with pytest.raises(nbgrader_course.CourseError, match=r"function h\(\)"):
        nbgrader_course.place_tests(cells, ("h",))


def test_the_main_block_is_kept_as_a_comment():
    code = 'def demo():\n    pass\n\n\nif __name__ == "__main__":\n    demo()\n    print(1)\n'
    out = nbgrader_course.without_main_block(code)
    assert "__main__" not in out and out.endswith("# demo()\n# print(1)") and out.startswith("def demo():")


def test_the_helper_does_nothing_when_the_notebook_is_imported_as_a_module():
    from autograder.notebook import check

    # `autograder grade` imports a notebook's code in its sandbox; the kit then grades the module
    assert check(EX, "train", {"__name__": EX}) is None


# ---------------------------------------------------------------------------------------------
# nbgrader: release, autograde, export, feedback; and the kit on the same notebooks
# ---------------------------------------------------------------------------------------------


def solution_only_lines(exercise: str) -> set:
    """Lines inside the solution's BEGIN/END regions that its stub does not have."""
    stub = {line.strip() for line in (ROOT / "exercises" / f"{exercise}.py").read_text().splitlines()}
    inside, found = False, set()
    for line in (ROOT / "solutions" / f"{exercise}.py").read_text().splitlines():
        if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION"):
            inside = line.strip() == "### BEGIN SOLUTION"
        elif inside and line.strip() and line.strip() not in stub:
            found.add(line.strip())
    return found


@pytest.mark.parametrize("exercise", sorted(all_exercises()))
def test_released_notebooks_hold_no_solution_code(course, exercise):
    released = nbformat.read(course.notebook("release", assignment=exercise), as_version=4)
    source = nbformat.read(course.notebook("source", assignment=exercise), as_version=4)
    code = _code(released)
    lines = {line.strip() for line in code.splitlines()}
    assert "BEGIN SOLUTION" not in code and "END SOLUTION" not in code
    assert solution_only_lines(exercise) and not solution_only_lines(exercise) & lines
    tests = lambda nb: [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]  # noqa: E731
    assert tests(released) == tests(source) and len(tests(released)) == len(all_exercises()[exercise].functions)
    assert code.count("raise NotImplementedError()") == sum(1 for c in source.cells if "BEGIN SOLUTION" in c.source
                                                           for _ in re.finditer("BEGIN SOLUTION", c.source))


def test_kit_gives_the_generated_solution_notebooks_full_marks(course):
    notebooks = sorted(course.dir.glob("source/*/*.ipynb"))
    assert len(notebooks) == len(all_exercises())
    scores = per_function(kit_grade(*notebooks))
    assert {e for e, _ in scores} == set(all_exercises())
    lost = {key: value for key, value in scores.items() if value[0] < value[1]}
    assert not lost


def test_nbgrader_gives_the_reference_full_marks_and_the_blank_zero(course):
    course.wait()
    reference, blank = nbgrader_cells(course, "reference"), nbgrader_cells(course, "blank")
    functions = list(all_exercises()[EX].functions)
    assert sorted(reference) == sorted(functions) == sorted(blank)
    assert all(score == most > 0 for score, most in reference.values()), reference
    assert all(score == 0 for score, _ in blank.values()), blank
    shown = _outputs(nbformat.read(course.notebook("autograded", "blank"), as_version=4))
    assert shown.count(messages.NOT_IMPLEMENTED) == len(all_exercises()[EX].checks)


def test_nbgrader_takes_exactly_the_affected_functions_points_from_the_bug(course):
    course.wait()
    cells = nbgrader_cells(course, "buggy")
    lost = {f for f, (score, most) in cells.items() if score < most}
    assert MUST_LOSE <= lost <= MUST_LOSE | MAY_LOSE, cells
    for function in MUST_LOSE:
        assert cells[function][0] == 0, (function, cells[function])
    # the noisy sigmoid (stderr, fd 2, warnings, logging) is correct and keeps its points
    assert cells["sigmoid"][0] == cells["sigmoid"][1]


@pytest.mark.parametrize("student", ["buggy", "blank", "reference"])
def test_nbgrader_and_the_kit_give_the_same_score_per_function(course, kit, student):
    """Exact, partial credit included (the test cell's value is nbgrader's partial credit)."""
    course.wait()
    cells = nbgrader_cells(course, student)
    if student == "reference":  # the kit's full marks for it: test_kit_gives_..._full_marks
        chosen, rubric = all_exercises()[EX], Rubric.load()
        totals = {f: sum(rubric.points(EX, c.key) for c in chosen.checks if c.function == f) for f in chosen.functions}
        want = {f: (total, total) for f, total in totals.items()}
    else:
        want = {f: score for (_, f), score in per_function(kit[student]).items()}
    assert cells == want


def test_no_test_cell_writes_to_stderr(course):
    course.wait()
    for student in ("reference", "buggy", "blank"):
        notebook = nbformat.read(course.notebook("autograded", student), as_version=4)
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
                assert ("stream", "stderr") not in kinds and ("error", None) not in kinds, (student, cell.source, kinds)
                assert kinds[-1] == ("execute_result", None)  # the points, as nbgrader's partial credit


def test_nbgrader_export_writes_the_scores(course, kit):
    course.wait()
    course.nbgrader("export", "--to", "grades.csv")
    rows = {row["student_id"]: row for row in csv.DictReader((course.dir / "grades.csv").open())
            if row["assignment"] == EX}
    total = sum(r.points for r in kit["blank"])
    assert float(rows["reference"]["score"]) == float(rows["reference"]["max_score"]) == total
    assert float(rows["blank"]["score"]) == 0
    assert float(rows["buggy"]["score"]) == pytest.approx(sum(r.score for r in kit["buggy"]))
    assert 0 < float(rows["buggy"]["score"]) < total


def test_nbgrader_feedback_shows_the_kits_messages(course, kit):
    course.wait()
    course.nbgrader("generate_feedback", EX, "--student", "buggy", "--force")
    page = course.notebook("feedback", "buggy").with_suffix(".html").read_text()
    failed = [r for r in kit["buggy"] if not r.passed]
    assert any(LIKELY in r.message for r in failed)
    for r in failed:
        assert html.escape(r.description) in page or html.escape(r.description, quote=False) in page, r.description
        if TIMING_DEPENDENT.search(r.message):
            # a deadline message says how long the kit waited, which the kernel (no deadline) never
            # says: only the check's line can be compared (kit_grade's budgets make this rare)
            continue
        assert html.escape(r.message, quote=False) in page or html.escape(r.message) in page, r.message


def test_the_unhurried_kit_keeps_the_points_and_drops_only_the_deadlines():
    rubric, limits = _unhurried()
    default = Rubric.load()
    budgets = [(name, key) for name, table in default.data.items() if isinstance(table, dict)
               for key in table.get("settings", {}) if key.endswith("_seconds")]
    assert budgets, "the rubric has training budgets"
    assert all(rubric.setting(name, key) == NO_DEADLINE for name, key in budgets)
    for name, exercise in all_exercises().items():
        for c in exercise.checks:
            assert rubric.points(name, c.key) == default.points(name, c.key)
    assert limits.call_seconds == limits.import_seconds == NO_DEADLINE
    assert TIMING_DEPENDENT.search("train() timed out after 120 s")
    assert TIMING_DEPENDENT.search("not run: the submission used up its 600 s time budget")
