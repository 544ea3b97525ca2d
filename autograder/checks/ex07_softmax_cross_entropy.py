"""ex07_softmax_cross_entropy: a stable softmax, cross-entropy, its gradient by hand, softmax regression.

Everything this exercise needs is here: the oracle (float64, the tape), the named mistakes and the
checks; the rubric table `[ex07_softmax_cross_entropy.*]` holds its points and budgets.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import feedback, oracle
from autograder.checks.framework import (Check, Exercise, Stop, arrays, declared, expect, init_problems, parts_verdict, rng,
                              signature, update_verdict, value_of, verdict_for)
from autograder.compare import as_array, mismatch
from autograder.records import PASS, Tensor, Verdict

NAME = "ex07_softmax_cross_entropy"
N, K = 7, 5  # batch and classes: different, so a transposed one-hot or a 1/k for a 1/n cannot hide
TRAIN = "train_softmax_regression"


def logits(seed, n=N, k=K):
    r = rng(7, seed)
    z = 2.0 * r.normal(size=(n, k))
    labels = r.permutation(np.arange(n) % k)  # every class appears (when n >= k), in no pattern
    return z, labels


# ---------------------------------------------------------------------------------------------
# The oracle: the contract's formulas in float64, and the gradient from the tape
# ---------------------------------------------------------------------------------------------


def cross_entropy(probs, labels) -> float:
    probs = np.asarray(probs, dtype=np.float64)
    return float(-np.mean(np.log(probs[np.arange(len(labels)), np.asarray(labels, dtype=np.int64)])))


def onehot(labels, k):
    return np.eye(k)[np.asarray(labels, dtype=np.int64)]


@oracle.by_value
def ce_grad(z, labels):
    """The mean cross-entropy of softmax(z) and d/dz, with tf.GradientTape (not the closed form we check)."""
    t = oracle.tf()
    labels = np.asarray(labels, dtype=np.int64)

    def loss(z):
        picked = t.gather(t.nn.log_softmax(z, axis=1), labels, axis=1, batch_dims=1)
        return -t.reduce_mean(picked)

    value, (grad,) = oracle.tape_gradients(loss, z)
    return value, grad


@oracle.by_value
def regression_loss_grads(x, labels, w, b):
    """Softmax regression's loss and (dW, db), with the tape in float64."""
    t = oracle.tf()
    x, labels = np.asarray(x, np.float64), np.asarray(labels, np.int64)

    def loss(w, b):
        picked = t.gather(t.nn.log_softmax(x @ w + b, axis=1), labels, axis=1, batch_dims=1)
        return -t.reduce_mean(picked)

    return oracle.tape_gradients(loss, w, b)


# ---------------------------------------------------------------------------------------------
# softmax
# ---------------------------------------------------------------------------------------------


def _exp(z, flush):
    """exp in z's dtype; ``flush``: as TensorFlow on a CPU, which flushes subnormal results to zero."""
    e = np.exp(z)
    if flush:
        e[np.abs(e) < np.finfo(e.dtype).tiny] = 0.0
    return e


def _nan_rows(mistake, z) -> set:
    """The rows a mistaken softmax leaves non-finite, computed as numpy and as TensorFlow would (overflow and
    0/0 included): either pattern names the mistake, whichever library the learner used."""
    with np.errstate(all="ignore"):
        return {_bad_rows(mistake(z, flush)) for flush in (False, True)}


def exp_over_rows(z, flush):
    e = _exp(z, flush)
    return e / e.sum(axis=1, keepdims=True)


def exp_over_batch_max(z, flush):
    e = _exp(z - z.max(), flush)
    return e / e.sum(axis=1, keepdims=True)


