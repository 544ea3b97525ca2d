"""One child for several files of a submission (Sandbox.switch_to, pipeline.ChildReuse), for real:
a clean child serves the next file; anything a file leaves behind that could change how the next
file runs, or how it is judged, gets the next file a fresh child, as if each file had its own."""

from __future__ import annotations

import contextlib
import textwrap
import time
from pathlib import Path

import pytest

from autograder import api, sandbox
from autograder.load import load_all
from autograder.pipeline import ChildReuse
from autograder.records import Call

ROOT = Path(__file__).resolve().parent.parent

# the second file: a tape gradient, so a rebound or switched-off TensorFlow would show in its value
SECOND = textwrap.dedent("""\
    import tensorflow as tf

    def grad_of_square(x):
        x = tf.Variable(tf.constant(x, tf.float64))
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(x * x)
        return float(tape.gradient(y, x))
""")

# clean, though it makes numpy and TensorFlow bind submodules on first use (np.fft, tf.keras)
CLEAN_FIRST = textwrap.dedent("""\
    import numpy as np
    import tensorflow as tf

    _ = np.fft.fft([1.0]), np.polynomial.Polynomial([1.0]), tf.keras.layers.Dense

    def grad_of_square(x):
        return float(2.0 * np.asarray(x))
""")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(text)
    return path


@contextlib.contextmanager
def handed_on(folder: Path, first_text: str, second_text: str = SECOND, limits=None):
    """(sandbox, the first child's pid): the sandbox served the first file (one call), then was
    switched to the second; closed on leaving."""
    first = write(folder, "ex01_tape_basics", first_text)
    second = write(folder, "ex03_gradient_check", second_text)
    box = sandbox.Sandbox(str(first), "ex01_tape_basics", limits or sandbox.Limits(call_seconds=30))
    try:
        assert box.call(Call("grad_of_square", (3.0,))).status == "ok"
        pid = box._pid
        box.switch_to(str(second), "ex03_gradient_check")
        yield box, pid
    finally:
        box.close()


def alone(folder: Path):
    """A sandbox of its own for the second file."""
    return sandbox.Sandbox(str(folder / "ex03_gradient_check.py"), "ex03_gradient_check", sandbox.Limits(call_seconds=30))


def first_then_second(folder: Path, first_text: str, second_text: str = SECOND, limits=None):
    """The second file's answer to one call after the first file: (outcome, pid before, pid after, reused)."""
    with handed_on(folder, first_text, second_text, limits) as (box, pid):
        outcome = box.call(Call("grad_of_square", (3.0,)))
        return outcome, pid, box._pid, list(box.reused)


def test_cpu_time_used_counts_against_the_child(tmp_path):
    """RLIMIT_CPU counts a process's whole life: a child that used a share of it starts afresh."""
    burn = CLEAN_FIRST + "import time\nstarted = time.process_time()\nwhile time.process_time() - started < 1.5:\n    pass\n"
    outcome, before, after, reused = first_then_second(tmp_path, burn, limits=sandbox.Limits(cpu_seconds=20))
    assert after != before and "CPU time" in reused[0][2], reused
    assert outcome.status == "ok" and outcome.value == 6.0, outcome


# NumPy's global generator is the fork server's in every fresh child (Python's own random module is
# reseeded in each forked child, so it is arbitrary either way)
DRAWS = textwrap.dedent("""\
    import numpy as np

    def grad_of_square(x):
        return float(np.random.rand())
""")


def test_the_next_file_draws_what_it_would_draw_in_a_child_of_its_own(tmp_path):
    """NumPy's global generator is put back: a seed or draws of an earlier file change nothing."""
    first = CLEAN_FIRST + "import random\nnp.random.seed(7)\nrandom.seed(7)\n_ = np.random.rand(100), random.random()\n"
    shared, before, after, reused = first_then_second(tmp_path, first, DRAWS)
    assert after == before and reused[0][1] == "ok", reused
    with alone(tmp_path) as own_box:
        own = own_box.call(Call("grad_of_square", (3.0,)))
    assert shared.status == own.status == "ok" and shared.value == own.value, (shared, own)


def test_a_clean_child_serves_the_next_file_of_the_submission(tmp_path):
    outcome, before, after, reused = first_then_second(tmp_path, CLEAN_FIRST)
    assert outcome.status == "ok" and outcome.value == 6.0, outcome
    assert after == before, "the clean child should have been kept"
    assert reused == [("ex03_gradient_check", "ok", "")]


