"""What an exercise's checks are made of: the Check record, the Learner handle, verdict helpers.

A check is a small function ``run(learner, rubric) -> Verdict``.  It asks the learner for plain
values (``learner.call``), computes the oracle itself (trusted side, TensorFlow or closed
forms), and compares with ``compare``.  Exercise modules in ``autograder.checks`` declare a
tuple of Checks; nothing else needs to know about them.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import secrets
from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder import compare, messages, records
from autograder.sandbox import wire
from autograder.records import PASS, Verdict


@dataclass(frozen=True)
class Check:
    function: str  # the contract's function name this check belongs to
    slug: str  # stable id within the function; rubric key is "function:slug"
    description: str  # shown after "exNN.function: "
    run: Callable  # (Learner, Rubric) -> Verdict
    trains: bool = False  # it trains a model (seconds, not milliseconds): `autograder check --quick` skips it

    @property
    def key(self) -> str:
        return f"{self.function}:{self.slug}"


@dataclass(frozen=True)
class Exercise:
    name: str  # exNN_topic, the file name the grader looks for
    functions: tuple  # the contract's functions, in contract order
    checks: tuple  # of Check
    # (function, (contract functions it calls, ...)) pairs, as the contract describes them: the
    # report says "likely because sigmoid_prime is wrong" instead of blaming every caller
    uses: tuple = ()

    @property
    def number(self) -> str:
        return self.name.split("_", 1)[0]


class Learner:
    """The submission as the checks see it: call a function, get an Outcome of plain values.

    Calls are memoised by their exact arguments, so checks that look at the same expensive
    call (a training run) share one run.
    """

    def __init__(self, sandbox):
        self._sandbox = sandbox
        self._memo: dict = {}
        self._made_in: dict = {}  # key -> the child (sandbox.generation) that made the memoised outcome
        self._last = b""  # the key of the latest call

    def call(self, function: str, *args, manual: bool = False, seconds: float | None = None,
             fresh: bool = False, returns: bool = True, spy: str = "", read: str = "",
             **kwargs) -> records.Outcome:
        """``fresh=True`` runs the call again even if it ran before (to test determinism);
        ``returns=False`` ignores the return value, as the contract does for update functions;
        ``spy`` names a module function whose calls are recorded (see records.Call);
        ``read`` names the child's reader for a return value that is not numbers ("keras_model")."""
        request = records.Call(function, tuple(args), tuple(sorted(kwargs.items())), manual, returns, spy, read)
        key = wire.dumps(request)
        if fresh or key not in self._memo:
            self._memo[key] = self._sandbox.call(request, seconds)
            self._made_in[key] = getattr(self._sandbox, "generation", 0)  # InProcess: always the one kernel
        self._last = key
        return self._memo[key]

    def repeated(self, function: str, *args, **kwargs) -> tuple:
        """Two executions of one call in the same child, to test determinism: the memoised one and one more.

        The memoised run (made now if there is none) is reused only when the child that made it is
        the one that makes the repeat: a repeat in a fresh child (after a crash) would hide state a
        submission carries from call to call, such as a generator made at import.  A first run that
        did not complete is kept: its failure is what the check reports, as before."""
        first = self.call(function, *args, **kwargs)
        made_in = self._made_in[self._last]
        second = self.call(function, *args, fresh=True, **kwargs)
        if first.status == "ok" and self._made_in[self._last] != made_in:
            first, second = second, self.call(function, *args, fresh=True, **kwargs)
        return first, second


# ---------------------------------------------------------------------------------------------
# Small helpers the exercise modules share
# ---------------------------------------------------------------------------------------------


def signature(function: str, **args) -> str:
    """'backprop(a0: float64 (7, 6), ...)': what was called, for the student's message."""
    parts = []
    for name, value in args.items():
        if isinstance(value, (records.Tensor, records.Array)):
            kind = "Variable " if isinstance(value, records.Tensor) and value.variable else ""
            if isinstance(value, records.Array):
                kind = "ndarray "
            parts.append(f"{name}: {kind}{value.dtype} {tuple(np.shape(value.value))}")
        elif isinstance(value, records.Probe):
            parts.append(f"{name}: <{value.name.split(':')[-1]}>")
        elif isinstance(value, tuple) and value and isinstance(value[0], records.Tensor):
            parts.append(f"{name}: [{len(value)} Variables]")
        else:
            parts.append(f"{name}={value!r}")
    return f"{function}({', '.join(parts)})"