def check_softmax(learner, rubric):
    z, _ = logits(1)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return expect(learner, "softmax", {"z": Tensor(z)}, oracle.softmax(z), rubric.tolerance("float64"), {
        "normalised each column (axis=0) instead of each row: every row must sum to 1": np.exp(z) / np.exp(z).sum(axis=0),
        "divided by the sum over the whole batch instead of each row's sum (axis=1, keepdims=True)": e / e.sum(),
        "returned exp(z) without dividing by each row's sum": np.exp(z),
        "returned exp(z - max) without dividing by each row's sum": e,
        "returned the log-softmax (z - logsumexp(z)) instead of the probabilities": np.log(oracle.softmax(z)),
    })


# rows far apart: the first overflows exp without a shift, the second underflows to 0/0 with the batch's max
LARGE = {"float64": np.array([1000.0, -1000.0, 0.0, 500.0]), "float32": np.array([100.0, -100.0, 0.0, 50.0])}
# and a fifth row, wide in itself (from -WIDE to +WIDE): shifted by its minimum instead of its maximum, exp overflows
WIDE = {"float64": 500.0, "float32": 50.0}


def _row_text(dtype, i) -> str:
    return f"{LARGE[dtype][i]:+g}" if i < len(LARGE[dtype]) else f"-{WIDE[dtype]:g}..+{WIDE[dtype]:g} (within one row)"


def _bad_rows(values) -> tuple:
    array = as_array(values)
    if array is None or array.ndim != 2:
        return ()
    return tuple(int(i) for i in np.flatnonzero(~np.isfinite(array).all(axis=1)))


def large_logits_part(dtype, learner, rubric):
    r = rng(7, 2, 32 if dtype == "float32" else 64)
    z = r.normal(size=(4, K)) + LARGE[dtype][:, None]
    z = np.vstack([z, np.linspace(-WIDE[dtype], WIDE[dtype], K) + r.normal(size=K)])
    # the first rows are far apart but each is O(1) wide: in float32 the shifted values keep ~1e-5 of absolute
    # precision; the wide row's softmax is one-hot to far below the tolerance
    tol = rubric.tolerance(dtype)
    arg = Tensor(z, dtype)
    called = signature("softmax", z=arg)
    try:
        got = value_of(learner.call("softmax", arg))
    except Stop as stop:
        return stop.verdict
    rows = _bad_rows(got)
    zq = np.asarray(z, dtype=dtype).astype(np.float64)
    want = oracle.softmax(zq)
    if rows:
        ranges = ", ".join(_row_text(dtype, i) for i in rows)
        if rows in _nan_rows(exp_over_rows, z.astype(dtype)):
            named = (f"forgot to subtract each row's maximum before exp: exp overflows for large logits (inf / inf = "
                     f"nan) and underflows for very negative ones (0 / 0 = nan), here the rows near {ranges}; "
                     f"softmax(z) = softmax(z - max(z, axis=1, keepdims=True)) keeps every exponent <= 0")
        elif rows in _nan_rows(exp_over_batch_max, z.astype(dtype)):
            named = (f"subtracted the maximum of the whole batch instead of each row's: rows far below it underflow "
                     f"to 0 / 0 = nan (the rows near {ranges}); use max(z, axis=1, keepdims=True)")
        else:
            named = (f"exp overflows or underflows for logits near {ranges}: subtract each row's maximum "
                     f"(max(z, axis=1, keepdims=True)) before exp")
        return Verdict(0.0, f"{called} with large logits: rows {list(rows)} of the result are not finite. "
                            f"Likely mistake: {named}")
    return verdict_for(got, want, tol, f"{called} with large logits")


def check_softmax_large_logits(learner, rubric):
    return parts_verdict([large_logits_part(d, learner, rubric) for d in ("float64", "float32")])


# ---------------------------------------------------------------------------------------------
# cross_entropy
# ---------------------------------------------------------------------------------------------


