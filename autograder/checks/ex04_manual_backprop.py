"""ex04_manual_backprop: Nielsen's 2-layer sigmoid network, backprop by hand, checked against the tape."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import feedback, oracle
from autograder.checks.framework import (Check, Exercise, autodiff_used, crashed_update_verdict, failed, init_problems, parts_verdict, rng,
                              batch_rows, signature, unpaired_rows, update_verdict, verdict_for)
from autograder.compare import Tolerance, as_array, as_series, mismatch
from autograder.records import PASS, Tensor, Verdict

NAME = "ex04_manual_backprop"
# Layer widths d -> h -> k and a batch size n that differ from each other, so a missing
# transpose or a wrong axis changes a shape, and a missing 1/n changes every value.
D, H, K, N = 6, 5, 3, 7


def network(seed: int, n: int = N):
    r = rng(4, seed)
    a0 = r.normal(size=(n, D))
    y = np.eye(K)[r.integers(0, K, size=n)]
    w1, b1 = r.normal(size=(D, H)), r.normal(size=H) * 0.5
    w2, b2 = r.normal(size=(H, K)), r.normal(size=K) * 0.5
    return a0, y, w1, b1, w2, b2


def tensors(dtype, *arrays):
    return tuple(Tensor(a, dtype) for a in arrays)


# ---------------------------------------------------------------------------------------------
# sigmoid, sigmoid_prime, forward
# ---------------------------------------------------------------------------------------------


def z_values(seed):
    return rng(4, 1, seed).normal(scale=4.0, size=(N, H))


def cost_gradients(a0, y, w1, b1, w2, b2):
    """The oracle: the quadratic cost of the contract's network and d C / d (w1, b1, w2, b2), via the tape."""
    t = oracle.tf()
    a0, y = np.asarray(a0, np.float64), np.asarray(y, np.float64)

    def cost(w1, b1, w2, b2):
        a1 = t.sigmoid(a0 @ w1 + b1)
        a2 = t.sigmoid(a1 @ w2 + b2)
        return t.reduce_mean(0.5 * t.reduce_sum((a2 - y) ** 2, axis=1))

    return oracle.tape_gradients(cost, w1, b1, w2, b2)


# memoised for the kit's fixed inputs, which every student is given; a replay of one student's own
# training (train:steps) calls cost_gradients itself, so it does not push those out of the memo
backprop_grads = oracle.by_value(cost_gradients)


def mlp_sigmoid_predict(x, w1, b1, w2, b2):
    return oracle.sigmoid(oracle.sigmoid(x @ w1 + b1) @ w2 + b2)


def quadratic_cost(a0, y, w1, b1, w2, b2) -> float:
    a2 = mlp_sigmoid_predict(a0, w1, b1, w2, b2)
    return float(np.mean(0.5 * np.sum((a2 - y) ** 2, axis=1)))


def check_sigmoid(dtype, learner, rubric):
    z = z_values(0)
    outcome = learner.call("sigmoid", Tensor(z, dtype))
    return failed(outcome) or verdict_for(
        outcome.value, oracle.sigmoid(z), rubric.tolerance(dtype), signature("sigmoid", z=Tensor(z, dtype)),
        {"returned exp(-z) / (1 + exp(-z)), i.e. 1 - sigmoid(z) (sign of z flipped)": oracle.sigmoid(-z)})


def check_sigmoid_extremes(learner, rubric):
    z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    outcome = learner.call("sigmoid", Tensor(z, "float64"))
    problem = failed(outcome)
    if problem:
        return problem
    got = as_array(outcome.value)
    if got is not None and got.shape == z.shape and not np.isfinite(got).all():
        return Verdict(0.0, "sigmoid(z) is not finite for z = " + ", ".join(
            f"{v:g}" for v in z[~np.isfinite(got)]) + ": exp(z) overflows; use tf.math.sigmoid or a "
            "form that only exponentiates negative numbers")
    return verdict_for(outcome.value, oracle.sigmoid(z), rubric.tolerance("float64"),
                       signature("sigmoid", z=Tensor(z, "float64")))


def check_sigmoid_prime(dtype, learner, rubric):
    z = z_values(1) * 0.5
    outcome = learner.call("sigmoid_prime", Tensor(z, dtype), manual=True)
    s = oracle.sigmoid(z)
    return failed(outcome) or autodiff_used(outcome, "sigmoid_prime") or verdict_for(
        outcome.value, s * (1 - s), rubric.tolerance(dtype), signature("sigmoid_prime", z=Tensor(z, dtype)), {
            "returned sigmoid(z) instead of sigmoid(z) * (1 - sigmoid(z))": s,
            "applied s * (1 - s) to z itself instead of to sigmoid(z)": z * (1 - z),
            "returned 1 - sigmoid(z)": 1 - s,
            "the sign is flipped": -s * (1 - s),
        })


