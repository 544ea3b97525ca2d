"""The untrusted side: a child process that imports one submission and answers calls into it.

Everything here runs in a process the learner's code may have tampered with, so nothing it
says is believed beyond plain numbers: the trusted side computes every expected value and
every comparison itself.

Importing this module has no effect on the process: the notebook kernel imports it (through
sandbox.InProcess) and must keep its own warnings, threads and environment.  What a child needs
happens in its entry points: ``preload`` (the fork server calls it once, before forking; it
imports TensorFlow and runs no op, since forking after an op has run can deadlock the child) and
``serve_fd`` (in the forked or spawned child: jail, limits, then the submission).  The child's
environment (quiet logs, one thread per pool) is given to its process when it starts
(sandbox.proc.CHILD_ENVIRONMENT), before numpy or TensorFlow is imported.
"""

from __future__ import annotations

import dataclasses
import errno
import importlib.util
import itertools
import json
import os
import re
import struct
import sys
import sysconfig
import tempfile
import time
import traceback
import warnings
import weakref

import numpy as np

from autograder import messages, probes, records
from autograder.sandbox import jail, proc, wire
from autograder.sandbox import messages as sandbox_messages

tf = None  # TensorFlow, once load_tensorflow() has run: importing this module must not import it


def load_tensorflow():
    """Import TensorFlow (no op is run) and bind it as this module's ``tf``."""
    global tf
    if tf is None:
        import tensorflow

        tf = tensorflow
    return tf


def preload() -> None:
    """Everything a child needs before it is forked: run once by the fork server (and the spawned child).

    Inside the jail the kit's folder is hidden, so nothing of the kit can be imported there; this
    module's own imports and TensorFlow's are all a child gets."""
    for name, value in proc.CHILD_ENVIRONMENT.items():
        os.environ.setdefault(name, value)  # already there when the process was started by the sandbox
    warnings.filterwarnings("ignore")  # TensorFlow's deprecation warnings would land in the learner's output
    load_tensorflow()


# ---------------------------------------------------------------------------------------------
# Detecting automatic differentiation at run time
# ---------------------------------------------------------------------------------------------

def _make_log():
    """The log of autodiff events, held in closures rather than a module global a submission could clear."""
    events: list = []
    # A second count that can only go up: a list reached through a closure can be cleared in place,
    # an itertools.count cannot be set back, so a log that lost entries no longer matches it.
    ticks = itertools.count()
    graphs = weakref.WeakSet()  # tf.function graphs whose tracing used autodiff

    def add(name: str) -> None:
        events.append(name)
        next(ticks)

    def record(name: str) -> None:
        add(name)
        # inside a tf.function trace the default graph is the function's: remember it (and the graphs
        # around it), so running that function later, even one traced at import, counts as autodiff
        from tensorflow.python.eager import context
        from tensorflow.python.framework import func_graph, ops

        graph = ops.get_default_graph()
        if not isinstance(graph, func_graph.FuncGraph) and not context.executing_eagerly():
            graphs.add(graph)  # a TF1 graph (tf.Graph().as_default()), run later in a Session
        while isinstance(graph, func_graph.FuncGraph):
            graphs.add(graph)
            graph = getattr(graph, "outer_graph", None)

    scanned = weakref.WeakKeyDictionary()  # graph -> whether its ops compute a gradient

    def graph_ran(graph) -> None:
        if graph is None:
            return
        if graph in graphs:
            add("a tf.function that computes gradients")
            return
        # a graph traced elsewhere and copied in (GraphDef import, prune, lifting) is a new graph
        # object: look at its ops instead, once per graph
        try:
            computes = scanned.get(graph)
            if computes is None:
                computes = scanned[graph] = _graph_def_computes_gradients(graph.as_graph_def())
        except Exception:  # noqa: BLE001 - not a graph we can read
            return
        if computes:
            add("a graph that computes gradients")

    def count() -> int:
        return len(events)

    def since(start: int) -> tuple:
        return tuple(dict.fromkeys(events[start:]))

    def whole() -> bool:
        return repr(ticks) == f"count({len(events)})"

    return record, graph_ran, count, since, whole


_record, _graph_ran, _event_count, _events_since, _log_whole = _make_log()
_installed: dict = {}  # (id(owner), attr) -> (owner, attr, wrapper, its code, what its closure holds)


def _install(owner, attr: str, wrapped) -> bool:
    """Put ``wrapped`` in place of owner.<attr> and remember it, so _detectors_intact can see it rebound,
    its ``__code__`` swapped or its closure's cells refilled.  False for a read-only attribute."""
    try:
        setattr(owner, attr, wrapped)
    except (AttributeError, TypeError):
        return False
    cells = tuple(cell.cell_contents for cell in (wrapped.__closure__ or ()))
    _installed[(id(owner), attr)] = (owner, attr, wrapped, wrapped.__code__, cells)
    return True


def _flag(name, original, record=_record):
    def wrapper(*args, **kwargs):
        record(name)
        return original(*args, **kwargs)

    return wrapper


def _flag_graph_call(original, graph_ran=_graph_ran):
    def wrapper(self, *args, **kwargs):
        graph_ran(getattr(self, "graph", None))
        return original(self, *args, **kwargs)

    return wrapper


