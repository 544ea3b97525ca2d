"""ex05_tape_regression: a 2-layer regression trained with the tape, on the kit's housing table."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import feedback, oracle
from autograder.checks.framework import (Check, Exercise, crashed_update_verdict, failed, parts_verdict, rng, signature,
                                         init_problems, unpaired_rows, update_verdict, verdict_for)
from autograder.compare import as_array, as_series, mismatch
from autograder.records import PASS, Tensor, Verdict

NAME = "ex05_tape_regression"
N, D, H = 11, 4, 6  # batch, features, hidden: all different; the output has width 1
BATCH = 48  # the mini-batch run: 320 training rows -> 6 batches of 48 and a last of 32 per epoch


def model(seed, d=D, h=H):
    r = rng(5, seed)
    return (r.normal(size=(N, d)), r.normal(size=(N, 1)), r.normal(size=(d, h)) * 0.7, r.normal(size=h) * 0.3,
            r.normal(size=(h, 1)) * 0.7, r.normal(size=1) * 0.3)


def regression_forward(x, w1, b1, w2, b2):
    """The contract's network: a sigmoid hidden layer, a linear output."""
    return oracle.sigmoid(x @ w1 + b1) @ w2 + b2


def regression_loss(y, y_pred) -> float:
    return float(np.mean(0.5 * (np.asarray(y) - np.asarray(y_pred)) ** 2))


@oracle.by_value
def regression_grads(x, y, w1, b1, w2, b2):
    """The oracle: the loss and its gradients (w1, b1, w2, b2), with the tape in float64."""
    t = oracle.tf()
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)

    def loss(w1, b1, w2, b2):
        pred = t.sigmoid(x @ w1 + b1) @ w2 + b2
        return t.reduce_mean(0.5 * (y - pred) ** 2)

    return oracle.tape_gradients(loss, w1, b1, w2, b2)


def check_forward_prop(dtype, learner, rubric):
    x, _, w1, b1, w2, b2 = model(1)
    args = tuple(Tensor(a, dtype) for a in (x, w1, b1, w2, b2))
    outcome = learner.call("forward_prop", *args)
    hidden = x @ w1 + b1
    return failed(outcome) or verdict_for(
        outcome.value, regression_forward(x, w1, b1, w2, b2), rubric.tolerance(dtype),
        signature("forward_prop", x=args[0], w1=args[1], b1=args[2], w2=args[3], b2=args[4]), {
            "used relu for the hidden layer; the contract says sigmoid": np.maximum(hidden, 0) @ w2 + b2,
            "applied a sigmoid to the output too; the output layer is linear":
                oracle.sigmoid(regression_forward(x, w1, b1, w2, b2)),
        })


def check_loss_fn(dtype, learner, rubric):
    _, y, *_ = model(2)
    y_pred = y + rng(5, 3).normal(size=y.shape)
    args = (Tensor(y, dtype), Tensor(y_pred, dtype))
    outcome = learner.call("loss_fn", *args)
    sq = (y - y_pred) ** 2
    return failed(outcome) or verdict_for(outcome.value, 0.5 * sq.mean(), rubric.tolerance(dtype),
                                          signature("loss_fn", y=args[0], y_pred=args[1]), {
                                              "missing the factor 0.5": sq.mean(),
                                              "summed instead of averaged": 0.5 * sq.sum()}, scalar=True)