# ordinary TensorFlow in the first file, at import and in the call: a tape, a tf.function (which
# autograph converts into a module of its own, written to the temp folder), a custom gradient
# traced in it, a Keras layer, a seed
TENSORFLOW_FIRST = textwrap.dedent("""\
    import numpy as np
    import tensorflow as tf

    tf.random.set_seed(3)

    @tf.custom_gradient
    def clipped(x):
        return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1.0, 1.0)

    @tf.function
    def step(w, x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(clipped(w) * x) if tf.reduce_sum(x) > 0 else tf.reduce_sum(w)
        return tape.gradient(loss, w)

    layer = tf.keras.layers.Dense(3)
    _ = layer(tf.ones((2, 4)))

    def grad_of_square(x):
        w = tf.Variable(tf.ones((3,)))
        _ = step(w, tf.constant([1.0, 2.0, 3.0])).numpy(), tf.random.normal((2,)).numpy()
        return float(2.0 * np.asarray(x))
""")


def test_ordinary_tensorflow_in_a_file_leaves_its_child_clean(tmp_path):
    outcome, before, after, reused = first_then_second(tmp_path, TENSORFLOW_FIRST)
    assert reused == [("ex03_gradient_check", "ok", "")] and after == before, reused
    assert outcome.status == "ok" and outcome.value == 6.0, outcome


# What a first file leaves behind -> the words the child's answer must name (child.state_changes)
LEFT_BEHIND = {
    "rebinds tf.reduce_sum": ("tf.reduce_sum = lambda t, *a, **k: tf.constant(0.0, t.dtype)", "module tensorflow"),
    "rebinds an operator": ("tf.Variable.__mul__ = lambda a, b: tf.constant(1.0, tf.float64)", "class Variable"),
    "rebinds tf.nn.sigmoid": ("tf.nn.sigmoid = tf.nn.relu", "module tensorflow.nn"),
    "rebinds tf.math.exp": ("tf.math.exp = tf.math.expm1", "module tensorflow.math"),
    "the child's own code": ("import sys\nsys.modules['autograder.sandbox.child']._generators = lambda: ()",
                             "the grader's own code"),
    "a file in /dev/shm": ("open('/dev/shm/left', 'w').write('x')", "working folder"),
    "a meta path finder": ("import sys\nclass Finder:\n    def find_spec(self, *a):\n        return None\n"
                           "sys.meta_path.insert(0, Finder())", "import path"),
    "a keras seed": ("import keras\nkeras.utils.set_random_seed(5)", "flags"),
    "numpy behaviour": ("tf.experimental.numpy.experimental_enable_numpy_behavior()", "flags"),
    "functions run eagerly": ("tf.config.run_functions_eagerly(True)", "flags"),
    "keras float64": ("import keras\nkeras.config.set_floatx('float64')", "flags"),
    "a thread": ("import threading, time\nthreading.Thread(target=time.sleep, args=(120,), daemon=True).start()",
                 "python threads"),
    "an alarm": ("import signal\nsignal.alarm(300)", "timers"),
    "a signal handler": ("import signal\nsignal.signal(signal.SIGALRM, lambda *a: None)", "signal handlers"),
    "an environment variable": ("import os\nos.environ['TF_DETERMINISTIC_OPS'] = '1'", "environment"),
    "a file in the working folder": ("open('left.txt', 'w').write('x')", "working folder"),
    "another working folder": ("import os\nos.chdir('/')", "working folder"),
    "a lower limit": ("import resource\nresource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))", "limits"),
    "an open file": ("import os\nKEPT = os.open('/dev/null', os.O_RDONLY)", "open files"),
    "the recursion limit": ("import sys\nsys.setrecursionlimit(12345)", "flags"),
    "a made-up module": ("import sys, types\nsys.modules['helper'] = types.ModuleType('helper')", "module helper"),
    "the detectors": ("tf.GradientTape.gradient = tf.GradientTape.gradient.__wrapped__ "
                      "if hasattr(tf.GradientTape.gradient, '__wrapped__') else (lambda *a, **k: None)",
                      "autodiff detectors"),
    "much memory": ("import numpy as np\nKEPT = np.ones(90 * 1024**2)  # 720 MB", "memory"),
    "warnings made errors": ("import warnings\nwarnings.simplefilter('error')", "flags"),
    "check numerics": ("tf.debugging.enable_check_numerics()", "flags"),
    "op determinism": ("tf.config.experimental.enable_op_determinism()", "flags"),
    "a registered gradient": ("@tf.RegisterGradient('LeftBehindGrad')\ndef _grad(op, grad):\n    return grad", "flags"),
    "a keras dtype policy": ("import keras\nkeras.config.set_dtype_policy('mixed_float16')", "flags"),
    "numpy raising": ("np.seterr(all='raise')", "flags"),
    "thread pools": ("tf.config.threading.set_inter_op_parallelism_threads(2)", "flags"),
    "no garbage collector": ("import gc\ngc.disable()", "garbage collector"),
    "a garbage collector callback": ("import gc\ngc.callbacks.append(lambda phase, info: None)", "garbage collector"),
    "an audit hook": ("import sys\nsys.addaudithook(lambda event, args: None)", "audit hooks"),
    "the import path": ("import sys\nsys.path.append('/nowhere')", "import path"),
}