def install_autodiff_detectors() -> None:
    """Wrap every entry point to TensorFlow's autodiff (and torch's / jax's if imported)."""
    load_tensorflow()
    from tensorflow.python import _pywrap_tfe, pywrap_tfe
    from tensorflow.python.client import session
    from tensorflow.python.eager import tape as tape_module
    from tensorflow.python.framework import ops
    from tensorflow.python.ops import gradients_util

    targets = [
        # pywrap_tfe re-exports the pybind module _pywrap_tfe: the same C functions, reachable there too
        *((module, name, label) for module in (pywrap_tfe, _pywrap_tfe) for name, label in (
            ("TFE_Py_TapeSetNew", "the C tape API"), ("TFE_Py_TapeGradient", "the C tape's gradient"),
            ("TFE_Py_ForwardAccumulatorNew", "forward-mode autodiff"))),
        # graph gradients, and the registry of every op's gradient function
        (gradients_util, "_GradientsHelper", "graph gradients"),
        (ops, "get_gradient_function", "the gradient registry"),
        (tf.GradientTape, "__enter__", "tf.GradientTape"),
        (tf.GradientTape, "gradient", "GradientTape.gradient"),
        (tf.GradientTape, "jacobian", "GradientTape.jacobian"),
        (tf.GradientTape, "batch_jacobian", "GradientTape.batch_jacobian"),
        (tf.autodiff.ForwardAccumulator, "__enter__", "tf.autodiff.ForwardAccumulator"),
        (tape_module, "push_new_tape", "tf tape"),
        (tf, "gradients", "tf.gradients"),
        (tf.compat.v1, "gradients", "tf.compat.v1.gradients"),
    ]
    from tensorflow.python.eager.polymorphic_function import atomic_function, concrete_function

    # running a graph: a tf.function's, or a TF1 graph in a Session (built at import, run in the call)
    for owner, attr in ((concrete_function.ConcreteFunction, "_call_flat"),
                        (atomic_function.AtomicFunction, "call_flat"),
                        (session.BaseSession, "_do_run")):
        original = getattr(owner, attr, None)
        if original is not None:
            _install(owner, attr, _flag_graph_call(original))
    # the registry has __slots__: its class's lookup is wrapped, and counts for the gradient registry only
    # (tf.custom_gradient's forward pass in a graph, tf.nn.silu, asks op_selector.is_differentiable,
    # which looks an op up without differentiating anything: that caller is not counted)
    from tensorflow.python.ops import op_selector

    registry = ops._gradient_registry
    lookup = type(registry).lookup
    asks_only = getattr(getattr(op_selector, "is_differentiable", None), "__code__", None)

    def registry_lookup(self, *args, **kwargs):
        if self is registry and sys._getframe(1).f_code is not asks_only:
            _record("the gradient registry")
        return lookup(self, *args, **kwargs)

    _install(type(registry), "lookup", registry_lookup)
    for owner, attr, label in targets:
        original = getattr(owner, attr, None)
        if original is not None and (id(owner), attr) not in _installed:
            _install(owner, attr, _flag(label, original))  # skipped: a read-only attribute in this version
    _install_op_level_detectors()


# Ops that differentiate a function inside the TensorFlow runtime, with no Python tape involved.
GRADIENT_OP_TYPES = frozenset({"SymbolicGradient"})
# Node names TensorFlow gives the ops it writes for a gradient (tape in a tf.function; tf.gradients):
# a GraphDef copied from such a graph still carries them.
GRADIENT_NODE_NAMES = re.compile(r"(^|/)(gradient_tape|gradients(_\d+)?)/")


def _graph_def_computes_gradients(graph_def) -> bool:
    try:
        nodes = list(graph_def.node)
        for function in graph_def.library.function:
            nodes.extend(function.node_def)
        return any(node.op in GRADIENT_OP_TYPES or GRADIENT_NODE_NAMES.search(node.name) for node in nodes)
    except Exception:  # noqa: BLE001 - not a GraphDef: TensorFlow itself will complain
        return False


def _install_op_level_detectors(record=_record) -> None:
    """Gradient ops reached without the tape: the raw SymbolicGradient op (eager, or built into a
    graph) and GraphDefs that carry a gradient computation into a fresh graph."""
    from tensorflow.python import pywrap_tfe
    from tensorflow.python.framework import importer, ops

    def fast_path(original):
        def wrapper(*args, **kwargs):  # (ctx, op_name, name, *inputs_and_attrs)
            if len(args) > 1 and args[1] in GRADIENT_OP_TYPES:
                record(f"the {args[1]} op")
            return original(*args, **kwargs)
        return wrapper

    def execute(original):
        def wrapper(*args, **kwargs):  # (ctx_handle, device, op_name, inputs, attrs, num_outputs)
            name = args[2] if len(args) > 2 else kwargs.get("op_name")
            if isinstance(name, bytes):
                name = name.decode(errors="replace")
            if name in GRADIENT_OP_TYPES:
                record(f"the {name} op")
            return original(*args, **kwargs)
        return wrapper

    def create_op(original):
        def wrapper(self, op_type, *args, **kwargs):
            if op_type in GRADIENT_OP_TYPES:
                record(f"the {op_type} op")
            return original(self, op_type, *args, **kwargs)
        return wrapper

    def import_graph_def(original):
        def wrapper(graph_def, *args, **kwargs):
            if _graph_def_computes_gradients(graph_def):
                record("an imported graph that computes gradients")
            return original(graph_def, *args, **kwargs)
        return wrapper

    from tensorflow.python import _pywrap_tfe

    for owner, attr, make in ((pywrap_tfe, "TFE_Py_FastPathExecute", fast_path),
                              (pywrap_tfe, "TFE_Py_Execute", execute),
                              (_pywrap_tfe, "TFE_Py_FastPathExecute", fast_path),
                              (_pywrap_tfe, "TFE_Py_Execute", execute),
                              (ops.Graph, "_create_op_internal", create_op),
                              (importer, "import_graph_def", import_graph_def)):
        original = getattr(owner, attr, None)
        if original is not None and (id(owner), attr) not in _installed:
            _install(owner, attr, make(original))
    # tf.graph_util.import_graph_def and tf.compat.v1.import_graph_def are the same function object,
    # bound to other names: point them at the wrapper too
    wrapped = getattr(importer, "import_graph_def")
    for owner in (tf.graph_util, tf.compat.v1):
        try:
            setattr(owner, "import_graph_def", wrapped)
        except (AttributeError, TypeError):
            pass


def install_autodiff_detectors_once() -> None:
    if not _installed:
        install_autodiff_detectors()