def check_train_step(dtype, learner, rubric):
    x, y, w1, b1, w2, b2 = model(4)
    params = (w1, b1, w2, b2)
    lr = 0.05
    p_args = tuple(Tensor(p, dtype, variable=True) for p in params)
    outcome = learner.call("train_step", Tensor(x, dtype), Tensor(y, dtype), p_args, lr)
    if failed(outcome):
        return crashed_update_verdict("train_step", outcome, ("w1", "b1", "w2", "b2"), [p.shape for p in params],
                                      partial(reprobe_train_step, dtype, learner, rubric))
    start = tuple(np.asarray(p, dtype=dtype).astype(np.float64) for p in params)
    loss, grads = regression_grads(x, y, *start)
    parts = [update_verdict("train_step", ("w1", "b1", "w2", "b2"), params, grads, lr, outcome.inputs_after[2],
                            rubric, dtype)]
    tol = rubric.tolerance(dtype)
    problem = mismatch(outcome.value, loss, tol, scalar=True)
    if problem:
        after = tuple(np.asarray(a) for a in outcome.inputs_after[2])
        loss_after = regression_loss(y, regression_forward(x, *after))
        hint = " (that is the loss after the update)" if not mismatch(outcome.value, loss_after, tol, scalar=True) else ""
        # the comparison's own words: full digits, and the float32 hint when the error is that small
        parts.append(Verdict(0.0, f"train_step must return the loss computed before the update{hint}: {problem}"))
    return parts_verdict(parts)


def reprobe_train_step(dtype, learner, rubric):
    """train_step again on a 1-1-1 network (x of width 1, hidden 1): every weight is (1, 1) and every
    bias (1,), so a gradient given to the wrong parameter no longer crashes and update_verdict names
    it. Diagnosis only, never points."""
    x, y, *params = model(5, d=1, h=1)
    lr = 0.05
    outcome = learner.call("train_step", Tensor(x, dtype), Tensor(y, dtype),
                           tuple(Tensor(p, dtype, variable=True) for p in params), lr)
    if failed(outcome):
        return None
    start = tuple(np.asarray(p, dtype=dtype).astype(np.float64) for p in params)
    _, grads = regression_grads(x, y, *start)
    return update_verdict("train_step", ("w1", "b1", "w2", "b2"), params, grads, lr, outcome.inputs_after[2], rubric,
                          dtype, note=" (seen when the grader re-ran train_step on a network with 1 input and 1 "
                                      "hidden unit, where the mix-up does not crash)")


INIT_SEEDS = 8  # w1 (6, 12) and w2 (12, 1) of 8 seeds: sample spreads within ~12 % and ~29 % of a correct draw's


def train_call(learner, rubric, epochs, hidden=None, seed=0, batch_size=None, spy="", lr=None):
    from autograder import data

    split = data.load_housing()
    settings = lambda key: rubric.setting(NAME, key)  # noqa: E731
    hidden = int(settings("hidden")) if hidden is None else hidden
    outcome = learner.call("train", Tensor(split.x_train, "float64"), Tensor(split.y_train, "float64"),
                           hidden=hidden, epochs=int(epochs), lr=float(settings("lr")) if lr is None else lr,
                           batch_size=batch_size, seed=seed, seconds=float(settings("train_seconds")), spy=spy)
    return outcome, split


def unpack_training(outcome, epochs, d, hidden=None):
    problem = failed(outcome)
    if problem:
        return None, problem
    value = outcome.value
    if not isinstance(value, tuple) or len(value) != 2 or not isinstance(value[0], tuple) or len(value[0]) != 4:
        return None, Verdict(0.0, "train(...) must return (params, losses) with params = [w1, b1, w2, b2]")
    params = [as_array(p) for p in value[0]]
    losses = as_series(value[1])
    if any(p is None for p in params) or params[0].ndim != 2 or params[0].shape[0] != d or params[2].shape[-1:] != (1,):
        return None, Verdict(0.0, f"train(...) returned parameters of shapes "
                                  f"{[None if p is None else p.shape for p in params]}; expected w1 ({d}, hidden), "
                                  "b1 (hidden,), w2 (hidden, 1), b2 (1,)")
    if hidden is not None and params[0].shape != (d, hidden):
        return None, Verdict(0.0, f"train(..., hidden={hidden}) returned w1 of shape {params[0].shape}, expected "
                                  f"{(d, hidden)}: use the hidden argument")
    if losses is None or losses.shape != (epochs,):
        return None, Verdict(0.0, f"train(..., epochs={epochs}) must return {epochs} losses, got "
                                  f"{'nothing usable' if losses is None else f'shape {losses.shape}'}")
    return (params, losses), None


