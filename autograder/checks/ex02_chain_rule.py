"""ex02_chain_rule: one linear layer with MSE; manual gradients checked against the tape."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import feedback, oracle
from autograder.check import (Check, Exercise, autodiff_used, failed, parts_verdict, rng, signature,
                              verdict_for)
from autograder.compare import as_array, as_series, mismatch
from autograder.records import PASS, Tensor, Verdict

NAME = "ex02_chain_rule"
N, D, K = 9, 4, 3  # batch, inputs, outputs: all different


def layer(seed):
    r = rng(2, seed)
    return r.normal(size=(N, D)), r.normal(size=(N, K)), r.normal(size=(D, K)), r.normal(size=K)


def check_linear_forward(dtype, learner, rubric):
    x, _, w, b = layer(1)
    args = (Tensor(x, dtype), Tensor(w, dtype), Tensor(b, dtype))
    outcome = learner.call("linear_forward", *args)
    return failed(outcome) or verdict_for(outcome.value, x @ w + b, rubric.tolerance(dtype),
                                          signature("linear_forward", x=args[0], W=args[1], b=args[2]),
                                          {"the bias was left out": x @ w})


def check_mse(dtype, learner, rubric):
    _, y_true, _, _ = layer(2)
    y_pred = y_true + rng(2, 3).normal(size=y_true.shape)
    args = (Tensor(y_pred, dtype), Tensor(y_true, dtype))
    outcome = learner.call("mse", *args)
    sq = (y_pred - y_true) ** 2
    return failed(outcome) or verdict_for(
        outcome.value, sq.mean(), rubric.tolerance(dtype), signature("mse", y_pred=args[0], y_true=args[1]), {
            "summed over columns, averaged over rows only (divide by every element, n*k)": sq.sum(axis=1).mean(),
            "summed instead of averaged": sq.sum(),
            "forgot to square the difference": (y_pred - y_true).mean(),
            "averaged the absolute error": np.abs(y_pred - y_true).mean()}, scalar=True)


def check_mse_grads(dtype, n, learner, rubric):
    x, y, w, b = layer(4)
    x, y = x[:n], y[:n]
    args = (Tensor(x, dtype), Tensor(y, dtype), Tensor(w, dtype), Tensor(b, dtype))
    outcome = learner.call("mse_grads", *args, manual=True)
    problem = failed(outcome) or autodiff_used(outcome, "mse_grads")
    if problem:
        return problem
    called = signature("mse_grads", x=args[0], y_true=args[1], W=args[2], b=args[3])
    if not isinstance(outcome.value, tuple) or len(outcome.value) != 2:
        return Verdict(0.0, f"{called}: expected the tuple (dW, db)")
    _, (dw, db) = oracle.linear_mse_grads(x, y, w, b)
    tol = rubric.tolerance(dtype)
    parts = []
    for got, want, name in zip(outcome.value, (dw, db), ("dW", "db")):
        mistakes = {"missing the factor 2 from the derivative of the square": want / 2,
                    f"averaged over the batch only (1/n): mse averages over all n*k elements, so it is {K} times too big": want * K,
                    "the sign is flipped (y_true - y_pred)": -want,
                    "missing the 1/(n*k) of the mean": want * n * K}
        verdict = verdict_for(got, want, tol, called, mistakes, what=name)
        arr = as_array(got)
        if name == "db" and arr is not None and arr.shape == (n, K) and n > 1:
            verdict = Verdict(0.0, f"{called}: db has shape {arr.shape}: sum the per-example terms over the batch "
                                   f"to get shape ({K},)")
        parts.append(verdict)
    # a picture of the first wrong gradient, for the feedback report
    wrong = next((i for i, part in enumerate(parts) if not part.passed), None)
    extra = {} if wrong is None else feedback.heatmap(("dW", "db")[wrong], outcome.value[wrong], (dw, db)[wrong])
    return feedback.attach(parts_verdict(parts), extra)


def regression_data():
    r = rng(2, 5)
    x = r.normal(size=(60, D))
    w_true, b_true = r.normal(size=(D, K)), r.normal(size=K)
    y = x @ w_true + b_true + 0.1 * r.normal(size=(60, K))
    return x, y


def fit_call(learner, rubric, steps):
    x, y = regression_data()
    lr = float(rubric.setting(NAME, "fit_lr"))
    return learner.call("fit_linear", Tensor(x, "float64"), Tensor(y, "float64"), lr, int(steps), seed=0), x, y, lr


def unpack_fit(outcome, steps):
    problem = failed(outcome)
    if problem:
        return None, problem
    value = outcome.value
    if not isinstance(value, tuple) or len(value) != 3:
        return None, Verdict(0.0, "fit_linear(...) must return (W, b, losses)")
    w, b, losses = as_array(value[0]), as_array(value[1]), as_series(value[2])
    if w is None or w.shape != (D, K) or b is None or b.shape != (K,):
        return None, Verdict(0.0, f"fit_linear(...) must return W of shape {(D, K)} and b of shape {(K,)}, got "
                                  f"{None if w is None else w.shape} and {None if b is None else b.shape}")
    if losses is None or losses.shape != (steps,):
        return None, Verdict(0.0, f"fit_linear(..., steps={steps}) must return {steps} losses, got "
                                  f"{'nothing usable' if losses is None else f'shape {losses.shape}'}")
    return (w, b, losses), None


def check_fit_converges(learner, rubric):
    steps = int(rubric.setting(NAME, "fit_steps"))
    outcome, x, y, lr = fit_call(learner, rubric, steps)
    fit, problem = unpack_fit(outcome, steps)
    if problem:
        return problem
    w, b, losses = fit
    loss = float(np.mean((x @ w + b - y) ** 2))
    limit = float(rubric.setting(NAME, "fit_max_loss_fraction")) * float(np.var(y))
    extra = feedback.curve(losses, ylabel="mse", threshold=limit)
    if loss <= limit:
        return feedback.attach(PASS, extra)
    return Verdict(0.0, f"after fit_linear(x, y, lr={lr}, steps={steps}) the mse is {loss:.4g}; it should fall below "
                        f"{limit:.4g} (a fraction of the target's variance {np.var(y):.4g})", extra)


def check_fit_trajectory(learner, rubric):
    """Determinism gives an exact test: run k and k+1 steps from the same seed.

    losses[k] of the longer run must be the mse at the shorter run's parameters (the loss
    *before* step k), and the extra step must be exactly -lr * the gradient there.
    """
    k = int(rubric.setting(NAME, "trajectory_steps"))
    short, x, y, lr = fit_call(learner, rubric, k)
    long, _, _, _ = fit_call(learner, rubric, k + 1)
    first, problem = unpack_fit(short, k)
    second, problem2 = unpack_fit(long, k + 1)
    if problem or problem2:
        return problem or problem2
    w_k, b_k, _ = first
    w_next, b_next, losses = second
    loss_k, (dw, db) = oracle.linear_mse_grads(x, y, w_k, b_k)
    parts = []
    problem = mismatch(losses[k], loss_k, rubric.tolerance("float64"), scalar=True)
    if problem:
        after = float(np.mean((x @ w_next + b_next - y) ** 2))
        hint = " (it is the loss after the step)" if mismatch(losses[k], after, rubric.tolerance("float64"), scalar=True) is None else ""
        parts.append(Verdict(0.0, f"losses[{k}] must be the mse before step {k}, i.e. at the parameters after {k} "
                                  f"steps ({loss_k:.6g}); got {losses[k]:.6g}{hint}"))
    step_tol = rubric.tolerance("update")
    for name, got, want in (("W", w_next - w_k, -lr * dw), ("b", b_next - b_k, -lr * db)):
        problem = mismatch(got, want, step_tol)
        if problem:
            parts.append(Verdict(0.0, f"step {k} moved {name} by something other than -lr * d mse/d {name} "
                                      f"(does it use mse_grads, and do those pass? is fit_linear deterministic for a seed, and does it "
                                      f"use lr={lr}?): {problem}"))
    return parts_verdict(parts or [PASS])


EXERCISE = Exercise(
    NAME,
    ("linear_forward", "mse", "mse_grads", "fit_linear"),
    (
        *(Check("linear_forward", d, f"x @ W + b ({d})", partial(check_linear_forward, d)) for d in ("float64", "float32")),
        *(Check("mse", d, f"mean over all elements ({d})", partial(check_mse, d)) for d in ("float64", "float32")),
        Check("mse_grads", "float64-batch9", "matches GradientTape by hand (float64, batch 9)",
              partial(check_mse_grads, "float64", N)),
        Check("mse_grads", "float64-batch1", "matches GradientTape by hand (float64, batch 1)",
              partial(check_mse_grads, "float64", 1)),
        Check("mse_grads", "float32-batch9", "matches GradientTape by hand (float32, batch 9)",
              partial(check_mse_grads, "float32", N)),
        Check("fit_linear", "converges", "the fitted layer's mse falls well below the target variance",
              check_fit_converges),
        Check("fit_linear", "trajectory", "losses[i] is the loss before step i; each step is -lr * gradient",
              check_fit_trajectory),
    ),
)
