"""The untrusted side: a child process that imports one submission and answers calls into it.

Everything here runs in a process the learner's code may have tampered with, so nothing it
says is believed beyond plain numbers: the trusted side computes every expected value and
every comparison itself.  Importing this module (as the fork server does) imports TensorFlow
but runs no TensorFlow op: forking after an op has run can deadlock the child.
"""

from __future__ import annotations

import os

# Set before TensorFlow is imported, so the fork server's children inherit them: quiet logs and
# one thread per pool, so two workers on two cores do not thrash.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import ctypes  # noqa: E402
import errno  # noqa: E402
import importlib.util  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
import weakref  # noqa: E402

import numpy as np  # noqa: E402

warnings.filterwarnings("ignore")
import tensorflow as tf  # noqa: E402

from autograder import messages, probes, records, wire  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Orphaned descendants (even ones that called setsid) re-parent to us, so they can be found."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


# The fork server imports this module; making it a subreaper there means a submission child that
# dies leaves its orphans with the fork server, where the trusted side can still find and kill them.
become_subreaper()


# ---------------------------------------------------------------------------------------------
# Detecting automatic differentiation at run time
# ---------------------------------------------------------------------------------------------

def _make_log():
    """The log of autodiff events, held in closures rather than a module global a submission could clear."""
    events: list = []
    graphs = weakref.WeakSet()  # tf.function graphs whose tracing used autodiff

    def record(name: str) -> None:
        events.append(name)
        # inside a tf.function trace the default graph is the function's: remember it (and the graphs
        # around it), so running that function later, even one traced at import, counts as autodiff
        from tensorflow.python.framework import func_graph, ops

        graph = ops.get_default_graph()
        while isinstance(graph, func_graph.FuncGraph):
            graphs.add(graph)
            graph = getattr(graph, "outer_graph", None)

    def graph_ran(graph) -> None:
        if graph is not None and graph in graphs:
            events.append("a tf.function that computes gradients")

    def count() -> int:
        return len(events)

    def since(start: int) -> tuple:
        return tuple(dict.fromkeys(events[start:]))

    return record, graph_ran, count, since