def check_forward(dtype, learner, rubric):
    a0, y, w1, b1, w2, b2 = network(2)
    args = tensors(dtype, a0, w1, b1, w2, b2)
    outcome = learner.call("forward", *args)
    problem = failed(outcome)
    if problem:
        return problem
    z1 = a0 @ w1 + b1
    a1 = oracle.sigmoid(z1)
    z2 = a1 @ w2 + b2
    want = (z1, a1, z2, oracle.sigmoid(z2))
    called = signature("forward", a0=args[0], w1=args[1], b1=args[2], w2=args[3], b2=args[4])
    if not isinstance(outcome.value, tuple) or len(outcome.value) != 4:
        return Verdict(0.0, f"{called}: expected the tuple (z1, a1, z2, a2)")
    tol = rubric.tolerance(dtype)
    return parts_verdict([verdict_for(got, w, tol, called, what=name)
                          for got, w, name in zip(outcome.value, want, ("z1", "a1", "z2", "a2"))])


# ---------------------------------------------------------------------------------------------
# The deltas (BP1, BP2)
# ---------------------------------------------------------------------------------------------


def check_output_delta(dtype, learner, rubric):
    a0, y, w1, b1, w2, b2 = network(3)
    z2 = oracle.sigmoid(a0 @ w1 + b1) @ w2 + b2
    a2 = oracle.sigmoid(z2)
    args = tensors(dtype, z2, a2, y)
    outcome = learner.call("output_delta", *args, manual=True)
    sp = a2 * (1 - a2)
    want = (a2 - y) * sp
    return failed(outcome) or autodiff_used(outcome, "output_delta") or verdict_for(
        outcome.value, want, rubric.tolerance(dtype), signature("output_delta", z2=args[0], a2=args[1], y=args[2]), {
            "the delta is missing the sigmoid_prime(z2) factor": a2 - y,
            "the sign is flipped (y - a2 instead of a2 - y)": -want,
            "divided by n: the delta is per example, the 1/n belongs in backprop": want / len(y),
            "sigmoid_prime was applied to a2 instead of z2": (a2 - y) * oracle.sigmoid(a2) * (1 - oracle.sigmoid(a2)),
            "sigmoid_prime(z2) was replaced by z2 * (1 - z2): s * (1 - s) needs s = sigmoid(z2), not z2 itself":
                (a2 - y) * z2 * (1 - z2),
        })


def check_hidden_delta(dtype, learner, rubric):
    a0, y, w1, b1, w2, b2 = network(4)
    z1 = a0 @ w1 + b1
    delta2 = rng(4, 5).normal(size=(N, K))
    args = tensors(dtype, delta2, w2, z1)
    outcome = learner.call("hidden_delta", *args, manual=True)
    s1 = oracle.sigmoid(z1)
    want = (delta2 @ w2.T) * s1 * (1 - s1)
    called = signature("hidden_delta", delta2=args[0], w2=args[1], z1=args[2])
    if (outcome.status == "error" and outcome.value in ("InvalidArgumentError", "ValueError")
            and any(word in outcome.message.split(" (line ")[0]  # the error itself, not the quoted source line
                    for word in ("ncompatible", "mismatch", "not aligned", "shapes"))):
        return Verdict(0.0, f"{called}: {outcome.message}. Hint: delta2 has shape (n, classes) and w2 has shape "
                            "(hidden, classes); multiply delta2 by the transpose of w2")
    return failed(outcome) or autodiff_used(outcome, "hidden_delta") or verdict_for(
        outcome.value, want, rubric.tolerance(dtype), called, {
            "the delta is missing the sigmoid_prime(z1) factor": delta2 @ w2.T,
            "multiplied by sigmoid(z1) instead of sigmoid_prime(z1)": (delta2 @ w2.T) * s1,
            "the sign is flipped": -want,
            "sigmoid_prime was applied to sigmoid(z1) instead of z1": (delta2 @ w2.T) * oracle.sigmoid(s1) * (1 - oracle.sigmoid(s1)),
            "sigmoid_prime(z1) was replaced by z1 * (1 - z1): s * (1 - s) needs s = sigmoid(z1), not the "
            "pre-activation z1": (delta2 @ w2.T) * z1 * (1 - z1),
        })


# ---------------------------------------------------------------------------------------------
# backprop and tape_gradients (BP3, BP4 with the 1/n)
# ---------------------------------------------------------------------------------------------


