"""ex02_chain_rule: one linear layer with MSE; manual gradients checked against the tape."""

from __future__ import annotations

from functools import partial

import numpy as np

from autograder import feedback, oracle
from autograder.checks.framework import (Check, Exercise, autodiff_used, expect, failed, parts_verdict, rng, signature,
                              verdict_for)
from autograder.compare import as_array, as_series, mismatch
from autograder.records import PASS, Tensor, Verdict

NAME = "ex02_chain_rule"
N, D, K = 9, 4, 3  # batch, inputs, outputs: all different


def layer(seed):
    r = rng(2, seed)
    return r.normal(size=(N, D)), r.normal(size=(N, K)), r.normal(size=(D, K)), r.normal(size=K)


@oracle.by_value
def linear_mse_grads(x, y, w, b):
    """The oracle: mse(x @ w + b, y) and its gradients (dW, db), with the tape in float64."""
    t = oracle.tf()
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return oracle.tape_gradients(lambda w, b: t.reduce_mean((x @ w + b - y) ** 2), w, b)


def check_linear_forward(dtype, learner, rubric):
    x, _, w, b = layer(1)
    return expect(learner, "linear_forward", {"x": Tensor(x, dtype), "W": Tensor(w, dtype), "b": Tensor(b, dtype)},
                  x @ w + b, rubric.tolerance(dtype), {"the bias was left out": x @ w})


def check_mse(dtype, learner, rubric):
    _, y_true, _, _ = layer(2)
    y_pred = y_true + rng(2, 3).normal(size=y_true.shape)
    sq = (y_pred - y_true) ** 2
    return expect(
        learner, "mse", {"y_pred": Tensor(y_pred, dtype), "y_true": Tensor(y_true, dtype)}, sq.mean(),
        rubric.tolerance(dtype), {
            "summed over columns, averaged over rows only (divide by every element, n*k)": sq.sum(axis=1).mean(),
            "summed instead of averaged": sq.sum(),
            "forgot to square the difference": (y_pred - y_true).mean(),
            "averaged the absolute error": np.abs(y_pred - y_true).mean()}, scalar=True)


def scale_mistakes(want, n, name):
    """The classic wrong scalings of the mse gradient, alone and with a flipped sign, by the factor they give.

    mse = sum(r**2) / (n*k), so d mse/d z = 2 r / (n*k).  Averaging over the rows only (1/n) makes it k
    times too big, over the outputs only (1/k) n times, a sum n*k times; each can come with the factor 2
    of the square dropped, and with the residual written y_true - y_pred.  Factors that coincide (n = 1)
    keep the first, simplest explanation.
    """
    scales = [
        (0.5, "missing the factor 2 from the derivative of the square"),
        (K, f"averaged over the n rows only (1/n): mse divides by all n*k elements, so it is k = {K} times too big"),
        (K / 2, f"scaled by k/2 = {K / 2:g}: averaged over the n rows only (1/n instead of 1/(n*k)) and "
                "missing the factor 2 of the square"),
        (n, f"averaged over the k outputs only (1/k): mse divides by all n*k elements, so it is n = {n} times too big"),
        (n / 2, f"scaled by n/2 = {n / 2:g}: averaged over the k outputs only (1/k) and missing the factor 2"),
        (n * K, f"missing the 1/(n*k) of the mean (a sum, not a mean): n*k = {n * K} times too big"),
        (n * K / 2, f"scaled by n*k/2 = {n * K / 2:g}: a sum instead of a mean and missing the factor 2"),
    ]
    if name == "db":
        scales.append((1 / n, f"db averaged over the batch again (reduce_mean instead of reduce_sum over the rows): "
                              f"n = {n} times too small"))
    mistakes, seen = {"the sign is flipped (y_true - y_pred instead of y_pred - y_true)": -want}, {1.0}
    for factor, text in scales:
        if any(abs(factor - s) < 1e-12 for s in seen):
            continue
        seen.add(factor)
        mistakes[text] = want * factor
        mistakes[f"{text}, and the sign is flipped (y_true - y_pred)"] = -want * factor
    return mistakes


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
    _, (dw, db) = linear_mse_grads(x, y, w, b)
    tol = rubric.tolerance(dtype)
    shapes = tuple(getattr(as_array(v), "shape", None) for v in outcome.value)
    if shapes == (b.shape, w.shape):
        return Verdict(0.0, f"{called}: returned (db, dW) with shapes {shapes}: the contract's order is (dW, db)")
    parts = []
    for got, want, name in zip(outcome.value, (dw, db), ("dW", "db")):
        mistakes = scale_mistakes(want, n, name)
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


