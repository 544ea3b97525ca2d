"""pytest as the grading engine: one pytest item per check, run in the trusted process.

Each exercise file becomes a collector whose items are the exercise's checks; the learner's code
itself only ever runs in the sandbox child.  ``run_pytest`` is what ``autograder grade`` uses:
pytest with the submission's own conftest.py, ini files and plugins kept out.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from autograder import grade, load
from autograder.check import Learner
from autograder.checks import all_exercises
from autograder.records import CheckResult
from autograder.report import fmt_points
from autograder.rubric import Rubric
from autograder.sandbox import Limits, Sandbox


class CheckFailed(Exception):
    def __init__(self, result: CheckResult):
        super().__init__(result.message)
        self.result = result


class ExerciseFile(pytest.File):
    """A submitted exNN_*.py / .ipynb: its items are the exercise's checks."""

    def __init__(self, *, submission: load.Submission, engine: "GradingPlugin", **kwargs):
        super().__init__(**kwargs)
        self.submission = submission
        self.engine = engine
        self.exercise = all_exercises()[submission.exercise]
        self.sandbox = None
        self.learner = None
        self.import_failure = None
        self._setup_lock = threading.Lock()

    def collect(self):
        for check in self.exercise.checks:
            yield CheckItem.from_parent(self, name=f"{check.function}[{check.slug}]", check=check)

    def setup(self):
        with self._setup_lock:  # pytest and the parallel pre-run may both start it: once is enough
            if self.sandbox is not None:
                return
            code = self.submission.code
            sandbox = Sandbox(self.submission.python, self.submission.exercise, self.engine.limits,
                              source=None if code is None else code.encode("utf-8"))
            status = sandbox.import_status()
            if status.status != "ok":
                self.import_failure = status
            self.learner = Learner(sandbox)
            self.sandbox = sandbox

    def teardown(self):
        if self.sandbox is not None:
            for note in self.sandbox.notes:
                self.engine.note(note)
            self.sandbox.close()
            self.sandbox = None


class CheckItem(pytest.Item):
    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check
        number = self.parent.exercise.number
        # keywords, so `-k backprop` and `-k ex04` select as a student expects
        self.keywords[number] = True
        self.keywords[check.function] = True

    def evaluate(self) -> CheckResult:
        parent = self.parent
        return grade.evaluate(parent.exercise, self.check, parent.learner, parent.engine.rubric,
                              parent.import_failure)

    def runtest(self):
        parent = self.parent
        result = parent.engine.precomputed(self)
        parent.engine.record(parent.submission, result)
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


class GradingPlugin:
    """Collects the given submissions and keeps every check's result, in order."""

    def __init__(self, submissions, rubric: Rubric, limits: Limits = Limits(), workers: int = 1):
        self.submissions = {os.path.abspath(s.source): s for s in submissions}
        self.rubric = rubric
        self.limits = limits
        self.workers = workers
        self._futures: dict = {}  # ExerciseFile -> Future of {item nodeid: CheckResult}
        self.results: dict = {}  # source path -> [CheckResult]
        self.notes: list = []

    def note(self, text: str) -> None:
        """A sandbox protection this machine could not apply (shown once, as a warning)."""
        if text not in self.notes:
            self.notes.append(text)

    def record(self, submission, result: CheckResult) -> None:
        self.results.setdefault(submission.source, []).append(result)

    # -- files graded side by side --------------------------------------------------------------
    # Each file's checks run in order in its own sandbox; with workers > 1 several files are graded
    # at once (the learner code runs in child processes, so this uses more cores), and the items
    # then report those results in pytest's usual order.

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        if self.workers <= 1:
            return
        from concurrent.futures import ThreadPoolExecutor

        by_file: dict = {}
        for item in session.items:
            if isinstance(item, CheckItem):
                by_file.setdefault(item.parent, []).append(item)
        if len(by_file) < 2:
            return
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="autograder")
        for exercise_file, items in by_file.items():
            self._futures[exercise_file] = self._pool.submit(self._grade_file, exercise_file, items)

    @staticmethod
    def _grade_file(exercise_file, items) -> dict:
        exercise_file.setup()
        return {item.nodeid: item.evaluate() for item in items}

    def precomputed(self, item) -> CheckResult:
        future = self._futures.get(item.parent)
        if future is not None:
            try:
                done = future.result()
            except Exception:  # noqa: BLE001 - fall back to grading this check here
                done = {}
            if item.nodeid in done:
                return done[item.nodeid]
        return item.evaluate()

    def pytest_sessionfinish(self, session):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            # after Ctrl+C or -x, files not started yet are dropped, and any sandbox the pre-run
            # opened for a file pytest never reached is closed here
            pool.shutdown(wait=True, cancel_futures=True)
            for exercise_file in self._futures:
                exercise_file.teardown()

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_file(self, file_path: Path, parent):
        submission = self.submissions.get(os.path.abspath(str(file_path)))
        if submission is not None:
            return ExerciseFile.from_parent(parent, path=file_path, submission=submission, engine=self)
        return None


def run_pytest(submissions, rubric: Rubric, limits: Limits = Limits(), extra_args=(), quiet=True,
               plugins=(), workers: int = 1) -> GradingPlugin:
    """Grade ``submissions`` with pytest as the engine; returns the plugin holding the results.

    ``plugins``: more (trusted) plugin objects for this run, e.g. a progress display.
    ``workers``: how many files to grade at once.
    """
    plugin = GradingPlugin(submissions, rubric, limits, workers)
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
        pytest.main(args, plugins=[plugin, *plugins])
    finally:
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    return plugin