def grads_verdict(function, dtype, n, seed, learner, rubric, manual):
    a0, y, w1, b1, w2, b2 = network(seed, n)
    args = tensors(dtype, a0, y, w1, b1, w2, b2)
    outcome = learner.call(function, *args, manual=manual)
    problem = failed(outcome) or (autodiff_used(outcome, function) if manual else None)
    if problem:
        return problem
    _, want = backprop_grads(a0, y, w1, b1, w2, b2)
    called = signature(function, a0=args[0], y=args[1], w1=args[2], b1=args[3], w2=args[4], b2=args[5])
    if not isinstance(outcome.value, tuple) or len(outcome.value) != 4:
        return Verdict(0.0, f"{called}: expected the tuple (dw1, db1, dw2, db2), got a {type(outcome.value).__name__}")
    if not manual and all(g is None for g in outcome.value):
        # every gradient None: the tape recorded nothing it was asked about
        return Verdict(0.0, f"{called}: every gradient is None. Likely mistake: the parameters arrive as plain "
                            "tensors, not tf.Variables, and a tape only follows what it watches: call "
                            "tape.watch(p) for each of them inside the `with tf.GradientTape()` block")
    tol = rubric.tolerance(dtype)
    parts = []
    for got, w, name in zip(outcome.value, want, ("dw1", "db1", "dw2", "db2")):
        mistakes = {"the gradient is n times too big (missing the 1/n of the mean)": w * n,
                    "the sign is flipped": -w,
                    "the gradient is n times too big (missing the 1/n) and its sign is flipped": -w * n,
                    "the gradient is n times too small (divided by n twice, e.g. a mean and then / n)": w / n}
        if n == 1:  # n times too big/small are invisible at batch 1; the sign is named above
            mistakes = {"the sign is flipped": -w}
        got_array = as_array(got)
        if w.ndim == 2 and w.shape[0] != w.shape[1] and got_array is not None and got_array.shape == w.shape[::-1]:
            # Nielsen's network.py is column-major (nabla_w = delta . a^T); with rows it is a_in^T @ delta
            if mismatch(got_array, w.T, tol) is None:
                parts.append(Verdict(0.0, f"{called}: {name} has shape {got_array.shape}, the transpose of its "
                                          f"parameter's {w.shape}: with batches as rows it is a_in^T @ delta / n "
                                          f"(Nielsen's column form delta . a^T, transposed)"))
                continue
        parts.append(verdict_for(got, w, tol, called, mistakes, what=name))
    if n > 1:
        # a per-example (n, width) bias gradient is a recognisable shape mistake worth naming
        for index, name in ((1, "db1"), (3, "db2")):
            got = as_array(outcome.value[index])
            if got is not None and got.ndim == 2 and got.shape[0] == n:
                parts[index] = Verdict(0.0, f"{called}: {name} has shape {got.shape}: average the per-example "
                                            f"deltas over the batch (mean over rows) to get shape {want[index].shape}")
    # a picture of the first wrong gradient, for the feedback report
    wrong = next((i for i, part in enumerate(parts) if not part.passed), None)
    extra = {} if wrong is None else feedback.heatmap(("dw1", "db1", "dw2", "db2")[wrong], outcome.value[wrong], want[wrong])
    return feedback.attach(parts_verdict(parts), extra)


# ---------------------------------------------------------------------------------------------
# sgd_update
# ---------------------------------------------------------------------------------------------


def check_sgd_update(dtype, learner, rubric):
    _, _, w1, b1, w2, b2 = network(6)
    params = (w1, b1, w2, b2)
    r = rng(4, 7)
    grads = tuple(r.normal(size=p.shape) for p in params)  # a distinct random gradient per parameter
    lr = 0.37
    p_args = tuple(Tensor(p, dtype, variable=True) for p in params)
    g_args = tuple(Tensor(g, dtype) for g in grads)
    outcome = learner.call("sgd_update", p_args, g_args, lr, returns=False)  # "its return value is ignored"
    names = ("w1", "b1", "w2", "b2")
    if failed(outcome):
        return crashed_update_verdict("sgd_update", outcome, names, [p.shape for p in params],
                                      partial(reprobe_sgd_update, dtype, learner, rubric))
    after = outcome.inputs_after[0]
    return update_verdict("sgd_update", names, params, grads, lr, after, rubric, dtype)