def failed(outcome: records.Outcome) -> Verdict | None:
    """A zero verdict when the call itself did not produce a value (not implemented, raised, ...)."""
    if outcome.status == "ok":
        return None
    if outcome.status == "not_implemented":
        return Verdict(0.0, messages.NOT_IMPLEMENTED)
    return Verdict(0.0, outcome.message)


def autodiff_used(outcome: records.Outcome, function: str) -> Verdict | None:
    if outcome.used_autodiff:
        return Verdict(0.0, messages.USED_AUTODIFF.format(function=function, what=", ".join(outcome.used_autodiff)))
    return None


def tape_required(verdict: Verdict, outcome: records.Outcome, called: str, advice: str) -> Verdict:
    """The mirror of ``autodiff_used``: where the exercise is the tape, the right value alone is not enough.

    A hand-derived 2*w0, a polynomial differentiated on paper or a fine numerical difference gives the
    same number without a tape; the child sees whether one ran, and such a value earns nothing.
    """
    if verdict.passed and not GRADIENT_COMPUTED.intersection(outcome.used_autodiff):
        return Verdict(0.0, f"{called} returned the right value, but no tf.GradientTape computed a gradient during "
                            f"the call: {advice}")
    return verdict


# The child's autodiff events (sandbox.child) that mean a gradient was computed, not merely a tape
# opened: an empty `with tf.GradientTape(): pass` beside a value worked out on paper earns nothing.
GRADIENT_COMPUTED = frozenset({"the C tape's gradient", "GradientTape.gradient", "GradientTape.jacobian",
                               "GradientTape.batch_jacobian", "a tf.function that computes gradients",
                               "a graph that computes gradients", "graph gradients"})


def verdict_for(got, want, tol: compare.Tolerance, called: str, mistakes: dict | None = None,
                scalar: bool = False, what: str = "the result") -> Verdict:
    """Pass, or a message: what was called, how the result differs, and a named mistake if one fits."""
    problem = compare.mismatch(got, want, tol, scalar)
    if problem is None:
        return records.PASS
    named = compare.diagnose(got, mistakes or {}, tol, scalar)
    if named:  # a mistake that fits says more than a guess from the error's size
        problem = problem.removesuffix(f". {compare.FLOAT32_PRECISION}") + f". Likely mistake: {named}"
    return Verdict(0.0, f"{called}: {what}: {problem}")


def parts_verdict(verdicts: list) -> Verdict:
    """Combine sub-results of one check: the fraction that passed, the messages of the rest."""
    if not verdicts:
        return records.PASS
    fraction = sum(v.fraction for v in verdicts) / len(verdicts)
    text = " | ".join(dict.fromkeys(v.message for v in verdicts if not v.passed))
    return Verdict(round(fraction, 6), text)


# Every check draws its inputs from ``rng(...)``.  With the grade's inputs seed at 0 (the default) they
# are the same in every run: what a student's self-check, the kit's tests and a replay want.  An
# instructor's final grade can draw them fresh (``autograder grade --fresh-inputs``): a submission that
# recognises the kit's public inputs and returns answers stored in advance then fails.  The seed lives
# in a ContextVar because a file's checks run in one thread, and files graded side by side each set their own.
_INPUTS_SEED: contextvars.ContextVar = contextvars.ContextVar("inputs_seed", default=0)


def rng(*seed) -> np.random.Generator:
    salt = _INPUTS_SEED.get()
    return np.random.default_rng(list(seed) if not salt else [salt, *seed])


@contextlib.contextmanager
def inputs_seed(seed: int):
    """Draw every check's inputs from ``seed`` inside the block (0: the kit's fixed inputs)."""
    token = _INPUTS_SEED.set(int(seed))
    try:
        yield
    finally:
        _INPUTS_SEED.reset(token)