def check_train_converges(learner, rubric):
    epochs = int(rubric.setting(NAME, "train_epochs"))
    outcome, split = train_call(learner, rubric, epochs)
    trained, problem = unpack_training(outcome, epochs, split.x_train.shape[1], int(rubric.setting(NAME, "hidden")))
    if problem:
        return problem
    params, losses = trained
    loss = regression_loss(split.y_train, regression_forward(split.x_train, *params))
    limit = float(rubric.setting(NAME, "max_loss_fraction")) * 0.5 * float(np.var(split.y_train))
    parts = []
    if loss > limit:
        parts.append(Verdict(0.0, f"after {epochs} epochs the training loss is {loss:.4g}; it should be below "
                                  f"{limit:.4g} (a fraction of 0.5 * the target's variance)"))
    if mismatch(losses[-1], loss, rubric.tolerance("float32"), scalar=True):
        parts.append(Verdict(0.0, f"losses[-1] should be the full-data loss after the last epoch ({loss:.6g} for the "
                                  f"returned parameters), got {losses[-1]:.6g}"))
    return feedback.attach(parts_verdict(parts or [PASS]), feedback.curve(losses, ylabel="loss", threshold=limit))


def check_train_step_by_step(learner, rubric):
    """Full batch + a fixed seed make train exact: epochs=k+1 is one tape step after epochs=k."""
    k = int(rubric.setting(NAME, "trajectory_epochs"))
    hidden = int(rubric.setting(NAME, "hidden"))
    first, split = train_call(learner, rubric, k)
    second, _ = train_call(learner, rubric, k + 1)
    d = split.x_train.shape[1]
    a, problem = unpack_training(first, k, d, hidden)
    b, problem2 = unpack_training(second, k + 1, d, hidden)
    if problem or problem2:
        return problem or problem2
    # the seed must set the initialisation: seed=1 starts elsewhere (a train with its own fixed seed passes
    # every other check)
    other, problem = unpack_training(train_call(learner, rubric, k, seed=1)[0], k, d, hidden)
    if problem:
        return problem
    if all(np.max(np.abs(p - q)) < 1e-12 for p, q in zip(a[0], other[0])):
        return Verdict(0.0, f"train(housing, hidden={hidden}, epochs={k}) returned the same parameters "
                            "with seed=0 and seed=1: the seed must set the initialisation")
    # one epoch at lr=0 returns the initialisation itself (the contract's: N(0, 1/fan_in), biases zero); w2
    # has only `hidden` entries, so the draws of INIT_SEEDS seeds are judged together (the same hidden as
    # every other call: a tf.function traced for one width is not asked for another in the same child)
    starts = []
    for seed in range(INIT_SEEDS):
        start, problem = unpack_training(train_call(learner, rubric, 1, seed=seed, lr=0.0)[0], 1, d, hidden)
        if problem:
            return problem
        starts.append(start[0])
    wrong_init = init_problems(f"train(housing, hidden={hidden}, epochs=1, lr=0, seed=0..{INIT_SEEDS - 1}) "
                               "(the initial parameters)",
                               {"w1": [p[0] for p in starts], "w2": [p[2] for p in starts]},
                               {"b1": [p[1] for p in starts], "b2": [p[3] for p in starts]})
    if wrong_init:
        return parts_verdict(wrong_init)
    lr = float(rubric.setting(NAME, "lr"))
    _, grads = regression_grads(split.x_train, split.y_train, *a[0])
    names = ("w1", "b1", "w2", "b2")
    frozen = [n for n, p0, p1 in zip(names, a[0], b[0]) if np.max(np.abs(p1 - p0)) < 1e-12]
    verdict = update_verdict("train", names, a[0], grads, lr, b[0], rubric, "float64")
    # the data are float64 and full batch: losses[k] is exactly the loss after epoch k+1
    after = regression_loss(split.y_train, regression_forward(split.x_train, *b[0]))
    before = regression_loss(split.y_train, regression_forward(split.x_train, *a[0]))
    problem = mismatch(b[1][k], after, rubric.tolerance("float64"), scalar=True)
    if problem:
        hint = (" (that is the loss before the epoch)"
                if not mismatch(b[1][k], before, rubric.tolerance("float64"), scalar=True) else "")
        verdict = parts_verdict([verdict, Verdict(0.0, f"losses[{k}] must be the full-data loss after epoch "
                                                       f"{k}{hint}: {problem}")])
    if frozen:
        verdict = Verdict(0.0, f"train left {', '.join(frozen)} unchanged from one epoch to the next: every parameter "
                               f"must be trained. {verdict.message}")
    return verdict