def cross_entropy_part(dtype, label_dtype, learner, rubric):
    n, k = 9, 4
    z, labels = logits(3 if dtype == "float64" else 4, n, k)
    probs = np.asarray(oracle.softmax(z), dtype=dtype).astype(np.float64)
    want = cross_entropy(probs, labels)
    picked = probs[np.arange(n), labels]
    return expect(learner, "cross_entropy", {"probs": Tensor(probs, dtype), "labels": Tensor(labels, label_dtype)},
                  want, rubric.tolerance(dtype), {
                      f"summed over the batch instead of averaged: n = {n} times too big": want * n,
                      "the minus sign is missing (log p is negative, the loss is -log p)": -want,
                      f"averaged onehot * -log(probs) over all n*k entries: k = {k} times too small": want / k,
                      "averaged -log(probs) over every entry, not only each row's label": float(-np.mean(np.log(probs))),
                      "tf.gather(probs, labels) picks whole rows (axis 0), not each row's label entry: use "
                      "tf.gather(probs, labels, axis=1, batch_dims=1) or the one-hot labels":
                          float(-np.mean(np.log(probs[labels]))),
                      "returned the mean of 1 - p[label] instead of -log p[label]": float(np.mean(1 - picked)),
                      "used log10 instead of the natural log": float(-np.mean(np.log10(picked))),
                      # an epsilon "for safety" changes every value (softmax probabilities are never 0)
                      **{f"added {eps:g} inside the log (-log(p + {eps:g})); the contract's loss is -log(p) itself":
                         float(-np.mean(np.log(picked + eps))) for eps in (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15)},
                  }, scalar=True)


def check_cross_entropy(learner, rubric):
    return parts_verdict([cross_entropy_part("float64", "int32", learner, rubric),
                          cross_entropy_part("float32", "int64", learner, rubric)])


# ---------------------------------------------------------------------------------------------
# softmax_ce_grad: by hand, against the tape
# ---------------------------------------------------------------------------------------------


def grad_mistakes(want, p, y, n, k) -> dict:
    """The classic wrong gradients of the mean cross-entropy, by the value each gives (first fit wins)."""
    mistakes = {"the sign is flipped (onehot - softmax instead of softmax - onehot)": -want}
    if n > 1:
        mistakes[f"missing the 1/n of the mean: n = {n} times too big"] = want * n
        mistakes[f"missing the 1/n of the mean and the sign is flipped: -{n} times the gradient"] = -want * n
        mistakes[f"divided by n twice: n = {n} times too small"] = want / n
    if k != n:
        mistakes[f"divided by k = {k} (the classes) instead of n = {n} (the batch)"] = want * n / k
    mistakes["forgot to subtract the one-hot labels: softmax(z) / n alone"] = p / n
    mistakes["subtracted the labels themselves, not their one-hot encoding"] = (p - y[:, None]) / n
    return mistakes


ONE_HOT_DTYPE = ("tf.one_hot makes float32 by default, and float64 logits minus a float32 one-hot does not "
                 "compute: pass dtype=z.dtype to tf.one_hot")


@declared
def check_softmax_ce_grad(dtype, n, learner, rubric):
    z, labels = logits(5, n)
    label_dtype = "int64" if dtype == "float32" else "int32"
    args = {"z": Tensor(z, dtype), "labels": Tensor(labels, label_dtype)}
    called = signature("softmax_ce_grad", **args)
    outcome = learner.call("softmax_ce_grad", *args.values(), manual=True)
    if outcome.status == "error" and "double tensor but is a float tensor" in outcome.message:
        raise Stop(Verdict(0.0, f"{outcome.message}. Likely mistake: {ONE_HOT_DTYPE}"))
    got = value_of(outcome, manual="softmax_ce_grad")
    zq = np.asarray(z, dtype=dtype).astype(np.float64)
    _, want = ce_grad(zq, labels)
    array = as_array(got)
    if array is not None and array.shape == (K, n) and n != K:
        raise Stop(Verdict(0.0, f"{called} returned shape {array.shape}, the transpose of z's {(n, K)}: the one-hot "
                                f"labels were built along the wrong axis (tf.one_hot(labels, k) is (n, k); "
                                f"axis=0 gives (k, n)), or the result was transposed"))
    verdict = verdict_for(got, want, rubric.tolerance(dtype), called,
                          grad_mistakes(want, oracle.softmax(zq), labels, n, K), what="dL/dz")
    extra = {} if verdict.passed else feedback.heatmap("dL/dz", got, want)
    return feedback.attach(verdict, extra)