def fresh_inputs_seed() -> int:
    """A seed from the operating system: the one run's inputs cannot be known before it starts."""
    return secrets.randbits(62) | 1  # never 0, which means "the fixed inputs"


def init_problems(called: str, weights: dict, biases: dict) -> list:
    """Verdicts for what is not the contract's initialisation (every train that draws its own
    weights): each weight matrix (fan_in, fan_out) from a normal distribution with mean 0 and
    standard deviation 1/sqrt(fan_in), biases zero.  ``weights`` and ``biases``: name -> the draws
    (one per seed; a small matrix is judged over several seeds' entries together); ``called`` says
    how the initial parameters were obtained.  The band around 1/sqrt(fan_in) is 4.5 sample spreads
    of a correct draw (1/sqrt(2 N) for N entries) wide, and down to a normal truncated at two standard
    deviations (0.88x), so N(0, 1), He's sqrt(2) and a uniform of the right width are rejected
    wherever the entries suffice."""
    parts = []
    for name, draws in weights.items():
        fan_in = draws[0].shape[0]
        values = np.concatenate([np.ravel(w) for w in draws])
        want, entries = 1.0 / np.sqrt(fan_in), values.size
        noise = 4.5 / np.sqrt(2.0 * entries)
        spread, mean = float(np.std(values)), float(np.mean(values))
        if not 0.88 * (1.0 - noise) * want <= spread <= (1.0 + noise) * want or abs(mean) > 5.0 * want / np.sqrt(entries):
            parts.append(Verdict(0.0, f"{called} returned {name} of shape {draws[0].shape} with mean {mean:.3g} and "
                                      f"standard deviation {spread:.3g}; the contract draws it from a normal distribution "
                                      f"with mean 0 and standard deviation 1/sqrt(fan_in) = 1/sqrt({fan_in}) = {want:.3g}"))
    for name, draws in biases.items():
        largest = max(float(np.max(np.abs(b))) if np.size(b) else 0.0 for b in draws)
        if largest > 1e-12:
            parts.append(Verdict(0.0, f"{called} returned {name} with values up to {largest:.3g}; the "
                                      "contract starts the biases at zero"))
    return parts


def unpaired_rows(batches, x, y) -> int:
    """How many rows of the spied mini-batches (sandbox spy: records.fingerprint_rows) carry an x
    with another row's y.  ``x``, ``y``: the data as the child got them.  A batch whose y could not
    be paired by the spy (not as many rows as x) is not judged."""
    def matched(values, valid):
        at = np.clip(np.searchsorted(valid, values), 1, len(valid) - 1)
        nearest = np.minimum(np.abs(values - valid[at - 1]), np.abs(values - valid[at]))
        return nearest <= 1e-5 * np.maximum(1.0, np.abs(values))  # the same numbers, summed in another order

    pairs, alone = np.sort(records.fingerprint_rows(x, y)), np.sort(records.fingerprint_rows(x))
    unpaired = 0
    for batch in batches:
        batch = np.asarray(batch, dtype=np.float64)
        if batch.size and len(pairs) > 1 and not matched(batch, alone).all():
            unpaired += int((~matched(batch, pairs)).sum())
    return unpaired


def batch_rows(batches, x, y) -> list | None:
    """The row indices of each spied mini-batch (sandbox spy: records.fingerprint_rows of its (x, y)
    pairs) in ``x``, ``y`` as the child got them; None when a batch holds a pair that is not one of theirs.
    Identical rows are told apart by nothing, and need not be: they give the same gradient."""
    prints = records.fingerprint_rows(x, y)
    order = np.argsort(prints, kind="stable")
    known = prints[order]
    rows = []
    for batch in batches:
        batch = np.asarray(batch, dtype=np.float64)
        if len(known) < 2 or batch.size == 0:
            return None
        at = np.clip(np.searchsorted(known, batch), 1, len(known) - 1)
        nearer = np.where(np.abs(batch - known[at - 1]) <= np.abs(batch - known[at]), at - 1, at)
        if not (np.abs(batch - known[nearer]) <= 1e-5 * np.maximum(1.0, np.abs(batch))).all():
            return None
        rows.append(order[nearer])
    return rows


