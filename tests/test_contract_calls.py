"""Every call the grader makes hands the learner what the contract promises (kinds, dtypes, shapes).

CONTRACT below is the one table of what each contract function receives, read off
EXERCISES.md (its conventions: arguments arrive as tf.Tensor or tf.Variable in float32 or float64;
its per-function rows for everything else: Python floats, lists, callables, integer labels...).

The test imports each reference solution afresh, wraps its contract functions with a recorder
and runs the exercise's real checks against it in this process (run.InProcess: the same argument
building and wire format as a sandboxed child).  Running the reference solution means the later,
conditional calls are reached too.  Only the outermost call is recorded: ``train`` calling
``backprop`` is the learner's business, not the grader's.

A row whose checks are known to send something else is listed in KNOWN with the mismatch; its
test is an xfail (not strict: it starts passing when the check module is fixed).
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOAT = ("float32", "float64")


@dataclass(frozen=True)
class Arg:
    """What one parameter receives.

    kinds: any of tensor (a tf.Tensor that is not a Variable), variable, ndarray, float, int, none,
    list, callable, model, optimizer, loss.  dtypes: allowed dtypes of a tensor/array.  shape: a
    tuple of symbols (the same symbol must be the same size in every argument of one call), ints,
    or "any".  items/length: for a list, the spec of each item (a tuple of Args, in order).
    doc: a phrase the solution's own text for this function must contain (where it states a type).
    """

    kinds: tuple
    dtypes: tuple = ()
    shape: object = None
    items: tuple = ()
    doc: str = ""


def T(*shape, dtypes=FLOAT, kinds=("tensor", "variable")):
    """A tensor argument, as the conventions promise: tf.Tensor or tf.Variable, float32 or float64."""
    return Arg(kinds, dtypes, shape if shape != ("any",) else "any")


PY_FLOAT = Arg(("float",))
PY_INT = Arg(("int",))
CALLABLE = Arg(("callable",))
PARAMS4 = Arg(("list",), items=(T("d", "h", kinds=("variable",)), T("h", kinds=("variable",)),
                                T("h", "c", kinds=("variable",)), T("c", kinds=("variable",))))

# (exercise, function) -> {parameter: Arg}, plus the reason when the checks are known to break it
CONTRACT: dict = {
    # ex01: "w0: Python float"; "coeffs is a list of floats"; "x0 is a tf.constant ... not a Variable"
    ("ex01_tape_basics", "grad_of_square"): {"w0": PY_FLOAT},
    ("ex01_tape_basics", "grad_of_polynomial"): {"coeffs": Arg(("list",)), "x0": PY_FLOAT},  # list items: floats,
    ("ex01_tape_basics", "grad_wrt_constant"): {"f": CALLABLE,
                                                "x0": Arg(("tensor",), FLOAT, "any", doc="x0 is a tf.constant, not a variable")},
    ("ex01_tape_basics", "gradient_descent"): {"f": CALLABLE, "x0": PY_FLOAT, "lr": PY_FLOAT, "steps": PY_INT},
    # ex02: tensors by the conventions; x (n,d), W (d,k), b (k,)
    ("ex02_chain_rule", "linear_forward"): {"x": T("n", "d"), "W": T("d", "k"), "b": T("k")},
    ("ex02_chain_rule", "mse"): {"y_pred": T("n", "k"), "y_true": T("n", "k")},
    ("ex02_chain_rule", "mse_grads"): {"x": T("n", "d"), "y_true": T("n", "k"), "W": T("d", "k"), "b": T("k")},
    ("ex02_chain_rule", "fit_linear"): {"x": T("n", "d"), "y_true": T("n", "k"), "lr": PY_FLOAT, "steps": PY_INT,
                                        "seed": PY_INT},
    # ex03: "x a float64 numpy array of any shape"; relative_error and tape_gradient do not name a kind:
    # arrays (numpy, or tensors by the conventions)
    ("ex03_gradient_check", "numerical_gradient"): {
        "f": CALLABLE, "x": Arg(("ndarray",), ("float64",), "any"), "eps": PY_FLOAT},
    ("ex03_gradient_check", "relative_error"): {"a": Arg(("ndarray", "tensor", "variable"), FLOAT, "s"),
                                                "b": Arg(("ndarray", "tensor", "variable"), FLOAT, "s")},
    ("ex03_gradient_check", "tape_gradient"): {"f": CALLABLE, "x": Arg(("ndarray",), ("float64",), "any",
                                                                       doc="x comes as a numpy array")},
    ("ex03_gradient_check", "gradient_check"): {"f": CALLABLE, "x": Arg(("ndarray",), ("float64",), "any"),
                                                "eps": PY_FLOAT},
    # ex04: a0 (n, d) -> (w1 (d,h), b1 (h,)) -> (w2 (h,c), b2 (c,)); y one-hot (n, c)
    ("ex04_manual_backprop", "sigmoid"): {"z": T("any")},
    ("ex04_manual_backprop", "sigmoid_prime"): {"z": T("any")},
    ("ex04_manual_backprop", "forward"): {"a0": T("n", "d"), "w1": T("d", "h"), "b1": T("h"), "w2": T("h", "c"),
                                          "b2": T("c")},
    ("ex04_manual_backprop", "output_delta"): {"z2": T("n", "c"), "a2": T("n", "c"), "y": T("n", "c")},
    ("ex04_manual_backprop", "hidden_delta"): {"delta2": T("n", "c"), "w2": T("h", "c"), "z1": T("n", "h")},
    ("ex04_manual_backprop", "backprop"): {"a0": T("n", "d"), "y": T("n", "c"), "w1": T("d", "h"), "b1": T("h"),
                                           "w2": T("h", "c"), "b2": T("c")},
    ("ex04_manual_backprop", "tape_gradients"): {"a0": T("n", "d"), "y": T("n", "c"), "w1": T("d", "h"),
                                                 "b1": T("h"), "w2": T("h", "c"), "b2": T("c")},
    ("ex04_manual_backprop", "sgd_update"): {
        "params": Arg(("list",), items=PARAMS4.items),
        "grads": Arg(("list",), items=(T("d", "h"), T("h"), T("h", "c"), T("c"))), "lr": PY_FLOAT},
    ("ex04_manual_backprop", "train"): {"x": T("n", "d"), "y": T("n", "c"), "hidden": PY_INT, "epochs": PY_INT,
                                        "batch_size": PY_INT, "lr": PY_FLOAT, "seed": PY_INT},
    # ex05: output width 1
    ("ex05_tape_regression", "forward_prop"): {"x": T("n", "d"), "w1": T("d", "h"), "b1": T("h"),
                                               "w2": T("h", 1), "b2": T(1)},
    ("ex05_tape_regression", "loss_fn"): {"y": T("n", 1), "y_pred": T("n", 1)},
    ("ex05_tape_regression", "train_step"): {
        "x": T("n", "d"), "y": T("n", 1),
        "params": Arg(("list",), items=(T("d", "h", kinds=("variable",)), T("h", kinds=("variable",)),
                                        T("h", 1, kinds=("variable",)), T(1, kinds=("variable",)))),
        "lr": PY_FLOAT},
    ("ex05_tape_regression", "train"): {"x": T("n", "d"), "y": T("n", 1), "hidden": PY_INT, "epochs": PY_INT,
                                        "lr": PY_FLOAT, "batch_size": Arg(("int", "none")), "seed": PY_INT},
    # ex06: Keras objects; "y integer labels" (int32 tensors: what tf.convert_to_tensor(y, dtype=tf.int32),
    # tf.one_hot, tf.cast and every Keras loss accept)
    ("ex06_keras_tape_loop", "build_model"): {"n_features": PY_INT, "n_classes": PY_INT, "hidden": PY_INT,
                                              "seed": PY_INT},
    ("ex06_keras_tape_loop", "train_step"): {"model": Arg(("model",)), "optimizer": Arg(("optimizer",)),
                                             "loss_fn": Arg(("loss", "callable")), "x": T("n", "d"),
                                             "y": T("n", dtypes=("int32",), kinds=("tensor",))},
    ("ex06_keras_tape_loop", "fit"): {"model": Arg(("model",)), "x": T("n", "d"),
                                      "y": Arg(("tensor",), ("int32",), ("n",), doc="The labels are integers"),
                                      "epochs": PY_INT, "lr": PY_FLOAT},
    # ex07: logits z (n, k); "labels arrive as an integer tf.Tensor (int32 or int64)", not one-hot
    ("ex07_softmax_cross_entropy", "softmax"): {"z": T("n", "k")},
    ("ex07_softmax_cross_entropy", "cross_entropy"): {"probs": T("n", "k"),
                                                      "labels": T("n", dtypes=("int32", "int64"), kinds=("tensor",))},
    ("ex07_softmax_cross_entropy", "softmax_ce_grad"): {"z": T("n", "k"),
                                                        "labels": T("n", dtypes=("int32", "int64"), kinds=("tensor",))},
    ("ex07_softmax_cross_entropy", "train_softmax_regression"): {
        "x": T("n", "d"), "labels": T("n", dtypes=("int32", "int64"), kinds=("tensor",)), "n_classes": PY_INT,
        "lr": PY_FLOAT, "epochs": PY_INT, "seed": PY_INT},
}

# (exercise, function) -> why the checks are known to break the contract (reported to the lead)
KNOWN: dict = {}


# ---------------------------------------------------------------------------------------------
# Describing what a function actually received
# ---------------------------------------------------------------------------------------------


def kind_of(value) -> str:
    import tensorflow as tf

    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, tf.Variable):
        return "variable"
    if isinstance(value, tf.Tensor):
        return "tensor"
    if isinstance(value, np.ndarray):
        return "ndarray"
    if isinstance(value, (list, tuple)):
        return "list" if isinstance(value, list) else "tuple"
    if isinstance(value, tf.keras.Model):
        return "model"
    if isinstance(value, tf.keras.optimizers.Optimizer):
        return "optimizer"
    if isinstance(value, tf.keras.losses.Loss):
        return "loss"
    if callable(value):
        return "callable"
    return type(value).__name__


def describe(value):
    """(kind, dtype, shape, items) of one received argument; plain data, kept after the call."""
    kind = kind_of(value)
    if kind in ("tensor", "variable", "ndarray"):
        return (kind, str(np.dtype(value.dtype.as_numpy_dtype) if hasattr(value.dtype, "as_numpy_dtype")
                          else value.dtype), tuple(int(n) for n in value.shape), ())
    if kind in ("list", "tuple"):
        return (kind, "", (len(value),), tuple(describe(item) for item in value))
    return (kind, "", None, ())


def recording(module, log):
    """Wrap the module's contract functions; only calls from outside the module are logged."""
    depth = [0]

    def wrap(name, original):
        signature = inspect.signature(original)

        @functools.wraps(original)
        def recorder(*args, **kwargs):
            if depth[0] == 0:
                bound = signature.bind(*args, **kwargs)
                log.append((name, {k: describe(v) for k, v in bound.arguments.items()}))
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return recorder

    for exercise, function in CONTRACT:
        if exercise == module.__name__ and callable(getattr(module, function, None)):
            setattr(module, function, wrap(function, getattr(module, function)))


