"""The student's self-check: a pytest plugin that grades exNN_*.py files with the kit's checks.

Installed as the ``pytest11`` entry point ``backprop_kit``, so plain ``pytest`` in a folder of
exercise files runs one test per check (``-k backprop``, ``-k ex04`` select as usual), shows
the kit's feedback on failure, and ends with a score line per exercise and the total.

Inert unless pytest's arguments (or, without arguments, the folder it runs in) hold a file
named after a known exercise: files given by name, or lying directly in a given folder.  Other
test suites (the kit's own included) see nothing but a cheap file-name scan.  An exercise file
is never imported in this process: its collection is replaced by the kit's, whose checks reach
the learner's code only through the sandbox child.

The score line and the exit status come from the results the checks record themselves, before
pytest's reporting hooks see anything, and the exit status is set after every other
``pytest_sessionfinish``.  So a conftest.py or plugin that rewrites reports to "passed",
swallows failures in ``pytest_runtest_call``, marks checks xfail, or resets the exit status in
its own ``pytest_sessionfinish`` changes only pytest's per-test display and its "N passed"
line; the score lines, a warning naming the disagreement, and the exit status stay right.  A
check that was selected but never ran counts as failed; one deselected (``-k``, or a hook that
drops it) earns no points and the score line says how many did not run.  What no plugin can
stop: a conftest.py is Python running in this process and could patch this module itself.
The self-check is a mirror for the student; ``autograder grade`` ignores conftest.py,
ini files and plugins altogether.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

EXERCISE_FILE = re.compile(r"^ex\d\d_\w+\.(py|ipynb)$")
PLUGIN_NAME = "backprop-kit-selfcheck"
HIDDEN_NOTE = ("{count} hidden check(s) not run here: your instructor grades them and shows them after the "
               "due date (the rubric's [hidden] checks)")
DISAGREEMENT = ("note: pytest showed {count} failing check(s) as passed or skipped ({names}); a conftest.py or "
                "plugin changed pytest's reports. The score below is the grader's own.")


def exercise_files(config) -> list[Path]:
    """The known exercise files among pytest's arguments (a folder counts its direct entries)."""
    base = Path(config.invocation_params.dir)
    args = [a for a in config.args if a] or [str(config.rootpath)]
    candidates = []
    for arg in args:
        path = base / arg.split("::", 1)[0]  # an absolute argument stays absolute
        if path.is_file():
            candidates.append(path)
        elif path.is_dir():
            candidates.extend(sorted(p for p in path.iterdir() if p.is_file()))
    candidates = [p for p in candidates if EXERCISE_FILE.match(p.name)]
    if not candidates:  # the cheap answer for every other test suite: no import beyond this module
        return []
    from autograder.checks import all_exercises

    known = all_exercises()
    return [p for p in dict.fromkeys(candidates) if p.stem in known]


def pytest_configure(config) -> None:
    paths = exercise_files(config)
    if not paths or config.pluginmanager.has_plugin(PLUGIN_NAME):
        return
    from autograder import pipeline
    from autograder.rubric import Rubric, RubricError

    try:
        rubric = Rubric.load()
        # the student's run: no hidden check, and -k decided by the same predicate as everything else
        select = pipeline.Select.student(rubric, keyword=config.option.keyword or "")
    except RubricError as exc:
        raise pytest.UsageError(f"backprop-kit: {exc}") from None
    # an exercise outside the assignment ([assignment] exercises) is neither graded nor counted
    submissions = pipeline.load(paths, select).submissions
    if submissions:
        config.pluginmanager.register(SelfCheck(submissions, rubric, select), PLUGIN_NAME)