def _matching(step, lr, grad, shape, tol) -> bool:
    """Whether ``step`` is -lr * ``grad``, allowing numpy broadcasting of the gradient to ``shape``."""
    try:
        moved = np.broadcast_to(-lr * np.asarray(grad, dtype=np.float64), shape)
    except ValueError:
        return False
    return compare.mismatch(step, moved, tol) is None


def update_verdict(function, names, params, grads, lr, after, rubric, dtype, note=""):
    """Each parameter must move by exactly -lr * its own gradient (shared with ex05's train_step).

    ``note`` is appended to every named mistake (e.g. how a re-run made it observable)."""
    tol = rubric.tolerance("update" if dtype == "float64" else "float32")
    passed = 0
    faults: dict = {}  # what went wrong -> the parameters it went wrong for, so w1, b1, w2, b2 share a line
    for i, (name, p, g, new) in enumerate(zip(names, params, grads, after)):
        step = np.asarray(new, dtype=np.float64) - np.asarray(p, dtype=np.float64).astype(dtype)
        problem = compare.mismatch(step, -lr * g, tol)
        if problem is None:
            passed += 1
            continue
        if step.shape == np.shape(g) and np.allclose(step, 0.0, atol=1e-12):
            fault = ("did not change: update the tf.Variable in place (assign_sub), rebinding the name (or an item "
                     "of the list) inside the function changes nothing outside it")
        elif compare.mismatch(step, lr * g, tol) is None:
            fault = "moved by +lr * gradient: the sign is flipped"
        else:
            # another parameter's gradient, same shape or broadcast to this one (w2 - lr * gb2 broadcasts)
            others = [n for j, (n, g2) in enumerate(zip(names, grads))
                      if j != i and _matching(step, lr, g2, np.shape(g), tol)]
            if others:
                faults[f"{name} was updated with the gradient of {others[0]}, not its own{note}"] = []
                continue
            faults[f"the step taken by {name} is wrong: {problem}"] = []
            continue
        faults.setdefault(fault, []).append(name)
    if not faults:
        return PASS
    lines = [f"{function}: {', '.join(who)} {fault}" if who else f"{function}: {fault}" for fault, who in faults.items()]
    return Verdict(round(passed / len(names), 6), " | ".join(lines))


_SHAPE = r"[\[(]\s*(\d+(?:\s*,\s*\d+)*)?\s*,?\s*[\])]"


def _shapes_in(text: str) -> list:
    return [tuple(int(v) for v in (m.group(1) or "").replace(" ", "").split(",") if v)
            for m in re.finditer(_SHAPE, text)]


def update_crash_diagnosis(names, shapes, message: str) -> str | None:
    """Name the mix-up behind a failed update from the shapes in TensorFlow's error text.

    ``shapes`` are the parameters' shapes, all distinct, and each gradient has its parameter's
    shape, so a shape in the error identifies the parameter or gradient it belongs to.
    """
    text = message.split(" (line ")[0]  # the error itself, not the quoted source line
    by_shape = {tuple(s): n for n, s in zip(names, shapes)}
    exact = re.search(r"variable with shape (\[[\d,\s]*\]) using a Tensor with shape (\[[\d,\s]*\])", text)
    if exact:
        target, source = (_shapes_in(g)[0] if _shapes_in(g) else () for g in exact.groups())
        if target in by_shape and source in by_shape and target != source:
            return (f"{by_shape[target]} was updated with the gradient of {by_shape[source]}, not its own "
                    f"(TensorFlow refused to update the {list(target)} variable {by_shape[target]} with a "
                    f"{list(source)} tensor, the shape of {by_shape[source]})")
    if not any(word in text for word in ("ncompatible", "shapes must be equal", "not aligned", "broadcast",
                                         "mismatch")):
        return None
    met = [s for s in dict.fromkeys(_shapes_in(text)) if s in by_shape]
    if len(met) == 2:
        a, b = (by_shape[s] for s in met)
        return (f"a parameter was combined with another parameter's gradient: the error joins the shapes "
                f"{list(met[0])} ({a}) and {list(met[1])} ({b}), so {a} was updated with the gradient of {b} "
                f"or {b} with the gradient of {a}")
    return None