_record, _graph_ran, _event_count, _events_since = _make_log()
_installed: dict = {}


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
    from tensorflow.python import pywrap_tfe
    from tensorflow.python.eager import tape as tape_module
    from tensorflow.python.framework import ops
    from tensorflow.python.ops import gradients_util

    targets = [
        # the C tape and graph gradients: every Python road to a gradient passes one of these
        (pywrap_tfe, "TFE_Py_TapeSetNew", "the C tape API"),
        (pywrap_tfe, "TFE_Py_TapeGradient", "the C tape API"),
        (pywrap_tfe, "TFE_Py_ForwardAccumulatorNew", "forward-mode autodiff"),
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

    for owner, attr in ((concrete_function.ConcreteFunction, "_call_flat"),
                        (atomic_function.AtomicFunction, "call_flat")):
        original = getattr(owner, attr, None)
        if original is not None:
            wrapped = _flag_graph_call(original)
            setattr(owner, attr, wrapped)
            _installed[(id(owner), attr)] = (owner, attr, wrapped)
    for owner, attr, label in targets:
        original = getattr(owner, attr, None)
        if original is None:
            continue
        wrapped = _flag(label, original)
        try:
            setattr(owner, attr, wrapped)
        except (AttributeError, TypeError):  # a read-only attribute in this TensorFlow version
            continue
        _installed[(id(owner), attr)] = (owner, attr, wrapped)


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
            wrapped = _flag(label, original)
            try:
                setattr(owner, attr, wrapped)
            except (AttributeError, TypeError):
                continue
            _installed[(id(owner), attr)] = (owner, attr, wrapped)


_tampered: list = []


def _detectors_intact() -> bool:
    """Checked before and after every call; once found broken, every later manual call is flagged."""
    if not all(getattr(owner, attr, None) is wrapped for owner, attr, wrapped in _installed.values()):
        _tampered.append(True)
    return not _tampered


# ---------------------------------------------------------------------------------------------
# Building arguments and converting what comes back
# ---------------------------------------------------------------------------------------------


class BadValue(Exception):
    """The learner returned something that is not numbers."""


def build_arg(spec):
    if isinstance(spec, records.Tensor):
        value = tf.constant(np.asarray(spec.value), dtype=spec.dtype)
        return tf.Variable(value) if spec.variable else value
    if isinstance(spec, records.Array):
        return np.array(spec.value, dtype=spec.dtype)
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
    """What the build_model checks need to know about a Keras model, as numbers and strings."""
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
        try:
            described["output"] = to_plain(model(tf.constant(x, dtype=model.inputs[0].dtype if getattr(model, "inputs", None) else "float32")))
        except Exception:  # noqa: BLE001 - the check reports a model that cannot be called
            described["output"] = None
    return described


# ---------------------------------------------------------------------------------------------
# The child's life: import the submission, then answer calls until told to stop
# ---------------------------------------------------------------------------------------------


def _exception_text(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    learner_frames = [f for f in tb if "autograder" not in f.filename.replace("\\", "/").split("/")[-2:-1]]
    where = ""
    if learner_frames:
        frame = learner_frames[-1]
        where = f" (line {frame.lineno} of {os.path.basename(frame.filename)}: {(frame.line or '').strip()})"
    text = f"{type(exc).__name__}: {exc}"
    if len(text) > 600:
        text = text[:600] + "..."
    return text + where


def _install_spy(module, name: str, spied: list):
    """Record, for each call of module.<name>, a fingerprint of the rows of its first argument.

    A row's fingerprint is its dot product with a fixed random vector, so the trusted side can tell
    which examples went into each mini-batch, and in which order, without receiving the data back.
    """
    original = getattr(module, name, None)
    if original is None or not callable(original):
        return None

    def spy(*args, **kwargs):
        try:
            rows = np.asarray(args[0], dtype=np.float64)
            rows = rows.reshape(rows.shape[0], -1)
            direction = np.random.default_rng(20261123).normal(size=rows.shape[1])
            spied.append(np.sort(np.round(rows @ direction, 6)))
        except Exception:  # noqa: BLE001 - a spy must never change what the learner's code does
            pass
        return original(*args, **kwargs)

    setattr(module, name, spy)
    return lambda: setattr(module, name, original)


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
    restore_spy = _install_spy(module, call.spy, spied) if call.spy else None
    _detectors_intact()
    before = _event_count()
    try:
        value = function(*args, **kwargs)
    except NotImplementedError:
        return records.Outcome("not_implemented", message=f"{call.function}() is not implemented yet")
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are results too
        kind = type(exc).__name__
        if isinstance(exc, SystemExit):
            message = f"{call.function}() called sys.exit({exc.code!r})"
        elif isinstance(exc, KeyboardInterrupt):
            message = f"{call.function}() raised KeyboardInterrupt"
        elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            message = (f"{call.function}() printed or wrote more than "
                       f"{_limits.get('file_bytes', 0) / 1024**2:.0f} MB (the output limit)")
        else:
            message = f"{call.function}() raised {_exception_text(exc)}"
        return records.Outcome("error", message=message, seconds=time.perf_counter() - started, value=kind)
    finally:
        if restore_spy:
            restore_spy()
    seconds = time.perf_counter() - started
    used = _events_since(before)
    if call.manual and not _detectors_intact():
        used = used + ("(the grader's autodiff detectors were removed)",)
    try:
        if not call.returns:
            plain = None
        elif call.function == "build_model":
            plain = describe_keras_model(value)
        else:
            plain = to_plain(value)
        after = tuple(after_state(spec, built) for spec, built in zip(call.args, args))
    except BadValue as exc:
        return records.Outcome("bad_value", message=f"{call.function}() {exc}", seconds=seconds, used_autodiff=used)
    except Exception as exc:  # noqa: BLE001
        return records.Outcome("bad_value", message=f"{call.function}(): its result could not be read: {exc}",
                               seconds=seconds, used_autodiff=used)
    return records.Outcome("ok", value=plain, inputs_after=after, used_autodiff=used, seconds=seconds,
                           spied=tuple(spied))


_limits: dict = {}


def _apply_limits(limits: dict) -> None:
    _limits.update(limits)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-long write fails instead of killing us
    for name, key in (("RLIMIT_FSIZE", "file_bytes"), ("RLIMIT_CPU", "cpu_seconds")):
        if limits.get(key):
            value = int(limits[key])
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass
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


CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
NOBODY = 65534


def isolate(workdir: str, limits: dict) -> list[str]:
    """Sandbox extras where this machine allows them; returns what could not be applied.

    - no network: a new, empty network namespace (as root, or inside a user namespace);
    - as root, drop to the unprivileged user 'nobody': the child can then write nowhere but its
      private directory (not the kit, not the grader's folder, not a results.json), cannot signal
      or inspect the grader, and RLIMIT_NPROC caps a process flood.
    """
    missing = []
    libc = ctypes.CDLL(None, use_errno=True)
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        missing.append(f"no network namespace ({os.strerror(ctypes.get_errno())}): the submission can use the network")
    if os.geteuid() == 0 and limits.get("drop_privileges", True):
        try:
            os.chown(workdir, NOBODY, NOBODY)
            for name in os.listdir(workdir):
                os.chown(os.path.join(workdir, name), NOBODY, NOBODY)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            processes = int(limits.get("processes", 256))
            resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
        except OSError as exc:
            missing.append(f"could not drop root privileges ({exc})")
    elif os.geteuid() != 0:
        missing.append("not root: the submission runs as the grading user (no read-only view of other files)")
    os.environ["HOME"] = workdir
    return missing


def serve(conn, path: str, module_name: str, limits: dict) -> None:
    """Entry point of a submission child (run by the fork server or a spawned interpreter)."""
    os.setsid()  # our own process group, so the trusted side can signal the whole group
    become_subreaper()
    workdir = tempfile.mkdtemp(prefix="autograder-child-")
    os.chdir(workdir)
    # Learner output goes to a file in the private directory, never to the trusted side's pipe.
    out = os.open(os.path.join(workdir, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    _apply_limits(limits)
    install_autodiff_detectors()
    try:  # read the file while we still may: after isolate() the student's folder may be closed to us
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as exc:
        source = exc
    warnings_ = isolate(workdir, limits)
    # dying with the fork server: set after isolate(), because changing user clears the setting
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        if isinstance(source, OSError):
            raise source
        module = import_submission(path, module_name, source)
        hello = records.Outcome("ok", value=tuple(warnings_))
    except BaseException as exc:  # noqa: BLE001 - a failed import is a result, not a crash
        module = None
        if isinstance(exc, SystemExit):
            text = f"the file exited the process at import (sys.exit({exc.code!r}))"
        elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            text = f"the file printed or wrote more than {limits.get('file_bytes', 0) / 1024**2:.0f} MB at import"
        elif isinstance(exc, SyntaxError):
            text = f"the file has a syntax error at line {exc.lineno}: {exc.msg}"
        else:
            text = f"importing the file raised {_exception_text(exc)}"
        hello = records.Outcome("import_error", message=text)
    conn.send_bytes(wire.dumps(hello))
    if module is None:
        return
    while True:
        try:
            request = wire.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if request is None:
            return
        outcome = run_call(module, request)
        _reset_output()
        try:
            conn.send_bytes(wire.dumps(outcome))
        except TypeError as exc:
            conn.send_bytes(wire.dumps(records.Outcome("bad_value", message=str(exc))))


def serve_fd(fd: int, path: str, module_name: str, limits: dict) -> None:
    from multiprocessing.connection import Connection

    serve(Connection(fd), path, module_name, limits)


if __name__ == "__main__":  # the spawn fallback: python -m autograder.child FD PATH MODULE SETTINGS
    import json

    serve_fd(int(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
