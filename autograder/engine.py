"""pytest as the grading engine: one pytest item per check, each calling the pipeline's grade stage.

Each exercise file becomes a collector (ExerciseFile) whose items are the exercise's checks.  An
item asks its file's ``pipeline.Grading`` for its check's judgement and keeps it; the collector
builds the file's ExerciseResult from its items.  So the results are what the collectors hold when
pytest returns, not something hooks gathered on the side.  The learner's code only ever runs in the
sandbox child.

An Engine is used by two pytest runs: ``grade`` (``autograder grade`` and ``autograder check``:
pytest with the submission's own conftest.py, ini files and plugins kept out) and the student's
self-check (autograder.selfcheck), whose own hooks call the same Engine methods.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import pipeline
from autograder.checks import all_exercises
from autograder.records import CheckResult
from autograder.render import fmt_points
from autograder.rubric import Rubric
from autograder.sandbox import Limits


# "1": every file of a submission gets a child of its own, even when the last file's child is still
# clean (see pipeline.ChildReuse); read when a grading run starts.  For instructors who want that, and
# for bench/child_reuse.py, which compares the two.
CHILD_PER_FILE = "AUTOGRADER_CHILD_PER_FILE"


def default_workers() -> int:
    """One file at a time per core: the learner's code runs in child processes, one per file."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


class CheckFailed(Exception):
    def __init__(self, result: CheckResult):
        super().__init__(result.message)
        self.result = result


class ExerciseFile(pytest.File):
    """A submitted exNN_*.py / .ipynb: its items are the exercise's checks."""

    def __init__(self, *, submission, engine: "Engine", **kwargs):
        super().__init__(**kwargs)
        self.submission = submission
        self.engine = engine
        self.exercise = all_exercises()[submission.exercise]
        self.grading = pipeline.Grading(submission, engine.rubric, engine.limits, engine.inputs, engine.reuse)
        self.ahead = None  # Future of this file's ExerciseResult, when files are graded side by side
        self.checks: list = []

    def collect(self):
        self.checks = [CheckItem.from_parent(self, name=f"{check.function}[{check.slug}]", check=check)
                       for check in self.exercise.checks]
        return self.checks

    def graded(self, check):
        """The check's judgement: from the file graded ahead if it has it, else graded now."""
        if self.ahead is not None:
            try:
                done = self.ahead.result()
            except Exception:  # noqa: BLE001 - fall back to grading this check here
                done = None
            for graded in done.graded if done is not None else ():
                if graded.check_id == check.key:
                    return graded
        return self.grading.check(check)

    def teardown(self):
        self.grading.close()

    def result(self) -> pipeline.ExerciseResult:
        """The ExerciseResult of the checks that ran, once pytest is done with this file."""
        notes = self.grading.notes
        if self.ahead is not None and self.ahead.done() and not self.ahead.cancelled() and not self.ahead.exception():
            notes = tuple(dict.fromkeys((*self.ahead.result().notes, *notes)))
        return pipeline.ExerciseResult(self.exercise.name, self.submission.source,
                                       tuple(item.graded for item in self.checks if item.graded is not None),
                                       self.engine.select.left_out(self.exercise), notes)


class CheckItem(pytest.Item):
    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check
        self.graded = None  # records.Graded, once run
        # keywords, so `-k backprop` and `-k ex04` select as a student expects
        self.keywords[self.parent.exercise.number] = True
        self.keywords[check.function] = True

    def scored(self) -> CheckResult:
        return self.graded.scored(self.parent.engine.rubric.points(self.parent.exercise.name, self.check.key))

    def runtest(self):
        self.graded = self.parent.graded(self.check)
        result = self.scored()
        if not result.passed:
            raise CheckFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            result = excinfo.value.result
            # the report's headline already names the check (reportinfo): just the verdict
            return f"{fmt_points(result.score)}/{fmt_points(result.points)} points: {result.message}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.exercise.number}.{self.check.function}: {self.check.description}"