def reprobe_sgd_update(dtype, learner, rubric):
    """sgd_update again with every parameter of shape (4,): a swapped gradient that crashed on the
    real shapes now completes, and update_verdict can name it. Diagnosis only, never points."""
    r = rng(4, 8)
    params = tuple(r.normal(size=4) for _ in range(4))
    grads = tuple(r.normal(size=4) for _ in range(4))
    lr = 0.37
    outcome = learner.call("sgd_update", tuple(Tensor(p, dtype, variable=True) for p in params),
                           tuple(Tensor(g, dtype) for g in grads), lr, returns=False)
    if failed(outcome):
        return None
    return update_verdict("sgd_update", ("w1", "b1", "w2", "b2"), params, grads, lr, outcome.inputs_after[0], rubric,
                          dtype, note=" (seen when the grader re-ran sgd_update with every parameter of shape (4,), "
                                      "where the mix-up does not crash)")


# ---------------------------------------------------------------------------------------------
# train: real digits, the grader's budget
# ---------------------------------------------------------------------------------------------


def train_call(learner, rubric, epochs=None, fresh=False):
    from autograder import data

    split = data.load_digits()
    epochs = rubric.setting(NAME, "train_epochs") if epochs is None else epochs
    y = data.one_hot(split.y_train, 10)
    # epochs=0 is watched: a backprop call there is a loop that runs one epoch too many
    return learner.call("train", Tensor(split.x_train, "float32"), Tensor(y, "float32"), hidden=30,
                        epochs=int(epochs), batch_size=10, lr=3.0, seed=0, fresh=fresh,
                        seconds=float(rubric.setting(NAME, "train_seconds")),
                        spy="backprop" if int(epochs) == 0 else ""), split


# The small runs: 120 digits and settings unlike the defaults (hidden=30, batch_size=10, lr=3.0,
# seed=0), so a train that ignores an argument and uses its default is seen doing so.
SMALL_N, SMALL_HIDDEN, SMALL_BATCH = 120, 12, 9  # 13 batches of 9 and a last of 3


def small_data():
    from autograder import data

    split = data.load_digits()
    x, labels = split.x_train[:SMALL_N], split.y_train[:SMALL_N]
    return x, data.one_hot(labels, 10)


def small_call(learner, epochs, seed=0, lr=3.0, fresh=False, spy=""):
    x, y = small_data()
    return learner.call("train", Tensor(x, "float32"), Tensor(y, "float32"), hidden=SMALL_HIDDEN, epochs=epochs,
                        batch_size=SMALL_BATCH, lr=lr, seed=seed, fresh=fresh, spy=spy)


def small_signature(epochs, seed=0, lr=3.0):
    return (f"train({SMALL_N} digits, hidden={SMALL_HIDDEN}, epochs={epochs}, batch_size={SMALL_BATCH}, "
            f"lr={lr:g}, seed={seed})")


def unpack_training(outcome, epochs, hidden=30):
    """(params, history) or a Verdict saying what is wrong with the shape of what train returned."""
    problem = failed(outcome)
    if problem:
        return None, problem
    value = outcome.value
    if not isinstance(value, tuple) or len(value) != 2 or not isinstance(value[0], tuple) or len(value[0]) != 4:
        return None, Verdict(0.0, "train(...) must return (params, history) with params = [w1, b1, w2, b2]")
    params = [as_array(p) for p in value[0]]
    shapes = [(64, hidden), (hidden,), (hidden, 10), (10,)]
    for name, p, shape in zip(("w1", "b1", "w2", "b2"), params, shapes):
        if p is None or p.shape != shape:
            return None, Verdict(0.0, f"train(..., hidden={hidden}) returned {name} with shape "
                                      f"{None if p is None else p.shape}, expected {shape} for 64-{hidden}-10")
    history = as_series(value[1])
    if history is None or history.ndim != 1 or len(history) != epochs:
        return None, Verdict(0.0, f"train(..., epochs={epochs}) must return a history of {epochs} numbers, got "
                                  f"{'nothing usable' if history is None else f'shape {history.shape}'}")
    return (params, history), None


def budget_training(learner, rubric):
    """The grader's main training run (memoised, shared by the train checks), unpacked."""
    outcome, split = train_call(learner, rubric)
    epochs = int(rubric.setting(NAME, "train_epochs"))
    unpacked, problem = unpack_training(outcome, epochs)
    return unpacked, split, epochs, problem


def budget_accuracy(learner, rubric):
    """(test accuracy of the budget run, threshold, problem): the one measure of "train learns"."""
    unpacked, split, _, problem = budget_training(learner, rubric)
    threshold = float(rubric.setting(NAME, "accuracy"))
    if problem:
        return None, threshold, problem
    return oracle.accuracy(mlp_sigmoid_predict(split.x_test, *unpacked[0]), split.y_test), threshold, None