@functools.lru_cache(maxsize=None)
def calls_made(exercise_name: str) -> tuple:
    """Every (function, {param: description}) call the exercise's checks make on the reference solution."""
    from autograder import grade
    from autograder.checks.framework import Learner
    from autograder.checks import all_exercises
    from autograder.rubric import Rubric
    from autograder.sandbox import InProcess

    path = ROOT / "solutions" / f"{exercise_name}.py"
    spec = importlib.util.spec_from_file_location(exercise_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    log: list = []
    recording(module, log)
    exercise, rubric = all_exercises()[exercise_name], Rubric.load()
    learner = Learner(InProcess(module))
    for check in exercise.checks:
        grade.evaluate(exercise, check, learner, rubric)
    return tuple(log)


def problems_with(received: dict, table: dict) -> list:
    """Every way one call's arguments differ from the table row (shape symbols unified over the call)."""
    sizes: dict = {}
    found = []

    def match(where, got, spec):
        kind, dtype, shape, items = got
        if kind not in spec.kinds:
            found.append(f"{where}: got kind {kind}, the contract says {' or '.join(spec.kinds)}")
            return
        if spec.dtypes and dtype not in spec.dtypes:
            found.append(f"{where}: dtype {dtype}, the contract says {' or '.join(spec.dtypes)}")
        if kind == "list" and spec.items:
            if len(items) != len(spec.items):
                found.append(f"{where}: a list of {len(items)}, the contract says {len(spec.items)}")
            for i, (item, item_spec) in enumerate(zip(items, spec.items)):
                match(f"{where}[{i}]", item, item_spec)
        if kind == "list" and not spec.items:  # a list of Python floats (ex01's coeffs)
            bad = [item[0] for item in items if item[0] != "float"]
            if bad or not items:
                found.append(f"{where}: list items {bad or 'none'}, the contract says a non-empty list of floats")
        if isinstance(spec.shape, tuple) and shape is not None:
            if len(shape) != len(spec.shape):
                found.append(f"{where}: shape {shape}, the contract says {spec.shape}")
                return
            for size, symbol in zip(shape, spec.shape):
                if isinstance(symbol, int):
                    if size != symbol:
                        found.append(f"{where}: shape {shape}, the contract says {spec.shape}")
                elif sizes.setdefault(symbol, size) != size:
                    found.append(f"{where}: shape {shape}: '{symbol}' is {sizes[symbol]} elsewhere in the call")

    for name, got in received.items():
        if name not in table:
            found.append(f"{name}: not a parameter of the contract")
            continue
        match(name, got, table[name])
    return found


CASES = [pytest.param(exercise, function, id=f"{exercise.split('_')[0]}.{function}",
                      marks=[pytest.mark.xfail(reason=KNOWN[(exercise, function)], strict=False)]
                      if (exercise, function) in KNOWN else [])
         for exercise, function in CONTRACT]


@pytest.mark.parametrize("exercise,function", CASES)
def test_every_call_matches_the_contract(exercise, function):
    calls = [received for name, received in calls_made(exercise) if name == function]
    assert calls, f"no check called {function}() on the reference solution: the table row is untested"
    table = CONTRACT[(exercise, function)]
    wrong = sorted({problem for received in calls for problem in problems_with(received, table)})
    assert not wrong, f"{exercise}.{function}: {len(calls)} calls, mismatches:\n" + "\n".join(wrong)


def test_the_table_names_every_contract_function_and_parameter():
    """The table's rows are the exercises' functions and parameters, as the reference solutions define them."""
    from autograder.checks import all_exercises

    for name, exercise in all_exercises().items():
        rows = [function for (ex, function) in CONTRACT if ex == name]
        assert rows == list(exercise.functions), f"{name}: table rows {rows} != contract functions {exercise.functions}"
        spec = importlib.util.spec_from_file_location(f"{name}_signatures", ROOT / "solutions" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for function in rows:
            params = list(inspect.signature(getattr(module, function)).parameters)
            assert params == list(CONTRACT[(name, function)]), f"{name}.{function}: {params}"


def contract_text():
    for path in (ROOT / "exercises" / "README.md", ROOT.parent / "shared" / "EXERCISES.md"):
        if path.exists():
            return path.read_text()
    return None


def test_the_table_agrees_with_the_written_contract():
    """Each function's signature in the contract document has the table's parameters, in order."""
    text = contract_text()
    if text is None:
        pytest.skip("no contract document (exercises/README.md or ../shared/EXERCISES.md) to compare with")
    for (exercise, function), table in CONTRACT.items():
        match = re.search(rf"\| `{function}\(([^)]*)\)`", text[text.index(f"## {exercise}"):])
        assert match, f"{exercise}.{function} has no row in the contract document"
        params = [p.split("=")[0].strip() for p in match.group(1).split(",") if p.strip()]
        assert params == list(table), f"{exercise}.{function}: the contract says ({', '.join(params)})"


def plain_words(source: str) -> str:
    """The file's text with comment markers, backticks and line breaks folded, for phrase search."""
    return re.sub(r"\s+", " ", re.sub(r"^\s*# ?", "", source, flags=re.M).replace("`", ""))


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_table_agrees_with_the_exercise_texts(folder):
    """Where the exercise files state an argument's type, they state the table's (the phrases in Arg.doc)."""
    for (exercise, function), table in CONTRACT.items():
        text = plain_words((ROOT / folder / f"{exercise}.py").read_text())
        for name, spec in table.items():
            if spec.doc:
                assert spec.doc in text, (f"{folder}/{exercise}.py does not say {spec.doc!r} about {function}()'s "
                                          f"{name}, as the contract table does")


def test_the_audit_sees_a_call_that_breaks_the_contract():
    """The comparison is not vacuous: the float32 labels the ex06 checks used to send are caught."""
    import tensorflow as tf

    table = CONTRACT[("ex06_keras_tape_loop", "fit")]
    received = {"x": describe(tf.zeros((120, 4), tf.float32)), "y": describe(tf.zeros((120,), tf.float32)),
                "epochs": describe(2), "lr": describe(0.3)}
    assert problems_with(received, table) == ["y: dtype float32, the contract says int32"]
    params = CONTRACT[("ex05_tape_regression", "train_step")]
    received = {"x": describe(tf.zeros((7, 3))), "y": describe(np.zeros((7, 1))),
                "params": describe([tf.Variable(tf.zeros((3, 4))), tf.zeros((4,)), tf.Variable(tf.zeros((4, 1))),
                                    tf.Variable(tf.zeros((1,)))]), "lr": describe(1)}
    assert set(problems_with(received, params)) == {
        "y: got kind ndarray, the contract says tensor or variable",
        "params[1]: got kind tensor, the contract says variable", "lr: got kind int, the contract says float"}