def _install_foreign_detectors() -> None:
    """torch and jax are optional; wrap them only once the submission has imported them."""
    candidates = []
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        candidates += [(torch.autograd, "grad", "torch.autograd.grad"),
                       (torch.autograd, "backward", "torch.autograd.backward"),
                       (torch.Tensor, "backward", "torch.Tensor.backward")]
    if "jax" in sys.modules:
        jax = sys.modules["jax"]
        candidates += [(jax, name, f"jax.{name}") for name in ("grad", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev")]
    for owner, attr, label in candidates:
        if (id(owner), attr) in _installed:
            continue
        original = getattr(owner, attr, None)
        if original is not None:
            _install(owner, attr, _flag(label, original))


_tampered: list = []


def _detectors_intact() -> bool:
    """Checked before and after every call; once found broken, every later manual call is flagged."""
    if not _log_whole():
        _tampered.append(True)
    for owner, attr, wrapped, code, cells in _installed.values():
        if (getattr(owner, attr, None) is not wrapped or wrapped.__code__ is not code
                or any(cell.cell_contents is not held for cell, held in zip(wrapped.__closure__ or (), cells))):
            _tampered.append(True)
            break
    return not _tampered


# ---------------------------------------------------------------------------------------------
# Building arguments and converting what comes back
# ---------------------------------------------------------------------------------------------


class BadValue(Exception):
    """The learner returned something that is not numbers."""


def _spec_numbers(spec) -> np.ndarray:
    """The spec's values as a fresh ndarray of its dtype (integers come over the wire as float64)."""
    value = np.asarray(spec.value)
    dtype = np.dtype(spec.dtype)
    if dtype.kind in "iu":
        whole = np.rint(value)
        # labels must arrive exactly: a non-integer value here is a grader bug, not the learner's
        if not np.array_equal(whole, value) or (whole.size and np.max(np.abs(whole)) >= 2**53):
            raise ValueError(f"an {dtype} argument holds values that are not whole numbers")
        value = whole
    return np.array(value, dtype=dtype)


def build_arg(spec):
    if isinstance(spec, records.Tensor):
        value = tf.constant(_spec_numbers(spec), dtype=spec.dtype)
        return tf.Variable(value) if spec.variable else value
    if isinstance(spec, records.Array):
        return _spec_numbers(spec)
    if isinstance(spec, records.Probe):
        return probes.build(spec)
    if isinstance(spec, tuple):
        return [build_arg(item) for item in spec]  # the contract passes parameter lists as lists
    return spec


def to_plain(value, depth=0):
    """Numbers only: float64 arrays, floats, None, and tuples of those."""
    if depth > 8:
        raise BadValue("the return value is nested too deeply")
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise BadValue(f"returned a boolean ({value!r}), expected numbers")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, (tf.Tensor, tf.Variable)) or hasattr(value, "numpy"):
        try:
            value = value.numpy()
        except Exception as exc:  # noqa: BLE001 - any failure is a bad value, reported as such
            raise BadValue(f"calling .numpy() on the returned {type(value).__name__} failed: {exc}") from None
        if isinstance(value, (bytes, str)):
            raise BadValue("returned a string tensor, expected numbers")
        if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
            raise BadValue("returned an object whose .numpy() does not give numbers")
        return to_plain(value, depth + 1)
    if isinstance(value, np.ndarray):
        # .view(np.ndarray) drops any subclass: only its numbers leave this process.
        array = np.asarray(value).view(np.ndarray)
        if array.dtype.kind not in "fiu":
            raise BadValue(f"returned an array of dtype {array.dtype}, expected floats")
        return np.array(array, dtype=np.float64)
    if isinstance(value, (tuple, list)):
        if len(value) > 10_000:
            raise BadValue("returned a sequence of more than 10000 items")
        return tuple(to_plain(item, depth + 1) for item in value)
    raise BadValue(f"returned a {type(value).__name__}, expected numbers (a tensor, an array or a float)")


def _handed_over(spec, built):
    """``built`` with every list replaced by a tuple of its items as they are now."""
    if isinstance(spec, tuple):
        return tuple(_handed_over(s, b) for s, b in zip(spec, built))
    return built


def after_state(spec, built):
    """The numbers an argument holds after the call (Variables, arrays, models), else None."""
    if isinstance(spec, records.Tensor) and spec.variable:
        return np.array(built.numpy(), dtype=np.float64)
    if isinstance(spec, records.Array):
        return np.array(built, dtype=np.float64)
    if isinstance(spec, records.Probe):
        return probes.state_of(built)
    if isinstance(spec, tuple):
        return tuple(after_state(s, b) for s, b in zip(spec, built))
    return None


def describe_keras_model(model) -> dict:
    """What a check needs to know about a returned Keras model, as numbers and strings."""
    layers = []
    for layer in getattr(model, "layers", []):
        config = layer.get_config() if hasattr(layer, "get_config") else {}
        function = getattr(layer, "activation", None)
        activation = getattr(function, "__name__", None) or str(config.get("activation"))
        layers.append((type(layer).__name__, float(config.get("units", -1) or -1), str(activation)))
    weights = tuple(np.array(w, dtype=np.float64) for w in model.get_weights())
    described = {"class": type(model).__name__, "layers": tuple(layers), "weights": weights}
    if weights and weights[0].ndim == 2:
        # a fixed probe batch; the trusted side knows it and recomputes the expected output
        x = np.linspace(-1.0, 1.0, 5 * weights[0].shape[0]).reshape(5, weights[0].shape[0])
        dtype = model.inputs[0].dtype if getattr(model, "inputs", None) else "float32"
        try:
            described["output"] = to_plain(model(tf.constant(x, dtype=dtype)))
        except Exception:  # noqa: BLE001 - the check reports a model that cannot be called
            described["output"] = None
        try:
            # train_step calls model(x, training=True): a Dropout (or any training-only layer) shows here
            # although the inference output above is right; computed second, so a side effect of training
            # mode (BatchNormalization's moving statistics) cannot change what was described before
            described["output_training"] = to_plain(model(tf.constant(x, dtype=dtype), training=True))
        except Exception:  # noqa: BLE001 - a model that fails only in training mode is reported by the check
            described["output_training"] = None
    return described


# How to read a return value that is not numbers, by the name a check gives in ``Call.read``
# (``learner.call("build_model", ..., read="keras_model")``): the check says what it expects back.
READERS = {"keras_model": describe_keras_model}


# ---------------------------------------------------------------------------------------------
# The child's life: import the submission, then answer calls until told to stop
# ---------------------------------------------------------------------------------------------


_GRADER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the whole kit, not only the sandbox
_LIBRARY_DIRS = tuple(sorted({os.path.abspath(p) for p in (sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")) if p}))
_TF_NOISE = re.compile(r"\{\{function_node [^}]*\}\}\s*|\s+name:\s*$")
MAX_CHAIN = 4  # submission frames shown in a call chain; a longer chain shows its ends


def _is_library(filename: str) -> bool:
    """A frame of the grader, TensorFlow, numpy or the standard library (where a student's line is not)."""
    if filename.startswith("<"):  # <frozen importlib._bootstrap>, <string>: not a file the student wrote
        return True
    full = os.path.abspath(filename)
    if full.startswith(_GRADER_DIR + os.sep):
        return True
    parts = full.replace("\\", "/").split("/")
    return "site-packages" in parts or "dist-packages" in parts or full.startswith(_LIBRARY_DIRS)


def remember_source(path: str, source: bytes) -> None:
    """Keep the submission's lines for tracebacks: once the child is sandboxed it may not read the file again."""
    import linecache

    text = source.decode("utf-8", errors="replace")
    # mtime None: linecache.checkcache keeps the entry (it cannot stat the file to revalidate it)
    linecache.cache[path] = (len(text), None, text.splitlines(True), path)


def _crash_site(exc: BaseException, path: str | None = None, function=None) -> str:
    """Where in the submission ``exc`` happened: 'line 40 in backprop -> line 22 of ex04.py in sigmoid_prime: <source>'.

    The innermost frames of a TensorFlow error are TensorFlow's own; the student needs the line
    of *their* file that led there, and the chain of their functions that got to it.
    """
    try:
        return _find_site(exc, path, function)
    except Exception:  # noqa: BLE001 - a hostile object in the traceback must not cost the message itself
        return messages.NO_SUBMISSION_LINE.format(file=os.path.basename(path) if path else "the submission",
                                                  what="its traceback could not be read", where="an unknown place")


def _find_site(exc: BaseException, path: str | None, function) -> str:
    try:
        frames = traceback.extract_tb(exc.__traceback__)
    except Exception:  # noqa: BLE001 - a traceback we cannot read gives no location, not a crash
        frames = []
    if path:
        target = os.path.normpath(os.path.abspath(path))
        mine = [f for f in frames if f.filename == path or os.path.normpath(os.path.abspath(f.filename)) == target]
        name = os.path.basename(path)
    else:  # a notebook kernel (InProcess): the cells have no one file; anything not library code is the student's
        mine = [f for f in frames if not _is_library(f.filename)]
        name = os.path.basename(mine[-1].filename) if mine else ""
    if not mine:
        # e.g. a helper module beside the submission, or a name bound straight to a library function
        others = [f for f in frames if not _is_library(f.filename)]
        if others:
            mine, name = others, os.path.basename(others[-1].filename)
        else:
            inside = frames[-1] if frames else None
            what = getattr(function, "__module__", None) or "a library"
            where = f"{inside.filename.rsplit('site-packages/', 1)[-1]}, line {inside.lineno}" if inside else what
            named = f"{getattr(function, '__name__', 'the function')} is not defined in the file (it comes from {what})"
            return messages.learner_text(messages.NO_SUBMISSION_LINE.format(
                file=os.path.basename(path) if path else "the submission", what=named, where=where), 400)
    steps = [messages.CRASH_STEP.format(line=f.lineno, function="the file, at import" if f.name == "<module>" else f.name)
             for f in mine[:-1]]
    last = mine[-1]
    steps.append((messages.CRASH_AT_IMPORT if last.name == "<module>" else messages.CRASH_LAST).format(
        line=last.lineno, file=name, function=last.name))
    if len(steps) > MAX_CHAIN:
        steps = steps[:1] + ["..."] + steps[-(MAX_CHAIN - 2):]
    source = (last.line or "").strip()
    return messages.learner_text(" -> ".join(steps) + (f": {source[:200]}" if source else ""), 400)


def _shown(value) -> str:
    """repr() of a learner's value (a sys.exit code), as safe text even if its __repr__ is hostile."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001
        text = f"<a {type(value).__name__}>"
    return messages.learner_text(text, 200)


def _exception_text(exc: BaseException, path: str | None = None, function=None) -> str:
    """'ValueError: <message> (ex04.py: line 40 in backprop -> ...)', learner text escaped and capped."""
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a hostile __str__ still gives the type and the line
        text = f"{type(exc).__name__} (its message cannot be shown)"
    # TensorFlow's kernel names ("{{function_node __wrapped__MatMul_device_/job:localhost/...}}") say nothing
    # to a student, and differ between float32 and float64 for the same mistake
    text = _TF_NOISE.sub("", text[: messages.MAX_LEARNER_TEXT * 2]).rstrip()
    return f"{messages.learner_text(text)} ({_crash_site(exc, path, function)})"


_fingerprint_rows = records.fingerprint_rows  # bound before any learner code, and watched by the guard


def _install_spy(module, name: str, spied: list, traced: list):
    """Record, for each call of module.<name>, the sorted fingerprints of the rows of its first
    argument, paired with its second's when that has as many rows (records.fingerprint_rows): the
    mini-batch's (x, y) pairs.  A call made while a tf.function is traced is marked in ``traced``.
    """
    original = getattr(module, name, None)
    if original is None or not callable(original):
        return None

    def spy(*args, **kwargs):
        if tf is not None and not tf.executing_eagerly():
            traced.append(True)  # symbolic rows: the graph will run this mini-batch step unseen
        try:
            x = np.asarray(args[0], dtype=np.float64)
            pair = [x]
            try:
                y = np.asarray(args[1], dtype=np.float64) if len(args) > 1 else None
                if y is not None and y.ndim >= 1 and x.ndim >= 1 and y.shape[0] == x.shape[0]:
                    pair.append(y)
            except Exception:  # noqa: BLE001 - a second argument that is not rows: x alone
                pass
            spied.append(np.sort(_fingerprint_rows(*pair)))
        except Exception:  # noqa: BLE001 - a spy must never change what the learner's code does
            spied.append(np.zeros(0))  # not rows (sgd_update's list of parameters): the call still counts
        return original(*args, **kwargs)

    setattr(module, name, spy)
    undo = [lambda: setattr(module, name, original)]
    # Functions wrapped in a class and exported as aliases (backprop = _net.backprop): the class's own
    # train calls self.backprop, so the spy must also shadow the method on the object it is bound to.
    owner, func = getattr(original, "__self__", None), getattr(original, "__func__", None)
    if owner is not None and func is not None and hasattr(owner, "__dict__"):
        attr = func.__name__
        had, previous = attr in vars(owner), vars(owner).get(attr)
        try:
            setattr(owner, attr, spy)
            undo.append(lambda: setattr(owner, attr, previous) if had else delattr(owner, attr))
        except Exception:  # noqa: BLE001 - a read-only object: the module-level spy still counts
            pass
    return lambda: [step() for step in reversed(undo)]


def _spy_eagerly(function, args, kwargs, spied: list) -> None:
    """The spied call again, with tf.functions run eagerly, for what the spy saw only.

    A tf.function (a step built inside train, or the TensorFlow guides' module-level train_step) runs
    its graph without calling the Python function again: the spy saw one trace, or nothing.  Run
    eagerly, each mini-batch is a real call with real rows.  The call's answer stays the first run's:
    random ops in a tf.function draw another stream when run eagerly.  A run that fails eagerly (an
    input_signature that casts) leaves what the first run saw."""
    if tf is None or tf.config.functions_run_eagerly():
        return
    first = list(spied)
    del spied[:]
    tf.config.run_functions_eagerly(True)
    try:
        function(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the first run's answer stands, with what its spy saw
        spied[:] = first
    finally:
        tf.config.run_functions_eagerly(False)


def run_call(module, call: records.Call) -> records.Outcome:
    function = getattr(module, call.function, None)
    if function is None or not callable(function):
        return records.Outcome("missing", message=messages.MISSING_FUNCTION.format(function=call.function))
    started = time.perf_counter()
    try:
        args = [build_arg(spec) for spec in call.args]
        kwargs = {name: build_arg(spec) for name, spec in call.kwargs}
    except Exception as exc:  # noqa: BLE001 - a grader-side failure, reported as one
        return records.Outcome("error", message=f"the grader could not build the inputs: {exc}")
    _install_foreign_detectors()
    spied: list = []
    traced: list = []
    restore_spy = _install_spy(module, call.spy, spied, traced) if call.spy else None
    _detectors_intact()
    # the objects the grader handed over, kept aside: replacing an item of a parameter list
    # (params[i] = tf.Variable(...)) is rebinding, not the in-place update the contract asks for
    handed = [_handed_over(spec, built) for spec, built in zip(call.args, args)]
    before = _event_count()
    try:
        value = function(*args, **kwargs)
        if restore_spy and (traced or not spied):
            _spy_eagerly(function, args, kwargs, spied)
    except NotImplementedError:
        return records.Outcome("not_implemented", message=messages.NOT_IMPLEMENTED_CALL.format(function=call.function))
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are results too
        kind = messages.learner_text(type(exc).__name__, 100)
        # every crash names the submission's line: the learner's file, not TensorFlow's
        path = getattr(module, "__file__", None)
        where = _crash_site(exc, path, function)
        if isinstance(exc, SystemExit):
            message = sandbox_messages.CALL_EXITED.format(function=call.function, code=_shown(exc.code), site=where)
        elif isinstance(exc, KeyboardInterrupt):
            message = sandbox_messages.CALL_INTERRUPTED.format(function=call.function, site=where)
        elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            message = sandbox_messages.CALL_OUTPUT_LIMIT.format(
                function=call.function, mb=_limits.get('file_bytes', 0) / 1024**2, site=where)
        else:
            message = f"{call.function}() raised {_exception_text(exc, path, function)}"
        return records.Outcome("error", message=message, seconds=time.perf_counter() - started, value=kind)
    finally:
        if restore_spy:
            restore_spy()
    seconds = time.perf_counter() - started

    def autodiff_seen() -> tuple:
        # read after the result became plain numbers: a lazy object whose .numpy() or __float__ runs
        # the tape would otherwise compute its gradient after the window closed
        used = _events_since(before)
        if call.manual and not _detectors_intact():
            used = used + (messages.DETECTORS_REMOVED,)
        return used

    try:
        if not call.returns:
            plain = None
        elif call.read:
            plain = READERS[call.read](value)
        else:
            plain = to_plain(value)
        after = tuple(after_state(spec, built) for spec, built in zip(call.args, handed))
        used = autodiff_seen()
    except BadValue as exc:
        used = autodiff_seen()
        return records.Outcome("bad_value", message=f"{call.function}() {messages.learner_text(exc)}", seconds=seconds,
                               used_autodiff=used)
    except Exception as exc:  # noqa: BLE001
        used = autodiff_seen()
        return records.Outcome("bad_value", message=f"{call.function}(): its result could not be read: "
                               f"{_exception_text(exc, getattr(module, '__file__', None))}",
                               seconds=seconds, used_autodiff=used)
    return records.Outcome("ok", value=plain, inputs_after=after, used_autodiff=used, seconds=seconds,
                           spied=tuple(spied))


_limits: dict = {}
OPEN_FILES = 1024  # RLIMIT_NOFILE of a jailed child


def _apply_limits(limits: dict) -> None:
    _limits.update(limits)
    # an over-long write fails (EFBIG) instead of killing us; a crash leaves no core file anywhere
    proc.set_rlimits(file_bytes=limits.get("file_bytes"), cpu_seconds=limits.get("cpu_seconds"))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass


def _reset_output() -> None:
    """Empty the learner's output file between calls, so one call's flood cannot fail the next."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    for fd in (1, 2):
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
        except OSError:
            pass
    for stream in (sys.stdout, sys.stderr):
        buffer = getattr(stream, "buffer", None)
        try:  # drop whatever the failed flush left behind
            if buffer is not None and hasattr(buffer, "seek"):
                stream.seek(0)
        except (OSError, ValueError):
            pass


def import_submission(path: str, module_name: str, source: bytes):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    exec(compile(source, path, "exec"), module.__dict__)  # noqa: S102 - this is the point of the child
    return module


def isolate(limits: dict, keep_fds: tuple = (), report=None) -> tuple[str, list[str]]:
    """Enter the jail (see sandbox.jail); returns the submission's path there and what could not be applied.

    Past this point the process has its own PID, mount, network and IPC namespaces, sees only its
    own copy of the submission and the Python install (read-only), is in its own memory and pids
    cgroup and, as root, runs as a uid no other live child has, under the seccomp filter
    (sandbox.seccomp: nothing after this point mounts or unshares).  The caller's process stays
    outside as a relay and never returns from here."""
    path, missing = jail.enter(limits, keep_fds, report)
    # the pids cgroup is the real bound; this also holds where there is none (not for uid 0, which
    # the kernel exempts: a user namespace of root's, as in the tests, relies on the cgroup)
    # open files: bounds the memory watch's scan of /proc/PID/fd, and the memfds a process may
    # have in flight over a unix socket (the kernel counts those against the sender's limit)
    proc.set_rlimits(processes=int(limits.get("processes", 256)), open_files=OPEN_FILES)
    return path, missing


def _output_file() -> int:
    """A file for the learner's stdout/stderr that no path names (so nothing to clean up)."""
    try:
        return os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o600)
    except (AttributeError, OSError):
        fd, name = tempfile.mkstemp(prefix="output-")
        os.unlink(name)
        return fd


def _capped(outcome):
    """The reply to send: learner text cut to a few KB, and a reply too large replaced by a message."""
    if isinstance(outcome.message, str) and len(outcome.message) > jail.MAX_TEXT:
        outcome = dataclasses.replace(outcome, message=outcome.message[:jail.MAX_TEXT] + sandbox_messages.CUT)
    try:
        data = wire.dumps(outcome)
    except TypeError as exc:
        return wire.dumps(records.Outcome("bad_value", message=str(exc)[:jail.MAX_TEXT]))
    if len(data) > jail.MAX_REPLY_BYTES:
        del data
        return wire.dumps(dataclasses.replace(
            records.Outcome("bad_value", message=sandbox_messages.RESULT_TOO_LARGE.format(
                mb=jail.MAX_REPLY_BYTES // 1024**2)),
            seconds=outcome.seconds, used_autodiff=outcome.used_autodiff))
    return data


class _Guard:
    """The child's own grading code as it was before the submission ran, and a test that it still is.

    Learner code shares this process and can rebind anything in it (``child._events_since =
    lambda start: ()``, a function's ``__code__``, ``wire.dumps``).  The serve loop calls through the
    references kept here, and a manual call answered after any of them changed is reported as
    using autodiff: the only thing the trusted side takes on the child's word is that log.  This
    raises the bar; it is not a boundary (see the README's sandbox section).
    """

    def __init__(self):
        self.run_call, self.capped = run_call, _capped
        here = sys.modules[__name__].__dict__
        self._names = {name: here[name] for name in
                       ("run_call", "_capped", "to_plain", "after_state", "describe_keras_model",
                        "_events_since", "_event_count", "_log_whole", "_detectors_intact", "_install_spy",
                        "_audit_hooks_added", "_watch_audit_hooks", "_spy_eagerly",
                        "state_changes", "_global_state", "_numerics_flags", "_bindings", "_differs", "_listing",
                        "_load", "_generators", "_fingerprint_rows")}
        # what a reply passes through on its way out and a request on its way in: the wire, json, the
        # connection (a patched send_bytes could rewrite a reply after it was judged)
        from multiprocessing.connection import Connection

        self._bound = [(owner, attr, getattr(owner, attr)) for owner, attrs in (
            (wire, ("dumps", "loads", "_encode", "_decode")), (json, ("dumps", "loads")),
            (json.JSONEncoder, ("encode", "iterencode")), (json.JSONDecoder, ("decode", "raw_decode")),
            (Connection, ("send_bytes", "_send_bytes", "_send", "recv_bytes", "_recv_bytes", "_recv")),
            (_Guard, ("intact",)), (records, ("Outcome",)), (records.Outcome, ("__init__",))) for attr in attrs]
        log = [_record, _graph_ran, _event_count, _events_since, _log_whole]
        log += [c.cell_contents for f in log for c in f.__closure__ or () if callable(getattr(c.cell_contents, "__code__", None))]
        self._cells = [(cell, cell.cell_contents) for f in log for cell in f.__closure__ or ()]
        watched = [*self._names.values(), _flag, _flag_graph_call, _send_frame, *log,
                   *(value for _, _, value in self._bound if hasattr(value, "__code__"))]
        self._code = [(f, f.__code__, f.__defaults__, f.__kwdefaults__) for f in watched if hasattr(f, "__code__")]

    def intact(self) -> bool:
        here = sys.modules[__name__].__dict__
        return (all(here.get(name) is value for name, value in self._names.items())
                and all(f.__code__ is code and f.__defaults__ is defaults and f.__kwdefaults__ is kw
                        for f, code, defaults, kw in self._code)
                and all(getattr(owner, attr, None) is value for owner, attr, value in self._bound)
                and all(cell.cell_contents is value for cell, value in self._cells) and _log_whole())


def _send_frame(fd: int, data: bytes, write=os.write, pack=struct.pack) -> None:
    """One reply on the session socket, framed as multiprocessing.connection does (a 4-byte length),
    through os.write as it was when this module was imported: not through a Connection the learner's
    code could have patched."""
    view = memoryview(pack("!i", len(data)) + data)
    while view:
        view = view[write(fd, view):]


def _import_file(path: str, module_name: str, source: bytes | None, limits: dict):
    """(module, hello): the submission (read from ``path`` unless ``source`` is given) imported, or
    None and an import_error naming its line."""
    try:
        if source is None:
            with open(path, "rb") as handle:
                source = handle.read()
        return import_submission(path, module_name, source), records.Outcome("ok")
    except BaseException as exc:  # noqa: BLE001 - a failed import is a result, not a crash
        # every message names the submission's line; learner text in it is escaped and capped
        if isinstance(exc, SystemExit):
            text = sandbox_messages.EXIT_AT_IMPORT.format(code=_shown(exc.code), site=_crash_site(exc, path))
        elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            text = sandbox_messages.OUTPUT_AT_IMPORT.format(mb=limits.get('file_bytes', 0) / 1024**2,
                                                            site=_crash_site(exc, path))
        elif isinstance(exc, SyntaxError) and exc.lineno is not None and exc.filename:
            # a parse error has no frame in the file: its own line number and text say where
            shown = (exc.text or "").strip()
            text = messages.learner_text(
                sandbox_messages.SYNTAX_ERROR.format(line=exc.lineno, file=os.path.basename(exc.filename), error=exc.msg)
                + (f": {shown[:200]}" if shown else ""), 600)
        else:
            text = sandbox_messages.IMPORT_RAISED.format(error=_exception_text(exc, path))
        return None, records.Outcome("import_error", message=text)


# ---------------------------------------------------------------------------------------------
# One child for several files of a submission: only while its global state is as it was
# ---------------------------------------------------------------------------------------------

# Modules whose attributes a file could rebind for the next one (tf.matmul = ..., np.sum = ...);
# TensorFlow's public submodules are tf's own attributes (tensorflow._api.v2.nn is tf.nn)
_WATCHED_MODULES = ("tensorflow", "numpy", "numpy.random", "numpy.linalg", "builtins", "math", "random", "sys", "os",
                    "functools", "operator")
_WATCHED_TF = ("math", "nn", "linalg", "random", "config", "experimental", "keras", "losses", "image", "signal")
# what libraries write by themselves: autograph's generated modules (a tf.function) in the temp
# folder, caches and configuration under HOME (matplotlib, Keras)
_LIBRARY_FILES = ("__autograph_generated_file", ".cache", ".config", ".keras", ".matplotlib", "matplotlib-")
_RLIMITS = ("RLIMIT_AS", "RLIMIT_DATA", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_STACK")
_SIGNALS = ("SIGALRM", "SIGVTALRM", "SIGPROF", "SIGTERM", "SIGINT", "SIGCHLD", "SIGUSR1", "SIGUSR2", "SIGPIPE")
# a child that kept more than this of a file's memory (or a quarter of its limit) starts afresh for the next
MEMORY_GROWTH = 512 * 1024**2
CPU_SHARE = 0.05  # ... or used more than this share of its CPU-time limit (a fresh child starts at zero)


def _install_roots() -> tuple:
    return tuple({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                          *sysconfig.get_paths().values()) if p})


def _numerics_flags() -> dict:
    """TensorFlow's, NumPy's and Keras's process-wide switches that change what the same code computes."""
    flags: dict = {}

    def read(name, getter):
        try:
            flags[name] = repr(getter())
        except Exception:  # noqa: BLE001 - a switch this version does not have
            flags[name] = "?"

    from tensorflow.python.eager import context
    from tensorflow.python.framework import config as tf_config
    from tensorflow.python.framework import ops

    read("executing eagerly", tf.executing_eagerly)
    read("functions run eagerly", tf.config.functions_run_eagerly)
    read("soft device placement", tf.config.get_soft_device_placement)
    read("numpy-style type promotion", lambda: ops.is_numpy_style_type_promotion())
    read("auto dtype conversion", lambda: ops.is_auto_dtype_conversion_enabled())
    read("dtype conversion mode", lambda: ops.get_dtype_conversion_mode())
    read("tensor equality", lambda: ops.Tensor._USE_EQUALITY)
    read("op callbacks (check_numerics, dumping)", lambda: len(context.context().op_callbacks))
    read("op determinism", lambda: tf_config.is_op_determinism_enabled())
    read("thread pools", lambda: (tf.config.threading.get_inter_op_parallelism_threads(),
                                  tf.config.threading.get_intra_op_parallelism_threads()))
    # (tf.custom_gradient in a traced function registers one of its own each trace)
    read("registered gradients", lambda: sorted(n for n in ops._gradient_registry.list()
                                                if not n.startswith("CustomGradient-")))
    read("XLA and graph options", lambda: (tf.config.optimizer.get_jit(), tf.config.optimizer.get_experimental_options()))
    read("warnings made errors", lambda: [f for f in warnings.filters if f[0] == "error"])
    read("numpy error handling", np.geterr)
    read("recursion limit", sys.getrecursionlimit)
    read("trace and profile hooks", lambda: (sys.gettrace(), sys.getprofile()))
    keras = sys.modules.get("keras")
    if keras is not None:
        read("keras floatx", lambda: keras.config.floatx())
        read("keras epsilon", lambda: keras.config.epsilon())
        read("keras dtype policy", lambda: keras.config.dtype_policy().name)
        read("keras image data format", lambda: keras.config.image_data_format())
        read("keras random seed", lambda: keras.src.backend.common.global_state.get_global_attribute("global_random_seed"))
    return flags


# filled in by Python or a library on first use, not by the learner: __annotations__ on first
# read, __warningregistry__ on a first warning
_LAZY_NAMES = frozenset({"__annotations__", "__warningregistry__"})


def _listing(folder: str):
    """The names in ``folder``, less those libraries write by themselves (_LIBRARY_FILES)."""
    try:
        return sorted(n for n in os.listdir(folder) if not n.startswith(_LIBRARY_FILES))
    except OSError:
        return None


def _bindings(namespace) -> dict:
    """name -> identity of what a module or class binds it to.  A submodule counts by kind only:
    TensorFlow replaces a lazy loader (tf.keras) by the module it loads on first use."""
    import types

    return {k: ("submodule" if isinstance(v, types.ModuleType) else id(v))
            for k, v in vars(namespace).items() if k not in _LAZY_NAMES}


def _global_state() -> dict:
    """What a file could leave behind that would change how the next file's code runs or is judged.

    Compared before each further file (see state_changes); anything not the same means a fresh
    child.  Random generators are left out on purpose: a fresh child starts from the fork server's
    state, which is just as arbitrary for code that does not seed."""
    import signal
    import resource
    import threading

    import types
    from tensorflow.python.util import lazy_loader

    state: dict = {"flags": _numerics_flags()}
    watched = {name: sys.modules.get(name) for name in _WATCHED_MODULES}
    # vars(), not getattr(): reading must not trigger TensorFlow's lazy imports (a lazy loader's own
    # dict changes when it loads, so one not loaded yet is not looked into)
    for name in _WATCHED_TF:
        watched[f"tensorflow.{name}"] = vars(tf).get(name)
    watched["tensorflow.experimental.numpy"] = vars(vars(tf).get("experimental", sys)).get("numpy")
    for name, module in watched.items():
        if isinstance(module, types.ModuleType) and not isinstance(module, lazy_loader.LazyLoader):
            state[f"module {name}"] = _bindings(module)
    from tensorflow.python.framework import ops

    classes = [tf.Tensor, ops.EagerTensor, tf.Variable, tf.GradientTape, tf.Module, np.ndarray]
    try:
        from tensorflow.python.ops import resource_variable_ops

        classes.append(resource_variable_ops.ResourceVariable)
    except ImportError:
        pass
    for cls in classes:
        state[f"class {cls.__name__}"] = _bindings(cls)
    import _thread

    state["python threads"] = (threading.active_count(), _thread._count())
    state["environment"] = dict(os.environ)
    state["working folder"] = (os.getcwd(), _listing(jail.WORKDIR), _listing("/dev/shm"))
    state["import path"] = (list(sys.path), [id(f) for f in sys.meta_path], [id(h) for h in sys.path_hooks])
    state["limits"] = {name: resource.getrlimit(getattr(resource, name)) for name in _RLIMITS if hasattr(resource, name)}
    state["timers"] = tuple(signal.getitimer(getattr(signal, t)) for t in ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF"))
    state["signal handlers"] = {name: repr(signal.getsignal(getattr(signal, name))) for name in _SIGNALS
                                if hasattr(signal, name)}
    state["open files"] = sorted(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    gc = __import__("gc")
    state["garbage collector"] = (gc.isenabled(), gc.get_threshold(), [id(c) for c in gc.callbacks])
    state["audit hooks"] = repr(_audit_hooks_added)  # one cannot be removed: it would run in the next file
    return state


_audit_hooks_added = itertools.count()  # counts up only: no learner code can set it back


def _watch_audit_hooks(event: str, args) -> None:
    """An audit hook of the child's own, added before any learner code: it sees every later one added."""
    if event == "sys.addaudithook":
        next(_audit_hooks_added)


def _differs(before, after) -> bool:
    """A binding changed or removed, or a new one that is not a submodule (numpy and TensorFlow
    bind a submodule the first time it is used: np.fft, tf.keras)."""
    if isinstance(before, dict) and isinstance(after, dict) and before.keys() <= after.keys():
        return (any(after[k] != v for k, v in before.items())
                or any(after[k] != "submodule" for k in after.keys() - before.keys()))
    return before != after


def state_changes(before: dict, modules_before: frozenset, loaded: set, rss_before: int,
                  memory_bytes: int = 2 * 1024**3, cpu_seconds: int = 1200) -> list[str]:
    """What differs from ``before`` (the state before any learner code), in words; [] when nothing does."""
    now = _global_state()
    changes = []
    for name, value in now.items():
        if name.startswith(("module ", "class ")):
            # (a module not loaded yet when the snapshot was taken, such as tf.keras, has nothing to compare with)
            if name in before and _differs(before[name], value):
                changes.append(name)
        elif before.get(name) != value:
            changes.append(name)
    if not _detectors_intact():
        changes.append("the autodiff detectors")
    roots = _install_roots()
    for name in set(sys.modules) - modules_before - loaded:
        if name.startswith("__autograph_generated_file"):
            continue  # a tf.function's code, converted by autograph
        where = getattr(sys.modules.get(name), "__file__", None)
        if not (isinstance(where, str) and os.path.realpath(where).startswith(roots)):
            changes.append(f"module {name}")  # a library imported is harmless; a module made up is not
            break
    if modules_before - set(sys.modules):
        changes.append("modules removed")
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    if used.ru_utime + used.ru_stime > CPU_SHARE * cpu_seconds:  # RLIMIT_CPU counts the whole life
        changes.append(f"CPU time ({used.ru_utime + used.ru_stime:.0f} s used of {cpu_seconds})")
    rss = proc.resident_bytes(["self"])
    if rss and rss_before and rss - rss_before > min(MEMORY_GROWTH, memory_bytes // 4):
        changes.append(f"memory (+{(rss - rss_before) // 1024**2} MB)")
    return changes


def serve(conn, path: str, module_name: str, limits: dict) -> None:
    """The life of a submission child (see serve_fd, its entry point).

    ``path`` is the file as the grader named it (for messages); the child reads its own copy,
    made by the trusted side, inside the jail.  After its first file, a ``records.Load`` may hand
    the child another file of the same submission; it takes it only if nothing the earlier files
    did is still visible (state_changes), and answers "dirty" otherwise."""
    os.setsid()  # our own process group and session, apart from the fork server's

    def jail_failed(reason: str) -> None:  # the trusted side shows why, instead of a bare exit status
        conn.send_bytes(_capped(records.Outcome("import_error", message=sandbox_messages.NO_JAIL.format(error=reason))))

    path, warnings_ = isolate(limits, (conn.fileno(),), jail_failed)
    # Learner output goes to a file in the private tmpfs, never to the trusted side's pipe.
    out = _output_file()
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    _apply_limits(limits)
    install_autodiff_detectors()
    sys.addaudithook(_watch_audit_hooks)
    guard = _Guard()  # before any learner code runs
    # Replies sent through os.write as imported (_send_frame), and two encoded now, before any learner
    # code: sent as they are when the grader's code was changed, since its json and wire may be too.
    fd = conn.fileno()
    untrusted_call = wire.dumps(records.Outcome("error", message=sandbox_messages.UNTRUSTED_CALL,
                                                used_autodiff=(sandbox_messages.GRADER_MODIFIED,)))
    untrusted_load = wire.dumps(records.Outcome("dirty", message="the grader's own code in the child"))
    sys.path.insert(0, os.path.dirname(path))
    # the state a next file must find (no op is run: the learner may still configure TensorFlow)
    before, modules_before, rss_before = _global_state(), frozenset(sys.modules), proc.resident_bytes(["self"])
    generators = _generators()
    loaded = {module_name}
    module, hello = _import_file(path, module_name, None, limits)
    if module is not None:
        hello = records.Outcome("ok", value=tuple(warnings_))
    _send_frame(fd, _capped(hello))
    if module is None:
        return
    while True:
        try:
            request = wire.loads(conn.recv_bytes(wire.MAX_MESSAGE_BYTES))
        except (EOFError, OSError, wire.WireError):
            return
        if request is None:
            return
        if isinstance(request, records.Load):
            try:
                changes = state_changes(before, modules_before, loaded, rss_before,
                                        int(limits.get("memory_bytes", 2 * 1024**3)),
                                        int(limits.get("cpu_seconds") or 1200))
            except Exception as exc:  # noqa: BLE001 - a state that cannot even be read is not the same state
                changes = [f"its state could not be read ({type(exc).__name__})"]
            if not guard.intact():
                _send_frame(fd, untrusted_load)
                continue
            if changes:
                _send_frame(fd, _capped(records.Outcome("dirty", message=", ".join(changes))))
                continue
            module, reply = _load(request, loaded, limits, generators)
            _send_frame(fd, _capped(reply))
            if module is None:
                return  # an import that failed may have left anything behind: this child is done
            continue
        outcome = guard.run_call(module, request)
        _reset_output()
        if (request.manual or request.spy) and not guard.intact():
            # what the detectors logged and the spy saw is the evidence of these calls: not trusted now
            _send_frame(fd, untrusted_call)
            continue
        _send_frame(fd, guard.capped(outcome))


def _generators() -> tuple:
    """Python's and NumPy's global generators as they are now: a fresh child's.  (NumPy's is the fork
    server's in every child; Python's random module reseeds itself in each forked child.)"""
    import random

    return random.getstate(), np.random.get_state()


def _load(request, loaded: set, limits: dict, generators: tuple):
    """Import a further file as a fresh child would: from /submission (where the trusted side put it
    in place of the last one), with no earlier file importable by name and the global generators
    as they were before any learner code (Python's, NumPy's; TensorFlow's global seed unset)."""
    import random

    for name in loaded:
        sys.modules.pop(name, None)
    loaded.add(request.module)
    random.setstate(generators[0])
    np.random.set_state(generators[1])
    from tensorflow.python.eager import context

    if getattr(context.context(), "_seed", None) is not None:
        tf.random.set_seed(None)  # clears TensorFlow's kernel cache too: only when a file seeded it
    _reset_output()
    path = os.path.join(jail.SUBMISSION_DIR, f"{request.module}.py")
    return _import_file(path, request.module, None, limits)


def serve_fd(fd: int, path: str, module_name: str, limits: dict) -> None:
    """Entry point of a submission child (forked by the fork server, or a spawned interpreter):
    serves the session socket ``fd`` until the trusted side closes it."""
    from multiprocessing.connection import Connection

    preload()  # done already in a forked child (the fork server did it once for all)
    serve(Connection(fd), path, module_name, limits)


if __name__ == "__main__":  # the spawn fallback: python -m autograder.sandbox.child FD PATH MODULE SETTINGS
    import json

    serve_fd(int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