def not_learning(learner, rubric, what: str) -> Verdict | None:
    """A zero for a property that only means something for a model that learns, when train does not.

    Random parameters with a made-up history are trained "every layer", "deterministic" and
    "consistent" too; these checks count once train:accuracy shows the network really learned.
    """
    acc, threshold, problem = budget_accuracy(learner, rubric)
    if problem:
        return problem
    if acc < threshold:
        return Verdict(0.0, f"not judged: train does not learn (test accuracy {acc:.3f} after the grader's budget, "
                            f"needs >= {threshold:.2f}), and {what} only counts for a network that learns; "
                            "fix train:accuracy first")
    return None


def check_train_accuracy(learner, rubric):
    unpacked, split, epochs, problem = budget_training(learner, rubric)
    if problem:
        return problem
    params, history = unpacked
    acc, threshold, _ = budget_accuracy(learner, rubric)
    extra = feedback.curve(history, ylabel="cost C", accuracy=acc, accuracy_threshold=threshold)
    if acc >= threshold:
        return feedback.attach(PASS, extra)
    return Verdict(0.0, f"train(digits, epochs={epochs}, batch_size=10, lr=3.0) reached test accuracy "
                        f"{acc:.3f}, needs >= {threshold:.2f}", extra)


def check_train_history(learner, rubric):
    from autograder import data

    unpacked, split, epochs, problem = budget_training(learner, rubric)
    if problem:
        return problem
    gate = not_learning(learner, rubric, "the history")
    if gate:
        return gate
    params, history = unpacked
    cost = quadratic_cost(split.x_train, data.one_hot(split.y_train, 10), *params)
    tol = rubric.tolerance("float32")
    if mismatch(history[-1], cost, tol, scalar=True):
        return Verdict(0.0, f"history[-1] should be the mean cost C over the training set after the last epoch "
                            f"({cost:.6g} for the returned parameters), got {history[-1]:.6g}")
    # Every entry, not only the last: with the same seed, epochs=2 starts as epochs=1 does, so its
    # history[0] is the cost of the parameters that train(epochs=1) returns.
    one, problem = unpack_training(small_call(learner, 1), 1, SMALL_HIDDEN)
    two, problem2 = unpack_training(small_call(learner, 2, spy="backprop"), 2, SMALL_HIDDEN)
    if problem or problem2:
        return problem or problem2
    x, y = small_data()
    after_first = quadratic_cost(x, y, *one[0])
    if mismatch(two[1][0], after_first, tol, scalar=True):
        again, _ = unpack_training(small_call(learner, 1, fresh=True), 1, SMALL_HIDDEN)
        # train runs on float32 digits: its own repeat is compared at float32 precision
        if again is None or any(mismatch(q, p, rubric.tolerance("float32")) for p, q in zip(one[0], again[0])):
            return PASS  # train is not repeatable: train:deterministic says so; the history is not judged twice
        # the same number, not merely close: consecutive costs of a slow epoch differ by less than float32's tolerance
        same = " (it repeats history[1]: record the cost after each epoch)" if not mismatch(
            two[1][0], two[1][1], Tolerance(1e-6, 0.0), scalar=True) else ""
        return Verdict(0.0, f"{small_signature(2)} gave history[0] = {two[1][0]:.6g}, but after its first epoch "
                            f"(the parameters {small_signature(1)} returns) the cost is {after_first:.6g}: "
                            f"history[e] is the training cost after epoch e{same}")
    return PASS


def check_train_all_layers(learner, rubric):
    """Every parameter must move: biases start at zero, and epochs=0 gives the initial weights."""
    unpacked, _, _, problem = budget_training(learner, rubric)
    if problem:
        return problem
    gate = not_learning(learner, rubric, "training every layer")
    if gate:
        return gate
    params, _ = unpacked
    initial, _ = train_call(learner, rubric, epochs=0)
    start, _problem = unpack_training(initial, 0)
    names = ("w1", "b1", "w2", "b2")
    frozen = []
    for i, name in enumerate(names):
        before = start[0][i] if start else (np.zeros_like(params[i]) if name.startswith("b") else None)
        if before is not None and np.max(np.abs(params[i] - before)) < 1e-9:
            frozen.append(name)
    if frozen:
        return Verdict(0.0, f"train(...) left {', '.join(frozen)} unchanged: every layer must be trained "
                            "(biases start at zero; with epochs=0 train returns the initial parameters)")
    return PASS