class SelfCheck:
    """The active plugin: collects the exercise files as checks and keeps the true score."""

    def __init__(self, submissions, rubric, select):
        from autograder.engine import Engine, default_workers

        self.submissions = submissions
        self.rubric = rubric
        self.select = select
        # makes the collectors and grades files side by side; its methods are called from our hooks
        self.engine = Engine(submissions, rubric, select=select, workers=default_workers())
        self.selected: dict = {}  # nodeid -> CheckItem, the checks pytest set out to run
        self.shown: dict = {}  # nodeid -> the outcome pytest's reports ended up showing
        self.started_server = False

    def pytest_report_header(self, config):
        names = ", ".join(Path(s.source).name for s in self.submissions)
        return f"backprop-kit self-check: {names}"

    @pytest.hookimpl(wrapper=True)
    def pytest_collect_file(self, file_path: Path, parent):
        nodes = yield
        submission = self.engine.submissions.get(os.path.abspath(str(file_path)))
        if submission is None:
            return nodes
        # only the kit's collector: the python (or doctest) plugin would import the learner's file here
        number = submission.exercise.split("_", 1)[0]  # the node's name: `-k backprop` must not match ex04's file
        return [self.engine.collector(parent, file_path, name=number)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items):
        """Hidden checks (the rubric's [hidden] checks) are graded only by the instructor: not here."""
        self.engine.deselect(config, items)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        self.selected = {item.nodeid: item for item in self.engine.mine(session.items)}
        if self.selected and not session.config.option.collectonly:
            from autograder import sandbox

            sandbox.warm_up()
            self.started_server = True
            self.engine.start(session.items)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report):
        if report.nodeid in self.selected and (report.when == "call" or (report.when == "setup" and not report.passed)):
            self.shown[report.nodeid] = report.outcome

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session):
        self.engine.finish()
        result = yield
        if self.selected and not session.config.option.collectonly:
            lines, failed = self.score_lines()
            self.write(session.config, lines)
            if failed and session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return result

    def pytest_unconfigure(self, config):
        if self.started_server:
            from autograder import sandbox

            sandbox.shut_down()

    # -- the score --------------------------------------------------------------------------------

    def score_lines(self):
        """[(text, style)] for the score block, and whether any selected check failed or did not run.

        The score is the pipeline's (each item's own Graded judgement, scored by the rubric), never
        what pytest's reports say: a check that did not run has no judgement and earns nothing.
        """
        from autograder.checks import all_exercises
        from autograder.records import ExerciseScore, LeftOut
        from autograder.render import fmt_points

        scored = {nodeid: item.scored() for nodeid, item in self.selected.items() if item.graded is not None}
        failed = len(scored) < len(self.selected) or not all(r.passed for r in scored.values())
        lines, idle, total, total_max, hidden = [], [], 0.0, 0.0, 0
        for submission in self.submissions:
            exercise = all_exercises()[submission.exercise]
            # a hidden check is neither run nor counted here; one left out by -k (or by a hook, or in a
            # file a hook kept from being collected) is counted, as not run
            checks = [c for c in exercise.checks if self.select.reason(exercise, c) is not LeftOut.HIDDEN]
            hidden += len(exercise.checks) - len(checks)
            if not checks:
                continue
            exercise_file = self.engine.file_of(submission.source)
            ran = {item.check.key: item for item in exercise_file.checks if item.graded is not None} if exercise_file else {}
            got = ExerciseScore.of(exercise.name, [ran[c.key].scored() for c in checks if c.key in ran])
            possible = sum(self.rubric.points(exercise.name, c.key) for c in checks)
            total, total_max = total + got.points, total_max + possible
            not_run = len(checks) - got.checks
            if not_run == len(checks):
                idle.append(exercise.name)
                continue
            note = f" ({not_run} of {len(checks)} checks not run)" if not_run else ""
            style = "green" if got.points >= possible else ("yellow" if got.points > 0 else "red")
            lines.append((f"{exercise.name}: {fmt_points(got.points)}/{fmt_points(possible)} points{note}", style))
        if idle:
            lines.append((f"not run (no points): {', '.join(idle)}", "yellow"))
        if hidden:
            lines.append((HIDDEN_NOTE.format(count=hidden), "yellow"))
        misshown = [nodeid for nodeid, result in scored.items()
                    if not result.passed and self.shown.get(nodeid) not in (None, "failed")]
        if misshown:
            names = ", ".join(nodeid.rsplit("::", 1)[-1] for nodeid in misshown[:3]) + (", ..." if len(misshown) > 3 else "")
            lines.insert(0, (DISAGREEMENT.format(count=len(misshown), names=names), "yellow"))
        lines.append((f"Total: {fmt_points(total)}/{fmt_points(total_max)} points", "bold"))
        return lines, failed

    @staticmethod
    def write(config, lines) -> None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            print("\n".join(text for text, _ in lines))
            return
        reporter.write_sep("-", "backprop-kit score")
        for text, style in lines:
            reporter.write_line(text, **{style: True})