# ---------------------------------------------------------------------------------------------
# train_softmax_regression on the digits
# ---------------------------------------------------------------------------------------------


def train_call(learner, rubric, epochs, seed=0, lr=None):
    from autograder import data

    split = data.load_digits()
    settings = lambda key: rubric.setting(NAME, key)  # noqa: E731
    lr = float(settings("lr")) if lr is None else lr
    outcome = learner.call(TRAIN, Tensor(split.x_train, "float64"), Tensor(split.y_train, "int32"), 10,
                           lr=lr, epochs=int(epochs), seed=seed, seconds=float(settings("train_seconds")))
    called = f"{TRAIN}(digits x (1437, 64), labels, n_classes=10, lr={lr}, epochs={epochs}, seed={seed})"
    return outcome, split, lr, called


def trained(learner, rubric, epochs, seed=0, lr=None):
    """(W, b, history), split, lr, called; or stop with why the return value is not that."""
    outcome, split, lr, called = train_call(learner, rubric, epochs, seed, lr)
    d = split.x_train.shape[1]
    w, b, history = arrays(value_of(outcome), {"W": (d, 10), "b": (10,), "history": None}, called)
    if history.shape != (epochs,):
        raise Stop(Verdict(0.0, f"{called} must return one loss per epoch ({epochs}), got {history.shape[0]}"))
    return (w, b, history), split, lr, called


def history_problem(history, final_loss, called):
    """Why ``history`` is not the losses before each gradient step that ended at ``final_loss``, or None.

    The mean cross-entropy is convex and the grader's lr is stable on the digits, so every step lowers it."""
    rises = np.flatnonzero(np.diff(history) > 1e-9 * (1.0 + np.abs(history[:-1])))
    if rises.size:
        i = int(rises[0])
        return (f"{called}: the history rises from history[{i}] = {history[i]:.6g} to history[{i + 1}] = "
                f"{history[i + 1]:.6g}; with this lr every gradient step lowers the loss (if softmax_ce_grad is right)")
    if history[-1] < final_loss - 1e-9 * (1.0 + final_loss):
        return (f"{called}: history[-1] = {history[-1]:.6g} is below the loss of the returned W, b ({final_loss:.6g}), "
                "but it must be the loss before the last step, which the step lowers")
    return None


@declared
def check_train_converges(learner, rubric):
    epochs = int(rubric.setting(NAME, "train_epochs"))
    (w, b, history), split, lr, called = trained(learner, rubric, epochs)
    loss = cross_entropy(oracle.softmax(split.x_train @ w + b), split.y_train)
    accuracy = oracle.accuracy(split.x_test @ w + b, split.y_test)
    need, limit = float(rubric.setting(NAME, "accuracy")), float(rubric.setting(NAME, "max_loss"))
    extra = feedback.curve(history, ylabel="mean cross-entropy", threshold=limit)
    parts = []
    if accuracy < need or not loss <= limit:
        parts.append(Verdict(0.0, f"after {called} the test accuracy is {accuracy:.3f} (needs {need}) and the training "
                                  f"loss {loss:.4g} (needs at most {limit})"))
    problem = history_problem(history, loss, called)
    if problem:
        parts.append(Verdict(0.0, problem))
    return feedback.attach(parts_verdict(parts or [PASS]), extra)