def fit_call(learner, rubric, steps, dtype="float64"):
    x, y = regression_data()
    lr = float(rubric.setting(NAME, "fit_lr"))
    return learner.call("fit_linear", Tensor(x, dtype), Tensor(y, dtype), lr, int(steps), seed=0), x, y, lr


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


def history_problem(losses, final_loss, lr, steps, rel=1e-9):
    """Why ``losses`` is not the history of gradient descent that ended at ``final_loss``, or None.

    On a convex quadratic with a stable lr (the grader's is) every gradient step lowers the mse, and
    from an init of the contract's scale the first loss is far above the fitted one.  ``rel``: how far
    apart two losses may be by rounding alone (float32 losses are ~1e-7 apart at best).
    """
    called = f"fit_linear(x, y, lr={lr}, steps={steps})"
    rises = np.flatnonzero(np.diff(losses) > rel * (1.0 + np.abs(losses[:-1])))
    if rises.size:
        i = int(rises[0])
        return (f"{called}: the losses rise from losses[{i}] = {losses[i]:.6g} to losses[{i + 1}] = {losses[i + 1]:.6g}; "
                "gradient descent on the mse with this lr lowers the loss at every step (if the gradients from mse_grads are right)")
    if not losses[0] >= 2.0 * final_loss:
        return (f"{called}: the losses do not fall (losses[0] = {losses[0]:.6g}, the fitted layer's mse {final_loss:.6g}): "
                "the layer must be learned step by step from its initialisation, with losses[i] the mse before step i")
    if losses[-1] < final_loss - rel * (1.0 + final_loss):
        return (f"{called}: losses[-1] = {losses[-1]:.6g} is below the mse of the returned layer ({final_loss:.6g}), "
                "but it must be the loss before the last step, which the step lowers")
    return None


def check_fit_converges(learner, rubric):
    """In float32 (the trajectory is float64): fit_linear must work in both dtypes, as every function."""
    steps = int(rubric.setting(NAME, "fit_steps"))
    outcome, x, y, lr = fit_call(learner, rubric, steps, "float32")
    fit, problem = unpack_fit(outcome, steps)
    if problem:
        return problem
    w, b, losses = fit
    loss = float(np.mean((x @ w + b - y) ** 2))
    limit = float(rubric.setting(NAME, "fit_max_loss_fraction")) * float(np.var(y))
    extra = feedback.curve(losses, ylabel="mse", threshold=limit)
    if loss <= limit:
        # a good final layer is not enough: a closed-form solve with a made-up history also ends there
        problem = history_problem(losses, loss, lr, steps, rel=1e-5)  # float32 losses
        return Verdict(0.0, problem, extra) if problem else feedback.attach(PASS, extra)
    return Verdict(0.0, f"after fit_linear(x, y, lr={lr}, steps={steps}) the mse is {loss:.4g}; it should fall below "
                        f"{limit:.4g} (a fraction of the target's variance {np.var(y):.4g})", extra)


WIDE_D, INIT_SEEDS = 40, 4  # the init is judged on 40 inputs x 3 outputs x 4 seeds: 480 entries of W


