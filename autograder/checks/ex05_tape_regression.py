"""ex05_tape_regression: a 2-layer regression trained with the tape, on the kit's housing table."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import feedback, oracle
from autograder.check import Check, Exercise, failed, parts_verdict, rng, signature, update_verdict, verdict_for
from autograder.compare import as_array, as_series, mismatch
from autograder.records import PASS, Tensor, Verdict

NAME = "ex05_tape_regression"
N, D, H = 11, 4, 6  # batch, features, hidden: all different; the output has width 1


def model(seed):
    r = rng(5, seed)
    return (r.normal(size=(N, D)), r.normal(size=(N, 1)), r.normal(size=(D, H)) * 0.7, r.normal(size=H) * 0.3,
            r.normal(size=(H, 1)) * 0.7, r.normal(size=1) * 0.3)


def check_forward_prop(dtype, learner, rubric):
    x, _, w1, b1, w2, b2 = model(1)
    args = tuple(Tensor(a, dtype) for a in (x, w1, b1, w2, b2))
    outcome = learner.call("forward_prop", *args)
    hidden = x @ w1 + b1
    return failed(outcome) or verdict_for(
        outcome.value, oracle.regression_forward(x, w1, b1, w2, b2), rubric.tolerance(dtype),
        signature("forward_prop", x=args[0], w1=args[1], b1=args[2], w2=args[3], b2=args[4]), {
            "used relu for the hidden layer; the contract says sigmoid": np.maximum(hidden, 0) @ w2 + b2,
            "applied a sigmoid to the output too; the output layer is linear":
                oracle.sigmoid(oracle.regression_forward(x, w1, b1, w2, b2)),
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
    problem = failed(outcome)
    if problem:
        return problem
    start = tuple(np.asarray(p, dtype=dtype).astype(np.float64) for p in params)
    loss, grads = oracle.regression_grads(x, y, *start)
    parts = [update_verdict("train_step", ("w1", "b1", "w2", "b2"), params, grads, lr, outcome.inputs_after[2],
                            rubric, dtype)]
    tol = rubric.tolerance(dtype)
    if mismatch(outcome.value, loss, tol, scalar=True):
        after = tuple(np.asarray(a) for a in outcome.inputs_after[2])
        loss_after = oracle.regression_loss(y, oracle.regression_forward(x, *after))
        hint = " (that is the loss after the update)" if not mismatch(outcome.value, loss_after, tol, scalar=True) else ""
        parts.append(Verdict(0.0, f"train_step must return the loss computed before the update ({loss:.6g}), got "
                                  f"{as_array(outcome.value) if outcome.value is not None else None}{hint}"))
    return parts_verdict(parts)


def train_call(learner, rubric, epochs):
    from autograder import data

    split = data.load_housing()
    settings = lambda key: rubric.setting(NAME, key)  # noqa: E731
    outcome = learner.call("train", Tensor(split.x_train, "float64"), Tensor(split.y_train, "float64"),
                           hidden=int(settings("hidden")), epochs=int(epochs), lr=float(settings("lr")),
                           batch_size=None, seed=0, seconds=float(settings("train_seconds")))
    return outcome, split


def unpack_training(outcome, epochs, d):
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
    if losses is None or losses.shape != (epochs,):
        return None, Verdict(0.0, f"train(..., epochs={epochs}) must return {epochs} losses, got "
                                  f"{'nothing usable' if losses is None else f'shape {losses.shape}'}")
    return (params, losses), None


def check_train_converges(learner, rubric):
    epochs = int(rubric.setting(NAME, "train_epochs"))
    outcome, split = train_call(learner, rubric, epochs)
    trained, problem = unpack_training(outcome, epochs, split.x_train.shape[1])
    if problem:
        return problem
    params, losses = trained
    loss = oracle.regression_loss(split.y_train, oracle.regression_forward(split.x_train, *params))
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
    first, split = train_call(learner, rubric, k)
    second, _ = train_call(learner, rubric, k + 1)
    d = split.x_train.shape[1]
    a, problem = unpack_training(first, k, d)
    b, problem2 = unpack_training(second, k + 1, d)
    if problem or problem2:
        return problem or problem2
    lr = float(rubric.setting(NAME, "lr"))
    _, grads = oracle.regression_grads(split.x_train, split.y_train, *a[0])
    names = ("w1", "b1", "w2", "b2")
    frozen = [n for n, p0, p1 in zip(names, a[0], b[0]) if np.max(np.abs(p1 - p0)) < 1e-12]
    verdict = update_verdict("train", names, a[0], grads, lr, b[0], rubric, "float64")
    # the data are float64 and full batch: losses[k] is exactly the loss after epoch k+1
    after = oracle.regression_loss(split.y_train, oracle.regression_forward(split.x_train, *b[0]))
    before = oracle.regression_loss(split.y_train, oracle.regression_forward(split.x_train, *a[0]))
    if mismatch(b[1][k], after, rubric.tolerance("float64"), scalar=True):
        hint = (" (that is the loss before the epoch)"
                if not mismatch(b[1][k], before, rubric.tolerance("float64"), scalar=True) else "")
        verdict = parts_verdict([verdict, Verdict(0.0, f"losses[{k}] must be the full-data loss after epoch {k} "
                                                       f"({after:.8g}), got {b[1][k]:.8g}{hint}")])
    if frozen:
        verdict = Verdict(0.0, f"train left {', '.join(frozen)} unchanged from one epoch to the next: every parameter "
                               f"must be trained. {verdict.message}")
    return verdict


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
              check_train_converges),
        Check("train", "step-by-step", "one more epoch is one full-batch tape step on every parameter",
              check_train_step_by_step),
    ),
)