@declared
def check_train_step_by_step(learner, rubric):
    """Full batch + a fixed seed make training exact: epochs=k+1 is one more gradient step after epochs=k."""
    k = int(rubric.setting(NAME, "trajectory_epochs"))
    (w_k, b_k, short), split, lr, called = trained(learner, rubric, k)
    (w_next, b_next, long), _, _, _ = trained(learner, rubric, k + 1)
    (w_other, _, _), _, _, _ = trained(learner, rubric, k, seed=1)
    if np.max(np.abs(w_other - w_k)) < 1e-12:
        raise Stop(Verdict(0.0, f"{called} and the same with seed=1 returned the same W: the seed must set the "
                                "initialisation"))
    # one epoch at lr=0 returns the initialisation itself (the contract's: N(0, 1/d), b = 0)
    (w_0, b_0, _), _, _, called_0 = trained(learner, rubric, 1, lr=0.0)
    wrong_init = init_problems(f"{called_0} (the initial parameters)", {"W": [w_0]}, {"b": [b_0]})
    if wrong_init:
        raise Stop(parts_verdict(wrong_init))
    x, y = split.x_train, split.y_train
    loss_k, (dw, db) = regression_loss_grads(x, y, w_k, b_k)
    tol = rubric.tolerance("float64")
    parts = [update_verdict(TRAIN, ("W", "b"), (w_k, b_k), (dw, db), lr, (w_next, b_next), rubric, "float64")]
    problem = mismatch(long[:k], short, tol)
    if problem:
        parts.append(Verdict(0.0, f"the first {k} losses of {TRAIN}(..., epochs={k + 1}) differ from those of "
                                  f"epochs={k} with the same seed (is it deterministic?): {problem}"))
    if mismatch(long[k], loss_k, tol, scalar=True):
        after = cross_entropy(oracle.softmax(x @ w_next + b_next), y)
        hint = " (that is the loss after the step)" if not mismatch(long[k], after, tol, scalar=True) else ""
        at_start = cross_entropy(oracle.softmax(x @ w_0 + b_0), y)
        if not mismatch(short[-1], loss_k, tol, scalar=True) and not mismatch(short[0], at_start, tol, scalar=True):
            # the history starts right, but the parameters returned are where its last entry was measured
            hint = (f"; the W and b that epochs={k} returned are where its history[-1] was measured: the last "
                    f"epoch recorded its loss but did not take its step (one update too few)")
        parts.append(Verdict(0.0, f"history[{k}] must be the mean cross-entropy before epoch {k}, at the parameters "
                                  f"after {k} epochs ({loss_k:.8g}); got {long[k]:.8g}{hint}"))
    return parts_verdict(parts)


EXERCISE = Exercise(
    NAME,
    ("softmax", "cross_entropy", "softmax_ce_grad", TRAIN),
    (
        Check("softmax", "float64", "rows of probabilities that sum to 1 (float64)", check_softmax),
        Check("softmax", "large-logits", "finite and right for logits near +-1000 (float64) and +-100 (float32), and for a row spread over them",
              check_softmax_large_logits),
        Check("cross_entropy", "mean", "mean over the batch of -log p[label] (float64, float32)", check_cross_entropy),
        *(Check("softmax_ce_grad", f"{d}-batch{n}", f"(softmax - onehot) / n matches GradientTape by hand ({d}, batch {n})",
                partial(check_softmax_ce_grad, d, n)) for d, n in (("float64", N), ("float64", 1), ("float32", N))),
        Check(TRAIN, "converges", "digits test accuracy and training loss reach the thresholds; the history falls",
              check_train_converges, trains=True),
        Check(TRAIN, "step-by-step", "one more epoch is one full-batch step of -lr * the gradient; history[i] is the "
                                     "loss before epoch i; the seed sets the initialisation, N(0, 1/d) and b = 0",
              check_train_step_by_step, trains=True),
    ),
    uses=(("softmax_ce_grad", ("softmax",)), (TRAIN, ("softmax_ce_grad", "cross_entropy", "softmax"))),
)