def check_train_init(learner, rubric):
    """The contract's initialisation: weights N(0, 1/fan_in), biases zero (epochs=0 returns them).

    framework.init_problems sets the band from the sample spread of a correct draw: w1's 1920 entries
    give [0.82, 1.07] x 1/sqrt(fan_in), which rejects Glorot's sqrt(2 / (fan_in + fan_out)) (1.17 here:
    Keras' default initializer), He's sqrt(2) and Nielsen's N(0, 1); w2's 300 entries give [0.72, 1.18],
    which rejects Glorot there too (1.22)."""
    gate = not_learning(learner, rubric, "the initialisation")
    if gate:
        return gate
    initial, _ = train_call(learner, rubric, epochs=0)
    start, problem = unpack_training(initial, 0)
    if problem:
        return problem
    if initial.spied:
        return Verdict(0.0, f"train(..., epochs=0) called backprop {len(initial.spied)} times: with epochs=0 it must "
                            "take no step and return the initial parameters (does the loop run epochs + 1 times?)")
    w1, b1, w2, b2 = start[0]
    wrong_init = init_problems("train(..., epochs=0)", {"w1": [w1], "w2": [w2]}, {"b1": [b1], "b2": [b2]})
    return parts_verdict(wrong_init or [PASS])


def spied_batches(learner):
    """(the mini-batches a two-epoch small run handed to backprop, as spied fingerprints, or a Verdict
    saying why they cannot be judged).  Shared by train:reshuffles and train:steps (memoised calls)."""
    outcome = small_call(learner, 2, spy="backprop")
    _, problem = unpack_training(outcome, 2, SMALL_HIDDEN)
    if problem:
        return None, problem
    batches = list(outcome.spied)
    per_epoch = -(-SMALL_N // SMALL_BATCH)
    called = small_signature(2)
    if not batches:
        # Nothing to judge: the point is not given for what the grader could not see.
        return None, Verdict(0.0, f"{called} never called this module's backprop, so the grader cannot see its "
                                  "mini-batches: train must compute each mini-batch's gradients by calling the "
                                  "module's backprop(a0, y, w1, b1, w2, b2) (the contract's train uses backprop and "
                                  "sgd_update)")
    outer = [b for b in batches if len(b) > 1] if len(batches) != 2 * per_epoch else list(batches)
    if len(outer) == 2 * per_epoch and len(batches) > len(outer):
        batches = outer  # backprop also called itself once per row (a per-example loop): the outer calls count
    elif len(batches) == 2 * SMALL_N and {len(b) for b in batches} == {1}:
        # Nielsen's update_mini_batch: train calls backprop once per example and averages the gradients
        # of each mini-batch itself; consecutive calls of one epoch, batch_size at a time, are the mini-batches
        batches = [np.sort(np.concatenate(batches[e * SMALL_N + i:e * SMALL_N + min(i + SMALL_BATCH, SMALL_N)]))
                   for e in range(2) for i in range(0, SMALL_N, SMALL_BATCH)]
        updates = small_call(learner, 2, spy="sgd_update").spied
        if len(updates) != 2 * per_epoch:  # one update per example is plain SGD, not mini-batches
            return None, Verdict(0.0, f"{called} called backprop once per example and sgd_update {len(updates)} "
                                      f"times; mini-batch SGD updates once per mini-batch: {2 * per_epoch} updates")
    return batches, None


def check_train_reshuffles(learner, rubric):
    """Two epochs on the small data, watching the batches handed to backprop: each epoch reshuffles."""
    batches, problem = spied_batches(learner)
    if problem:
        return problem
    per_epoch, called = -(-SMALL_N // SMALL_BATCH), small_signature(2)
    sizes = sorted({len(b) for b in batches})
    # ceil(n / batch_size) batches of at most batch_size rows (the smaller last one kept); whether they
    # hold every row once is judged below
    if len(batches) != 2 * per_epoch or max(sizes) > SMALL_BATCH:
        return Verdict(0.0, f"{called} called backprop {len(batches)} times with batches of {sizes} rows; expected "
                            f"{per_epoch} mini-batches of at most {SMALL_BATCH} rows per epoch ({2 * per_epoch} "
                            "calls), which together use every row once (a smaller last batch is kept, not dropped)")
    x, y = small_data()
    unpaired = unpaired_rows(batches, np.asarray(x, np.float32), np.asarray(y, np.float32))  # as the child got them
    if unpaired:
        return Verdict(0.0, f"{called}: {unpaired} of the {sum(len(b) for b in batches)} rows handed to backprop carry "
                            "another example's label: shuffle x and y with the same permutation (x[idx], y[idx])")
    first, second = batches[:per_epoch], batches[per_epoch:]
    everything = np.sort(np.concatenate(first))
    if not np.array_equal(everything, np.sort(np.concatenate(second))) or len(np.unique(everything)) < 0.95 * SMALL_N:
        return Verdict(0.0, f"{called}: an epoch should visit every training example exactly once")
    if all(np.array_equal(a, b) for a, b in zip(first, second)):
        return Verdict(0.0, f"{called} used the same mini-batches in the same order in both epochs: reshuffle the "
                            "training set at the start of every epoch (with the seeded generator)")
    if sorted(map(tuple, first)) == sorted(map(tuple, second)):
        return Verdict(0.0, f"{called} used the same mini-batches in both epochs, only in another order: reshuffle "
                            "the rows themselves at the start of every epoch, then cut them into mini-batches")
    rows = batch_rows(first, np.asarray(x, np.float32), np.asarray(y, np.float32))
    if rows is not None and np.array_equal(np.concatenate([np.sort(r) for r in rows]), np.arange(SMALL_N)):
        return Verdict(0.0, f"{called} took the rows in their given order in the first epoch: shuffle at the start "
                            "of every epoch, the first one included")
    return PASS


def replayed_steps(start, batches, x, y, lr):
    """The parameters after one sgd step -lr * (the oracle's gradient of each mini-batch) per batch, from
    ``start``, in float64."""
    params = [np.asarray(p, np.float64) for p in start]
    for rows in batches:
        _, grads = cost_gradients(x[rows], y[rows], *params)
        params = [p - lr * np.asarray(g, np.float64) for p, g in zip(params, grads)]
    return params


def check_train_steps(learner, rubric):
    """Replays the two-epoch small run on the trusted side: from its initial parameters (epochs=0), one step of
    -lr * the oracle's gradient per spied mini-batch must land where train's parameters are.  A learning rate
    that decays, momentum, a step skipped or taken twice, or an update that is not sgd_update's all move them."""
    batches, problem = spied_batches(learner)
    if problem:
        return problem
    initial, problem = unpack_training(small_call(learner, 0), 0, SMALL_HIDDEN)
    two, problem2 = unpack_training(small_call(learner, 2, spy="backprop"), 2, SMALL_HIDDEN)
    if problem or problem2:
        return problem or problem2
    x, y = (np.asarray(a, np.float32).astype(np.float64) for a in small_data())  # the values the child got
    rows = batch_rows(batches, x, y)
    if rows is None:
        return Verdict(0.0, f"{small_signature(2)} handed backprop rows that are not rows of its x and y")
    called = small_signature(2)
    # the batches as handed over, whatever their sizes (train:reshuffles judges those): each is one step
    per_epoch = len(rows) // 2
    tol = rubric.tolerance("train_replay")
    after_one = replayed_steps(initial[0], rows[:per_epoch], x, y, 3.0)
    after_two = replayed_steps(after_one, rows[per_epoch:], x, y, 3.0)
    names = ("w1", "b1", "w2", "b2")
    off = [name for name, got, want in zip(names, two[0], after_two) if mismatch(got, want, tol)]
    if not off:
        return PASS
    if not grads_verdict("backprop", "float32", N, 12, learner, rubric, manual=True).passed:  # memoised: its own check
        # the replay steps with the true gradient: a train that steps correctly with a wrong backprop lands
        # elsewhere too, so the steps themselves cannot be seen until backprop is right
        return Verdict(0.0, f"not judged: backprop is wrong (its own checks say how), so {called}'s steps cannot be "
                            "told apart from its gradients; fix backprop first")
    one, _ = unpack_training(small_call(learner, 1), 1, SMALL_HIDDEN)
    first_right = (one is not None and len(rows) % 2 == 0
                   and not any(mismatch(got, want, tol) for got, want in zip(one[0], after_one)))
    why = (" The first epoch's steps agree (train(epochs=1) lands there); the second's do not: the step changes "
           "between epochs (a decaying learning rate, or momentum carried over)" if first_right else
           " Each step must be sgd_update(params, backprop(batch), lr) with the lr passed in, once per mini-batch")
    return Verdict(0.0, f"{called}: from its initial parameters (epochs=0), one step of -lr * the gradient of each "
                        f"mini-batch it handed to backprop, in order, does not give the {', '.join(off)} it returned "
                        f"({mismatch(two[0][names.index(off[0])], after_two[names.index(off[0])], tol)}).{why}")


def check_train_deterministic(learner, rubric):
    """The contract makes train deterministic for a seed: two one-epoch runs on the small data must agree,
    and the seed (and lr) must actually be used: another seed or another lr gives other parameters."""
    gate = not_learning(learner, rubric, "determinism")
    if gate:
        return gate
    # two executions of one call in one child: the run train:history made (memoised) and one more
    x, y = small_data()
    runs = learner.repeated("train", Tensor(x, "float32"), Tensor(y, "float32"), hidden=SMALL_HIDDEN, epochs=1,
                            batch_size=SMALL_BATCH, lr=3.0, seed=0)
    unpacked = [unpack_training(outcome, 1, SMALL_HIDDEN) for outcome in runs]
    for _, problem in unpacked:
        if problem:
            return problem
    (a, _), (b, _) = unpacked
    tol = rubric.tolerance("float32")  # float32 digits: a repeat agrees to float32 precision, another seed does not
    for name, p, q in zip(("w1", "b1", "w2", "b2"), a[0], b[0]):
        if mismatch(q, p, tol):
            return Verdict(0.0, f"two calls of {small_signature(1)} gave different {name}: seed the "
                                "initialisation and the shuffling (e.g. np.random.default_rng(seed))")
    for kwargs, what in (({"seed": 1}, "seed"), ({"lr": 1.0}, "lr")):
        other, problem = unpack_training(small_call(learner, 1, **kwargs), 1, SMALL_HIDDEN)
        if problem:
            return problem
        if all(not mismatch(q, p, tol) for p, q in zip(a[0], other[0])):
            return Verdict(0.0, f"{small_signature(1, **kwargs)} returned the same parameters as "
                                f"{small_signature(1)}: train ignores its {what} argument")
    return PASS


def _checks():
    checks = []
    for dtype in ("float64", "float32"):
        checks.append(Check("sigmoid", dtype, f"matches 1/(1+exp(-z)) ({dtype})", partial(check_sigmoid, dtype)))
    checks.append(Check("sigmoid", "extremes", "finite and correct at z = +-1000", check_sigmoid_extremes))
    for dtype in ("float64", "float32"):
        checks.append(Check("sigmoid_prime", dtype, f"matches s(1-s), by hand ({dtype})", partial(check_sigmoid_prime, dtype)))
    for dtype in ("float64", "float32"):
        checks.append(Check("forward", dtype, f"returns (z1, a1, z2, a2) ({dtype}, batch {N})", partial(check_forward, dtype)))
    for dtype in ("float64", "float32"):
        checks.append(Check("output_delta", dtype, f"BP1 per example, by hand ({dtype})", partial(check_output_delta, dtype)))
    for dtype in ("float64", "float32"):
        checks.append(Check("hidden_delta", dtype, f"BP2 with w2 transposed, by hand ({dtype})", partial(check_hidden_delta, dtype)))
    for function, manual in (("backprop", True), ("tape_gradients", False)):
        how = "by hand" if manual else "with the tape"
        for dtype, n, seed in (("float64", N, 10), ("float64", 1, 11), ("float32", N, 12)):
            checks.append(Check(function, f"{dtype}-batch{n}", f"matches GradientTape {how} ({dtype}, batch {n})",
                                partial(grads_verdict, function, dtype, n, seed, manual=manual)))
    for dtype in ("float64", "float32"):
        checks.append(Check("sgd_update", dtype, f"moves each parameter by -lr * its own gradient, in place ({dtype})",
                            partial(check_sgd_update, dtype)))
    checks.append(Check("train", "accuracy", "reaches the test accuracy threshold on digits", check_train_accuracy, trains=True))
    checks.append(Check("train", "history", "history[e] is the training cost after epoch e", check_train_history, trains=True))
    checks.append(Check("train", "all-layers", "trains every parameter", check_train_all_layers, trains=True))
    checks.append(Check("train", "init", "weights start N(0, 1/fan_in), biases at zero", check_train_init, trains=True))
    checks.append(Check("train", "deterministic", "the same seed gives the same parameters; seed and lr are used",
                        check_train_deterministic, trains=True))
    checks.append(Check("train", "reshuffles", "mini-batches of batch_size, reshuffled every epoch",
                        check_train_reshuffles, trains=True))
    checks.append(Check("train", "steps", "each mini-batch moves the parameters by -lr * backprop's gradient",
                        check_train_steps, trains=True))
    return tuple(checks)


EXERCISE = Exercise(
    NAME,
    ("sigmoid", "sigmoid_prime", "forward", "output_delta", "hidden_delta", "backprop", "tape_gradients",
     "sgd_update", "train"),
    _checks(),
    uses=(("sigmoid_prime", ("sigmoid",)), ("forward", ("sigmoid",)), ("output_delta", ("sigmoid_prime",)),
          ("hidden_delta", ("sigmoid_prime",)), ("backprop", ("forward", "output_delta", "hidden_delta")),
          ("tape_gradients", ("forward",)), ("train", ("backprop", "sgd_update", "forward"))),
)