def init_problem(learner):
    """Why fit_linear's initialisation is not the contract's (zeros, or seeded random with standard
    deviation at most 1/sqrt(d)), or None.  With lr=0 one step returns the initial W and b; d is wide
    (40) so the bound is tight (0.158) and W has many entries.  The standard deviation is judged about
    each seed's own mean (the contract bounds the spread, not the centre); the allowance above the
    bound is 4.5 sample spreads of a correct draw (1/sqrt(2 N) for N entries), so a correct draw
    fails about 1 in 300000."""
    x = rng(2, 7).normal(size=(60, WIDE_D))
    y = x @ rng(2, 8).normal(size=(WIDE_D, K))
    draws = {"W": [], "b": []}
    for seed in range(INIT_SEEDS):
        outcome = learner.call("fit_linear", Tensor(x, "float64"), Tensor(y, "float64"), 0.0, 1, seed=seed)
        problem = failed(outcome)
        if problem:
            return problem.message
        value = outcome.value
        w, b = (as_array(value[0]), as_array(value[1])) if isinstance(value, tuple) and len(value) == 3 else (None, None)
        if w is None or w.shape != (WIDE_D, K) or b is None or b.shape != (K,):
            return f"fit_linear(x of shape (60, {WIDE_D}), y of shape (60, {K}), lr=0, steps=1) must return W of shape " \
                   f"{(WIDE_D, K)} and b of shape {(K,)}"
        draws["W"].append(w)
        draws["b"].append(b)
    bound = 1.0 / np.sqrt(WIDE_D)
    for name, values in draws.items():
        centred = np.concatenate([np.ravel(v) - np.mean(v) for v in values])
        spread = float(np.sqrt(np.sum(centred ** 2) / max(centred.size - len(values), 1)))
        if spread > (1.0 + 4.5 / np.sqrt(2.0 * centred.size)) * bound:
            return (f"fit_linear(x of shape (60, {WIDE_D}), y, lr=0, steps=1, seed=0..{INIT_SEEDS - 1}) returned an initial "
                    f"{name} with standard deviation {spread:.3g}; the contract initialises W and b as zeros, or seeded "
                    f"random with standard deviation at most 1/sqrt(d) = 1/sqrt({WIDE_D}) = {bound:.3g}")
    return None


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
    loss_k, (dw, db) = linear_mse_grads(x, y, w_k, b_k)
    # the step test below sees nothing where the gradient is ~0 (a closed-form least-squares answer): no point then
    scale = 1.0 + float(np.linalg.norm(w_k)) + float(np.linalg.norm(b_k))
    if lr * (float(np.linalg.norm(dw)) + float(np.linalg.norm(db))) < 1e-8 * scale:
        return Verdict(0.0, f"after fit_linear(x, y, lr={lr}, steps={k}) the mse gradient is already ~0 (W and b sit at "
                            f"the least-squares optimum), so no gradient step can be observed: fit_linear must start "
                            f"from its initialisation and take {k} gradient steps, not solve the problem in closed form")
    parts = []
    tol64 = rubric.tolerance("float64")
    problem = mismatch(losses[:k], first[2], tol64)
    if problem:
        parts.append(Verdict(0.0, f"the first {k} losses of fit_linear(..., steps={k + 1}) differ from those of "
                                  f"fit_linear(..., steps={k}) with the same seed (is it deterministic?): {problem}"))
    problem = mismatch(losses[k], loss_k, tol64, scalar=True)
    if problem:
        after = float(np.mean((x @ w_next + b_next - y) ** 2))
        # the returned W, b are where the short run's last loss was measured: its last step was never taken
        stale = mismatch(first[2][-1], loss_k, tol64, scalar=True) is None
        hint = (f" (the W and b that steps={k} returned are where its losses[{k - 1}] was measured: the last step "
                "recorded its loss but did not update W and b)" if stale else
                " (it is the loss after the step)" if mismatch(losses[k], after, tol64, scalar=True) is None else "")
        parts.append(Verdict(0.0, f"losses[{k}] must be the mse before step {k}, i.e. at the parameters after {k} "
                                  f"steps ({loss_k:.6g}); got {losses[k]:.6g}{hint}"))
    elif np.any(np.diff(losses) > 1e-9 * (1.0 + np.abs(losses[:-1]))):
        # losses[k] is right, so the earlier entries are what can be made up: a descent history never rises
        parts.append(Verdict(0.0, f"fit_linear(..., steps={k + 1}) returned losses that rise somewhere "
                                  f"({np.array2string(losses, precision=4)}): each gradient step with lr={lr} lowers the mse, "
                                  f"and losses[i] is the mse before step i (a rising history means a wrong gradient, "
                                  f"or losses that are not the mse before each step)"))
    step_tol = rubric.tolerance("update")
    for name, got, want in (("W", w_next - w_k, -lr * dw), ("b", b_next - b_k, -lr * db)):
        problem = mismatch(got, want, step_tol)
        if problem:
            parts.append(Verdict(0.0, f"step {k} moved {name} by something other than -lr * d mse/d {name} "
                                      f"(does it use mse_grads, and do those pass? is fit_linear deterministic for a seed, and does it "
                                      f"use lr={lr}?): {problem}"))
    # the initialisation is half of the check: a right trajectory from too wide a start keeps the other half
    problem = init_problem(learner)
    return parts_verdict([parts_verdict(parts or [PASS]), Verdict(0.0, problem) if problem else PASS])


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
              check_fit_converges, trains=True),
        Check("fit_linear", "trajectory", "starts at the contract's scale; losses[i] is the loss before step i; each step is -lr * gradient",
              check_fit_trajectory, trains=True),
    ),
    uses=(("mse_grads", ("linear_forward",)), ("fit_linear", ("mse_grads", "mse", "linear_forward"))),
)