class Engine:
    """Makes the collectors of the given submissions, applies ``select`` and grades files side by side."""

    def __init__(self, submissions, rubric: Rubric, limits: Limits = Limits(), select=None, workers: int = 1,
                 inputs: int = 0):
        self.inputs = inputs
        self.submissions = {os.path.abspath(s.source): s for s in submissions}
        self.rubric = rubric
        self.limits = limits
        self.select = select or pipeline.Select.instructor(rubric)
        self.workers = workers
        # a clean child serves the submission's next file (closed by finish); "1" in CHILD_PER_FILE: never
        self.reuse = None if os.environ.get(CHILD_PER_FILE) == "1" else pipeline.ChildReuse()
        self.files: list = []  # the ExerciseFiles made, in collection order
        self.running: list = []  # ... of which pytest set out to run items (collection_finish)
        self._pool = None

    def collector(self, parent, file_path: Path, **kwargs) -> ExerciseFile | None:
        submission = self.submissions.get(os.path.abspath(str(file_path)))
        if submission is None:
            return None
        made = ExerciseFile.from_parent(parent, path=file_path, submission=submission, engine=self, **kwargs)
        self.files.append(made)
        return made

    def mine(self, items) -> list:
        return [i for i in items if isinstance(i, CheckItem) and i.parent.engine is self]

    def deselect(self, config, items) -> None:
        """Drop the checks ``select`` leaves out (hidden, --quick, -k), as pytest's own -k would."""
        dropped = [i for i in self.mine(items) if not self.select(i.parent.exercise, i.check)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if i not in dropped]

    # Each file's checks run in order in its own sandbox; with workers > 1 several files are graded
    # at once (the learner code runs in child processes, so this uses more cores), and the items
    # then report those results in pytest's usual order.

    def start(self, items) -> None:
        by_file: dict = {}
        for item in self.mine(items):
            by_file.setdefault(item.parent, set()).add(item.check.key)
        self.running = list(by_file)
        if self.workers <= 1 or len(by_file) < 2:
            return
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="autograder")
        for exercise_file, keys in by_file.items():
            exercise_file.ahead = self._pool.submit(pipeline.grade, exercise_file.submission, self.rubric,
                                                    self.limits, lambda _exercise, check, keys=keys: check.key in keys,
                                                    self.inputs, self.reuse)

    def finish(self) -> None:
        if self._pool is not None:
            # after Ctrl+C or -x, files not started yet are dropped (pipeline.grade closes its sandboxes)
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self.reuse is not None:
            self.reuse.close()

    def file_of(self, source: str) -> ExerciseFile | None:
        """The collector of ``source`` whose items pytest ran.  pytest may make a file's collector twice
        (once walking the folder, once for the file named), and runs the items of only one of them."""
        running = [f for f in self.running if f.submission.source == source]
        made = [f for f in self.files if f.submission.source == source]
        return (running or made or [None])[0]

    def results(self) -> dict:
        """source -> the ExerciseResult of each file collected, in collection order."""
        sources = dict.fromkeys(f.submission.source for f in self.files)
        return {source: self.file_of(source).result() for source in sources}


class _Grade:
    """The hooks of ``grade``'s own pytest run."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_file(self, file_path: Path, parent):
        return self.engine.collector(parent, file_path)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items):
        self.engine.deselect(config, items)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        self.engine.start(session.items)

    def pytest_sessionfinish(self, session):
        self.engine.finish()


def grade(submissions, rubric: Rubric, limits: Limits = Limits(), select=None, extra_args=(), quiet=True,
          plugins=(), workers: int | None = None, inputs: int = 0) -> dict:
    """Grade ``submissions`` with pytest as the engine: source -> ExerciseResult, in collection order.

    ``plugins``: more (trusted) plugin objects for this run, e.g. a progress display.
    ``workers``: how many files to grade at once (default: one per core, up to 4).
    """
    from autograder import sandbox

    sandbox.warm_up()  # the fork server imports TensorFlow while we import it for the oracle
    engine = Engine(submissions, rubric, limits, select, workers or default_workers(), inputs)
    # an empty config (os.devnull) and a fixed rootdir instead of a scratch folder: nothing to
    # remove afterwards, so a grader killed mid-run leaves no autograder-pytest-* folder behind
    args = ["-c", os.devnull, "--rootdir", os.path.abspath(os.sep), "--noconftest",
            # the python and doctest plugins would import the submission here, in the trusted
            # process; the checks reach it only through the sandbox
            "-p", "no:python", "-p", "no:doctest", "-p", "no:cacheprovider", "-p", "no:stepwise",
            "-p", "no:terminal" if quiet else "-q", *extra_args,
            *[s.source for s in submissions]]
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        pytest.main(args, plugins=[_Grade(engine), *plugins])
    finally:
        if engine.reuse is not None:
            engine.reuse.close()  # also when pytest stopped before its session finished
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    return engine.results()