def check_train_mini_batches(learner, rubric):
    """batch_size=48 on the 320 housing rows: train_step gets 6 batches of 48 rows and a last of 32 per
    epoch, which together hold every row, each with its own target (the grader's other runs are full
    batch, where batch_size is None).  48 does not divide 320, so a train that drops the smaller last
    batch is seen."""
    epochs = 2
    outcome, split = train_call(learner, rubric, epochs, batch_size=BATCH, spy="train_step")
    d, n = split.x_train.shape[1], split.x_train.shape[0]
    _, problem = unpack_training(outcome, epochs, d)
    if problem:
        return problem
    called = f"train(housing {n} rows, epochs={epochs}, batch_size={BATCH})"
    batches = outcome.spied
    if not batches:
        # Nothing to judge: the point is not given for what the grader could not see.
        return Verdict(0.0, f"{called} never called this module's train_step, so the grader cannot see its "
                            "mini-batches: train must take each step by calling the module's "
                            "train_step(x, y, params, lr)")
    per_epoch = -(-n // BATCH)
    sizes = sorted({len(b) for b in batches})
    # ceil(n / batch_size) batches of at most batch_size rows: a smaller last batch, or equal parts
    # (np.array_split), are both mini-batches; a dropped last batch leaves an epoch one short
    if len(batches) != epochs * per_epoch or max(sizes) > BATCH:
        return Verdict(0.0, f"{called} called train_step {len(batches)} times with batches of {sizes} rows; expected "
                            f"{per_epoch} mini-batches of at most {BATCH} rows per epoch ({epochs * per_epoch} calls), "
                            "which together use every row once (a smaller last batch is kept, not dropped)")
    unpaired = unpaired_rows(batches, split.x_train, split.y_train)
    if unpaired:
        return Verdict(0.0, f"{called}: {unpaired} of the {sum(len(b) for b in batches)} rows handed to train_step "
                            "carry another row's target: take each mini-batch's x and y with the same indices "
                            "(one permutation for both)")
    for e in range(epochs):
        rows = np.sort(np.concatenate(batches[e * per_epoch:(e + 1) * per_epoch]))
        if len(rows) != n or len(np.unique(rows)) < 0.95 * n:
            return Verdict(0.0, f"{called}: epoch {e}'s mini-batches should hold every training row exactly once")
    return PASS


EXERCISE = Exercise(
    NAME,
    ("forward_prop", "loss_fn", "train_step", "train"),
    (
        *(Check("forward_prop", d, f"sigmoid hidden layer, linear output ({d})", partial(check_forward_prop, d))
          for d in ("float64", "float32")),
        *(Check("loss_fn", d, f"mean(0.5 * (y - y_pred)**2) ({d})", partial(check_loss_fn, d)) for d in ("float64", "float32")),
        *(Check("train_step", d, f"returns the loss before the update; each parameter moves by -lr * its own "
                                 f"gradient ({d})", partial(check_train_step, d)) for d in ("float64", "float32")),
        Check("train", "converges", "housing loss well below the target's variance; losses[-1] matches the params",
              check_train_converges, trains=True),
        Check("train", "step-by-step", "one more epoch is one full-batch tape step on every parameter; the seed "
                                       "sets the initialisation, N(0, 1/fan_in) and zero biases", check_train_step_by_step, trains=True),
        Check("train", "mini-batches", "batch_size cuts each epoch into mini-batches that cover the data",
              check_train_mini_batches, trains=True),
    ),
    uses=(("train_step", ("forward_prop", "loss_fn")), ("train", ("train_step", "forward_prop", "loss_fn"))),
)