@pytest.mark.parametrize("what", sorted(LEFT_BEHIND))
def test_a_file_that_leaves_something_behind_gets_the_next_file_a_fresh_child(tmp_path, what):
    line, named = LEFT_BEHIND[what]
    outcome, before, after, reused = first_then_second(tmp_path, CLEAN_FIRST + "\n" + line + "\n")
    assert after != before, f"{what}: the child should not have been kept"
    assert len(reused) == 1 and reused[0][1] == "dirty" and named in reused[0][2], reused
    # and the second file is graded as in a child of its own
    assert outcome.status == "ok" and outcome.value == 6.0, outcome


def test_a_process_left_running_is_seen_from_outside_and_the_child_is_not_kept(tmp_path):
    first = CLEAN_FIRST + "import subprocess\nKEPT = subprocess.Popen(['sleep', '120'])\n"
    outcome, before, after, reused = first_then_second(tmp_path, first)
    assert after != before and reused == [], reused  # not even asked: the trusted side saw the process
    assert outcome.status == "ok" and outcome.value == 6.0, outcome


def test_the_next_file_cannot_import_the_earlier_one(tmp_path):
    """In a child of its own a file sees no other: handed on, it must not find the earlier module."""
    shared, _before, _after, _reused = first_then_second(tmp_path, CLEAN_FIRST, SECOND + "\nimport ex01_tape_basics\n")
    with alone(tmp_path) as own_box:
        own = own_box.call(Call("grad_of_square", (3.0,)))
    assert shared.status == own.status == "import_error", (shared, own)
    assert "ex01_tape_basics" in shared.message and shared.message == own.message


def test_a_next_file_that_does_not_import_says_so_as_in_a_child_of_its_own(tmp_path):
    with handed_on(tmp_path, CLEAN_FIRST, SECOND + "\nraise ValueError('not today')\n") as (box, _pid):
        shared = box.import_status()
        again = box.call(Call("grad_of_square", (3.0,)))
    with alone(tmp_path) as own_box:
        own = own_box.import_status()
    assert shared.status == own.status == "import_error" and shared.message == own.message, (shared, own)
    assert again == shared


def test_a_child_never_serves_a_file_of_another_folder(tmp_path):
    for student in ("ann", "bob"):
        (tmp_path / student).mkdir()
        write(tmp_path / student, "ex01_tape_basics", CLEAN_FIRST)
    reuse = ChildReuse()
    ann, bob = (load_all([str(tmp_path / s)])[0] for s in ("ann", "bob"))
    try:
        box = reuse.take(ann, sandbox.Limits())
        assert box.call(Call("grad_of_square", (3.0,))).status == "ok"
        reuse.give_back(ann, box)
        other = reuse.take(bob, sandbox.Limits())
        assert other is not box and box._pid is None, "ann's child must be stopped, not handed to bob"
        reuse.give_back(bob, other)
    finally:
        reuse.close()
    assert other._pid is None  # close stops what was parked


def test_a_file_that_rebinds_tensorflow_costs_the_next_reference_nothing(tmp_path):
    """End to end, one file at a time: ex01 rebinds tf.reduce_mean for everyone after it; the
    reference ex02, graded next, still gets every point."""
    hostile = (ROOT / "solutions" / "ex01_tape_basics.py").read_text() + \
        "\ntf.reduce_mean = lambda t, *a, **k: tf.constant(0.0, t.dtype)\n"
    write(tmp_path, "ex01_tape_basics", hostile)
    write(tmp_path, "ex02_chain_rule", (ROOT / "solutions" / "ex02_chain_rule.py").read_text())
    report = api.grade_paths([str(tmp_path)], workers=1, exercises="ex01,ex02")
    ex02 = [r for r in report.results if r.exercise == "ex02_chain_rule"]
    assert ex02 and all(r.score == r.points for r in ex02), [(r.check_id, r.message) for r in ex02 if r.score < r.points]