def crashed_update_verdict(function, outcome, names, shapes, reprobe=None) -> Verdict:
    """A zero for an update call that raised, with the mix-up named when it can be worked out.

    ``reprobe`` (optional) re-runs the update where every parameter has the same shape, so a swap
    that crashed on the real shapes completes and can be observed; it returns a Verdict or None.
    """
    base = failed(outcome)
    if outcome.status != "error":
        return base
    named = None
    if reprobe is not None:
        seen = reprobe()
        if seen is not None and "was updated with the gradient of" in seen.message:
            named = next(part.split(f"{function}: ", 1)[-1] for part in seen.message.split(" | ")
                         if "was updated with the gradient of" in part)
    named = named or update_crash_diagnosis(names, shapes, outcome.message)
    if named:
        return Verdict(0.0, f"{base.message}. Likely mistake: {named}")
    return base


# ---------------------------------------------------------------------------------------------
# Checks as declarations: the common shape (inputs -> call -> oracle -> compare -> named mistakes)
# written once, and a way to stop with a verdict without repeating "if problem: return problem"
# ---------------------------------------------------------------------------------------------


class Stop(Exception):
    """Raised inside a ``@declared`` check to end it with ``verdict`` (see ``value_of``, ``arrays``)."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


def declared(run: Callable) -> Callable:
    """Make ``run`` a check that may end early by raising ``Stop`` (its verdict is the check's)."""
    import functools

    @functools.wraps(run)
    def checked(*args, **kwargs):
        try:
            return run(*args, **kwargs)
        except Stop as stop:
            return stop.verdict

    return checked


def stop_unless_passed(verdict: Verdict) -> Verdict:
    """``verdict`` when it passed; otherwise stop the check with it."""
    if not verdict.passed:
        raise Stop(verdict)
    return verdict


def value_of(outcome: records.Outcome, manual: str = ""):
    """The call's value, or stop: it did not produce one, or (``manual`` names the function) autodiff ran."""
    problem = failed(outcome) or (autodiff_used(outcome, manual) if manual else None)
    if problem:
        raise Stop(problem)
    return outcome.value


def arrays(value, shapes: dict, called: str) -> tuple:
    """A tuple of len(shapes) float64 arrays with these shapes, or stop saying what came back.

    ``shapes`` maps each item's name, in order, to its shape (None: any 1-D series, e.g. a loss
    history, read with ``as_series``)."""
    names = tuple(shapes)
    what = f"({', '.join(names)})"
    if not isinstance(value, tuple) or len(value) != len(names):
        raise Stop(Verdict(0.0, f"{called} must return the tuple {what}, got {compare.describe(value)}"))
    out = []
    for name, item in zip(names, value):
        shape = shapes[name]
        array = compare.as_series(item) if shape is None else compare.as_array(item)
        if array is None or (shape is not None and array.shape != tuple(shape)) or (shape is None and array.ndim != 1):
            expected = "a 1-D series of numbers" if shape is None else f"shape {tuple(shape)}"
            got = compare.describe(item) if array is None else f"shape {array.shape}"
            raise Stop(Verdict(0.0, f"{called}: {name} in {what} should have {expected}, got {got}"))
        out.append(array)
    return tuple(out)


def expect(learner: Learner, function: str, args: dict, want, tol: compare.Tolerance, mistakes: dict | None = None,
           manual: bool = False, scalar: bool = False, what: str = "the result") -> Verdict:
    """The common check: call ``function(**args)`` (positionally, in order), compare with the oracle's ``want``.

    ``args`` maps the contract's parameter names to the records sent (they name the call in the
    message); ``mistakes`` maps a named mistake to the value it would give."""
    outcome = learner.call(function, *args.values(), manual=manual)
    try:
        got = value_of(outcome, function if manual else "")
    except Stop as stop:
        return stop.verdict
    return verdict_for(got, want, tol, signature(function, **args), mistakes, scalar, what)