def test_a_crash_in_a_handed_on_child_is_seen_again_in_a_child_of_the_files_own(tmp_path):
    """What the snapshot cannot see (here a mark on a library function object) may still make the next
    file's call fail; a crash or memory failure in a handed-on child is therefore retried afresh."""
    first = CLEAN_FIRST + "np.mean.left_by_the_first_file = True\n"
    second = textwrap.dedent("""\
        import os
        import numpy as np

        def grad_of_square(x):
            if getattr(np.mean, "left_by_the_first_file", False):
                os._exit(3)
            return 2.0 * x
    """)
    outcome, before, after, reused = first_then_second(tmp_path, first, second)
    assert reused[0][1] == "ok" and after != before, reused  # taken, then left for a fresh child
    assert outcome.status == "ok" and outcome.value == 6.0, outcome


def test_a_grading_stopped_by_an_error_never_hands_its_child_on(tmp_path):
    from autograder.pipeline import Grading
    from autograder.rubric import Rubric

    write(tmp_path, "ex01_tape_basics", (ROOT / "solutions" / "ex01_tape_basics.py").read_text())
    submission = load_all([str(tmp_path)])[0]
    reuse = ChildReuse()
    try:
        with pytest.raises(RuntimeError):
            with Grading(submission, Rubric.load(), sandbox.Limits(), reuse=reuse) as grading:
                grading.check(grading.exercise.checks[0])
                box = grading._sandbox
                assert box._pid is not None
                raise RuntimeError("the grader's own error, mid-file")
        assert box._pid is None and not reuse._parked, "a child in an unknown state must be stopped"
    finally:
        reuse.close()


def test_a_child_given_back_after_the_run_closed_is_stopped_at_once(tmp_path):
    write(tmp_path, "ex01_tape_basics", CLEAN_FIRST)
    submission = load_all([str(tmp_path)])[0]
    reuse = ChildReuse()
    box = reuse.take(submission, sandbox.Limits())
    assert box.call(Call("grad_of_square", (3.0,))).status == "ok"
    reuse.close()  # the run ended (Ctrl+C) while this file was still being torn down
    reuse.give_back(submission, box)
    assert box._pid is None and not reuse._parked


def test_a_crash_after_earlier_calls_is_seen_again_after_those_calls(tmp_path):
    """The replay: in a child of its own the failing call would have come after the file's earlier
    calls, whose effects it may use; they are made again first (here: a count of calls)."""
    first = CLEAN_FIRST + "np.mean.left_by_the_first_file = True\n"
    second_text = textwrap.dedent("""\
        import os
        import numpy as np

        CALLS = []

        def grad_of_square(x):
            CALLS.append(x)
            if len(CALLS) == 2 and getattr(np.mean, "left_by_the_first_file", False):
                os._exit(3)
            return float(len(CALLS))
    """)
    with handed_on(tmp_path, first, second_text) as (box, _pid):
        answers = [box.call(Call("grad_of_square", (3.0,))) for _ in range(3)]
    assert [a.status for a in answers] == ["ok"] * 3 and [a.value for a in answers] == [1.0, 2.0, 3.0], answers


def test_a_failed_attempt_in_a_handed_on_child_is_not_charged_to_the_file(tmp_path):
    first = CLEAN_FIRST + "np.mean.left_by_the_first_file = True\n"
    second_text = textwrap.dedent("""\
        import os
        import time
        import numpy as np

        def grad_of_square(x):
            if getattr(np.mean, "left_by_the_first_file", False):
                time.sleep(2.0)
                os._exit(3)
            return 2.0 * x
    """)
    with handed_on(tmp_path, first, second_text) as (box, _pid):
        started = time.perf_counter()
        outcome = box.call(Call("grad_of_square", (3.0,)))
        elapsed, charged = time.perf_counter() - started, box._spent
    assert outcome.status == "ok" and outcome.value == 6.0, outcome
    assert elapsed > 2.0 and charged < elapsed - 1.5, (elapsed, charged)


def test_autograph_works_in_a_child_whatever_the_graders_temp_folder(tmp_path):
    """The fork server's tempfile had cached the grader's TMPDIR, which the jail does not show: every
    tf.function whose Python `if` autograph must convert then failed in the sandbox (and only there)."""
    import subprocess
    import sys

    folder, temp = tmp_path / "student", tmp_path / "grader-temp"
    folder.mkdir()
    temp.mkdir()
    write(folder, "ex01_tape_basics", TENSORFLOW_FIRST)
    script = ("import sys; from autograder import sandbox; from autograder.records import Call\n"
              f"box = sandbox.Sandbox({str(folder / 'ex01_tape_basics.py')!r}, 'ex01_tape_basics')\n"
              "o = box.call(Call('grad_of_square', (3.0,))); box.close(); sandbox.shut_down()\n"
              "print(o.status, o.value, o.message[:300])\n")
    env = {**__import__("os").environ, "TMPDIR": str(temp), "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert out.stdout.strip().startswith("ok 6.0"), (out.stdout, out.stderr[-2000:])
