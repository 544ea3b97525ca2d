"""ex06_keras_tape_loop: a Keras model trained with a custom tape loop on Iris."""

from __future__ import annotations

import re

import numpy as np

from autograder import feedback, oracle
from autograder.checks.framework import Check, Exercise, failed, parts_verdict, rng, signature
from autograder.compare import Tolerance, as_array, as_series, mismatch
from autograder.probes import Shipped
from autograder.records import PASS, Probe, Tensor, Verdict

NAME = "ex06_keras_tape_loop"


# ---------------------------------------------------------------------------------------------
# The contract's network: Dense(hidden, relu) -> Dense(n_classes, softmax), as the learner gets it
# (a Keras model built in the child from this source) and as the oracle computes it
# ---------------------------------------------------------------------------------------------


def keras_mlp(n_features, hidden, n_classes, dtype, *weights):
    import numpy as np
    import tensorflow as tf

    model = tf.keras.Sequential([
        tf.keras.Input(shape=(int(n_features),), dtype=dtype),
        tf.keras.layers.Dense(int(hidden), activation="relu", dtype=dtype),
        tf.keras.layers.Dense(int(n_classes), activation="softmax", dtype=dtype),
    ])
    model.set_weights([np.asarray(w, dtype=dtype) for w in weights])
    return model


def keras_mlp_predict(x, w1, b1, w2, b2):
    return oracle.softmax(np.maximum(x @ w1 + b1, 0.0) @ w2 + b2)


KERAS_MLP = Shipped(keras_mlp)


@oracle.by_value
def sparse_cce_grads(x, labels, w1, b1, w2, b2, reduction="mean"):
    """Keras' SparseCategoricalCrossentropy (probabilities clipped to [1e-7, 1 - 1e-7]) and its gradients.

    ``reduction="sum"`` is the loss built with ``SparseCategoricalCrossentropy(reduction="sum")``.
    """
    t = oracle.tf()
    x = np.asarray(x, np.float64)
    labels = np.asarray(labels).astype(np.int64).reshape(-1)

    def loss(w1, b1, w2, b2):
        probs = t.nn.softmax(t.nn.relu(x @ w1 + b1) @ w2 + b2)
        probs = t.clip_by_value(probs, 1e-7, 1 - 1e-7)
        picked = t.gather(probs, labels, axis=1, batch_dims=1)
        reduce = t.reduce_sum if reduction == "sum" else t.reduce_mean
        return -reduce(t.math.log(picked))

    return oracle.tape_gradients(loss, w1, b1, w2, b2)


def check_build_model_architecture(learner, rubric):
    outcome = learner.call("build_model", n_features=5, n_classes=4, hidden=7, seed=0, read="keras_model")
    problem = failed(outcome)
    if problem:
        return problem
    info = outcome.value
    if not isinstance(info, dict):
        return Verdict(0.0, "build_model(...) should return a tf.keras model")
    dense = [layer for layer in info.get("layers", ()) if layer[0] == "Dense"]
    parts = []
    if len(dense) != 2:
        parts.append(Verdict(0.0, f"build_model should have exactly two Dense layers, found {len(dense)}: "
                                  f"{[layer[0] for layer in info.get('layers', ())]}"))
    else:
        for (kind, units, activation), want_units, want_act, label in zip(
                dense, (7, 4), ("relu", "softmax"), ("hidden", "output")):
            # tf.nn.softmax is named softmax_v2; keras.activations.softmax is softmax: the same function
            if int(units) != want_units or activation.removesuffix("_v2") != want_act:
                parts.append(Verdict(0.0, f"the {label} layer should be Dense({want_units}, activation='{want_act}'), "
                                          f"got Dense({int(units)}, activation='{activation}')"))
    shapes = [np.shape(w) for w in info.get("weights", ())]
    if shapes != [(5, 7), (7,), (7, 4), (4,)]:
        parts.append(Verdict(0.0, f"build_model(n_features=5, n_classes=4, hidden=7) should be built for 5 inputs, "
                                  f"with weights of shapes [(5, 7), (7,), (7, 4), (4,)]; got {shapes}"))
    return parts_verdict(parts or [PASS])


def check_build_model_probabilities(learner, rubric):
    """The model's weights, run through relu -> softmax on our side, give rows of probabilities."""
    outcome = learner.call("build_model", n_features=4, n_classes=3, hidden=32, seed=0, read="keras_model")
    problem = failed(outcome)
    if problem:
        return problem
    info = outcome.value
    weights = info.get("weights", ()) if isinstance(info, dict) else ()
    if [np.shape(w) for w in weights] != [(4, 32), (32,), (32, 3), (3,)]:
        return Verdict(0.0, "build_model() with the defaults should have weights of shapes [(4, 32), (32,), (32, 3), (3,)]")
    out = as_array(info.get("output"))
    if out is None:
        return Verdict(0.0, "the model could not be called on a batch of 5 inputs")
    x = np.linspace(-1.0, 1.0, 20).reshape(5, 4)
    parts = []
    problem = mismatch(out, keras_mlp_predict(x, *weights), rubric.tolerance("float32"))
    if problem:
        parts.append(Verdict(0.0, f"model(x) does not compute softmax(relu(x @ w1 + b1) @ w2 + b2): {problem}"))
    training = as_array(info.get("output_training"))
    if not problem and "output_training" in info and (
            training is None or mismatch(out, training, rubric.tolerance("float32"))):
        layers = [layer[0] for layer in info.get("layers", ()) if layer[0] != "Dense"]
        parts.append(Verdict(0.0, "model(x, training=True), as train_step calls it, does not compute "
                                  "softmax(relu(x @ w1 + b1) @ w2 + b2)"
                                  + (f": the model has layers besides the two Dense ones ({', '.join(layers)}); "
                                     "the exercise's model is Dense(hidden, relu) then Dense(n_classes, softmax) only"
                                     if layers else "")))
    if mismatch(out.sum(axis=1) if out.ndim == 2 else out, np.ones(5), rubric.tolerance("probabilities_sum")):
        parts.append(Verdict(0.0, "the model's output rows should be probabilities that sum to 1 (softmax output)"))
    again = learner.call("build_model", n_features=4, n_classes=3, hidden=32, seed=0, fresh=True, read="keras_model")
    other = learner.call("build_model", n_features=4, n_classes=3, hidden=32, seed=1, read="keras_model")
    if again.ok and other.ok and isinstance(again.value, dict) and isinstance(other.value, dict):
        w_again, w_other = again.value.get("weights", ()), other.value.get("weights", ())
        same = lambda a, b: len(a) == len(b) and all(  # noqa: E731
            np.shape(u) == np.shape(v) and not mismatch(u, v, Tolerance(0.0, 1e-12)) for u, v in zip(a, b))
        # every weight, not only the first kernel: a model whose output layer is left unseeded
        # starts somewhere else on every call, and fit's result is not repeatable
        changed = [name for name, u, v in zip(("w1", "b1", "w2", "b2"), w_again, weights) if not same((u,), (v,))]
        if len(w_again) != len(weights) or changed:
            parts.append(Verdict(0.0, f"build_model(seed=0) gave different weights on two calls "
                                      f"({', '.join(changed) or 'a different number of weights'}): seed every "
                                      f"layer's initializer (or call tf.keras.utils.set_random_seed(seed) first)"))
        elif same(w_other, weights):
            parts.append(Verdict(0.0, "build_model(seed=0) and build_model(seed=1) gave the same weights: use the seed"))
    return parts_verdict(parts or [PASS])


def mlp_weights(seed, d, h, k, scale=1.0):
    r = rng(6, seed)
    return (r.normal(size=(d, h)) * scale / np.sqrt(d), r.normal(size=h) * 0.1,
            r.normal(size=(h, k)) * scale / np.sqrt(h), r.normal(size=k) * 0.1)


# Labels as the contract gives them: integers.  int32, the dtype of the Iris tutorial's
# tf.convert_to_tensor(y, dtype=tf.int32), which tf.one_hot, tf.cast, .numpy() and every Keras
# loss accept; an int64 tensor would crash that tutorial line (convert_to_tensor does not cast).
LABELS = "int32"


# TensorFlow / Keras error texts that point at a label-handling mistake (matched on the error's
# own words, never on file names or source lines, which the learner chooses)
LABEL_CRASHES = (
    (re.compile(r"attr 'TI' of (?:float|double|half|bfloat16)"),
     "tf.one_hot was given float labels; y holds integer labels (int32): pass them to tf.one_hot as they are, "
     "without casting them to float first"),
    (re.compile(r"target\.ndim - 1`\. Received: target\.shape=\(\d+, \d+\), output\.shape=\(\d+, \d+\)"),
     "SparseCategoricalCrossentropy was given one-hot labels; it takes the integer labels y as they are, "
     "shape (n,) (or use CategoricalCrossentropy with the one-hot rows)"),
    (re.compile(r"target\.ndim - 1`\. Received: target\.shape=\(\d+, \d+\), output\.shape=\(\d+,\)"),
     "the loss got the predictions where it wants the labels: call loss_fn(y, predictions), labels first"),
    (re.compile(r"same rank \(ndim\)\. Received: target\.shape=\(\d+,\), output\.shape=\(\d+, \d+\)"),
     "CategoricalCrossentropy was given the integer labels; it needs one-hot rows (tf.one_hot(y, n_classes)), "
     "or use SparseCategoricalCrossentropy() as the exercise asks"),
    (re.compile(r"to EagerTensor of dtype u?int\d+|expected to be a (?:float|double) tensor but is a u?int\d+ tensor"
                r"|expected to be a u?int\d+ tensor but is a (?:float|double|half) tensor"),
     "y holds integer labels (int32, as the contract says) and was mixed with floats in arithmetic: give them to "
     "the loss as they are, or tf.cast them to the predictions' dtype where you need floats"),
)


def crash_hint(outcome) -> str:
    """For a call that raised: the label-handling mistake its error message points at, if any."""
    if outcome.status != "error":
        return ""
    for pattern, mistake in LABEL_CRASHES:
        if pattern.search(outcome.message or ""):
            return f". Likely mistake: {mistake}"
    return ""


def failed_named(outcome) -> Verdict | None:
    """``failed``, with the label-handling mistake named when the call crashed on one."""
    problem = failed(outcome)
    if problem is not None and crash_hint(outcome):
        return Verdict(0.0, problem.message.rstrip(". ") + crash_hint(outcome))
    return problem


def effective_lr(step, grad) -> float:
    """The c for which step is closest to -c * grad (least squares): names a wrong learning rate."""
    g = np.concatenate([np.reshape(v, -1) for v in grad])
    s_ = np.concatenate([np.reshape(v, -1) for v in step])
    return float(-(s_ @ g) / max(g @ g, 1e-300))


def train_step_case(learner, rubric, loss_name, reduction, lr, seed):
    """One train_step call on a float32 model with int32 labels; the loss and every weight's step."""
    d, h, k, n = 4, 6, 3, 10
    weights = mlp_weights(seed, d, h, k, scale=2.0)
    r = rng(6, seed + 1)
    x, labels = r.normal(size=(n, d)), r.integers(0, k, size=n)
    labels[:k] = np.arange(k)  # every class present, so no class's output weights get a zero gradient
    model = KERAS_MLP.probe(d, h, k, "float32", *weights)
    x_arg, y_arg = Tensor(x, "float32"), Tensor(labels, LABELS)
    loss_text = "SparseCategoricalCrossentropy()" if reduction == "mean" else \
        "SparseCategoricalCrossentropy(reduction='sum')"
    called = signature("train_step", model=Probe("Sequential"), optimizer=Probe(f"SGD({lr})"),
                       loss_fn=Probe(loss_text), x=x_arg, y=y_arg)
    outcome = learner.call("train_step", model, Probe("sgd", (lr,)), Probe(loss_name), x_arg, y_arg)
    problem = failed_named(outcome)
    if problem:
        return Verdict(0.0, f"{called}: {problem.message}")
    start = tuple(np.asarray(w, dtype=np.float32).astype(np.float64) for w in weights)
    loss, grads = sparse_cce_grads(x.astype(np.float32), labels, *start, reduction=reduction)
    parts = []
    if mismatch(outcome.value, loss, rubric.tolerance("float32"), scalar=True):
        after_loss = None
        if outcome.inputs_after and outcome.inputs_after[0] is not None and len(outcome.inputs_after[0]) == 4:
            after_loss, _ = sparse_cce_grads(x.astype(np.float32), labels, *outcome.inputs_after[0],
                                                    reduction=reduction)
        if reduction == "sum" and not mismatch(outcome.value, loss / n, rubric.tolerance("float32"), scalar=True):
            hint = " (that is the mean loss: use the loss_fn you are given, not a loss of your own)"
        elif after_loss is not None and not mismatch(outcome.value, after_loss, rubric.tolerance("float32"), scalar=True):
            hint = " (that is the loss after the update)"
        else:
            hint = ""
        parts.append(Verdict(0.0, f"{called}: should return the loss before the update ({loss:.6g}), got "
                                  f"{outcome.value!r}{hint}"))
    after = outcome.inputs_after[0] if outcome.inputs_after else None
    if after is None or len(after) != 4:
        return Verdict(0.0, f"{called}: the model's weights could not be read after train_step")
    steps = [np.asarray(w1) - w0 for w0, w1 in zip(start, after)]
    tol = rubric.tolerance("keras_step")
    wrong = [i for i, (st, g) in enumerate(zip(steps, grads)) if mismatch(st, -lr * g, tol)]
    names = ("w1", "b1", "w2", "b2")
    if wrong and all(np.max(np.abs(steps[i])) == 0.0 for i in wrong):
        parts.append(Verdict(0.0, f"{called}: did not change the model's {', '.join(names[i] for i in wrong)}: apply "
                                  "the gradients with optimizer.apply_gradients(zip(grads, model.trainable_variables))"))
    elif wrong:
        c = effective_lr(steps, grads)
        if not any(mismatch(st, -c * g, tol) for st, g in zip(steps, grads)) and c < 0:
            why = (f"every weight moved by +{-c:.4g} * its gradient, uphill: the loss is maximised (a flipped sign "
                   f"in the loss or the gradients)")
            parts.append(Verdict(0.0, f"{called}: {why}"))
        elif not any(mismatch(st, -c * g, tol) for st, g in zip(steps, grads)) and c > 0:
            if reduction == "sum" and abs(c * n / lr - 1) < 1e-2:
                why = "the step is n times too small: the gradient is of the mean loss, not of the loss_fn you are given"
            else:
                why = f"every weight moved by -{c:.4g} * its gradient: use the optimizer you are given (SGD({lr}))"
            parts.append(Verdict(0.0, f"{called}: {why}"))
        else:
            for i in wrong:
                parts.append(Verdict(0.0, f"{called}: moved {names[i]} by something other than -lr * its gradient of "
                                          f"the loss: {mismatch(steps[i], -lr * grads[i], tol)}"))
    return parts_verdict(parts or [PASS])


def check_train_step(learner, rubric):
    # the second case hands in a summed loss and another lr: a train_step that builds its own loss
    # or optimizer instead of using the ones it is given cannot pass both
    return parts_verdict([train_step_case(learner, rubric, "sparse_cce", "mean", 0.2, 1),
                          train_step_case(learner, rubric, "sparse_cce_sum", "sum", 0.05, 3)])


def fit_call(learner, rubric):
    from autograder import data

    split = data.load_iris()
    epochs, lr = int(rubric.setting(NAME, "fit_epochs")), float(rubric.setting(NAME, "fit_lr"))
    weights = mlp_weights(3, 4, 32, 3)
    model = KERAS_MLP.probe(4, 32, 3, "float32", *weights)
    outcome = learner.call("fit", model, Tensor(split.x_train, "float32"), Tensor(split.y_train, LABELS),
                           epochs=epochs, lr=lr,
                           seconds=float(rubric.setting(NAME, "fit_seconds")))
    return outcome, split, weights, epochs, lr


def check_fit_accuracy(learner, rubric):
    outcome, split, _, epochs, lr = fit_call(learner, rubric)
    problem = failed_named(outcome)
    if problem:
        return problem
    after = outcome.inputs_after[0]
    acc = oracle.accuracy(keras_mlp_predict(split.x_test, *after), split.y_test)
    threshold = float(rubric.setting(NAME, "accuracy"))
    losses = as_series(outcome.value)
    extra = {"accuracy": acc, "accuracy_threshold": threshold}
    if losses is not None and losses.ndim == 1 and len(losses):
        extra.update(feedback.curve(losses, ylabel="cross-entropy"))
    if acc >= threshold:
        return feedback.attach(PASS, extra)
    return Verdict(0.0, f"after fit(model, iris, epochs={epochs}, lr={lr}) the test accuracy is {acc:.3f}, "
                        f"needs >= {threshold:.2f}", extra)


def check_fit_losses(learner, rubric):
    outcome, split, weights, epochs, _ = fit_call(learner, rubric)
    problem = failed_named(outcome)
    if problem:
        return problem
    losses = as_series(outcome.value)
    if losses is None or losses.shape != (epochs,):
        return Verdict(0.0, f"fit(..., epochs={epochs}) should return {epochs} losses, got "
                            f"{'nothing usable' if losses is None else f'shape {losses.shape}'}")
    start = tuple(np.asarray(w, dtype=np.float32).astype(np.float64) for w in weights)
    first, _ = sparse_cce_grads(split.x_train.astype(np.float32), split.y_train, *start)
    if mismatch(losses[0], first, rubric.tolerance("float32"), scalar=True):
        return Verdict(0.0, f"losses[0] should be the SparseCategoricalCrossentropy of the untrained model on the "
                            f"training set ({first:.5g}), got {losses[0]:.5g}")
    if not losses[-1] < losses[0]:
        return Verdict(0.0, f"the loss did not go down: {losses[0]:.4g} -> {losses[-1]:.4g}")
    return PASS


def check_fit_two_steps(learner, rubric):
    """fit is full-batch SGD on a given model: two epochs are exactly two SGD steps from its weights."""
    from autograder import data

    split = data.load_iris()
    lr = float(rubric.setting(NAME, "fit_lr"))
    weights = mlp_weights(4, 4, 8, 3, scale=1.5)
    model = KERAS_MLP.probe(4, 8, 3, "float32", *weights)
    x = split.x_train.astype(np.float32)
    outcome = learner.call("fit", model, Tensor(x, "float32"), Tensor(split.y_train, LABELS),
                           epochs=2, lr=lr)
    problem = failed_named(outcome)
    if problem:
        return problem
    current = tuple(np.asarray(w, dtype=np.float32).astype(np.float64) for w in weights)
    want_losses = []
    for _ in range(2):
        loss, grads = sparse_cce_grads(x, split.y_train, *current)
        want_losses.append(loss)
        current = tuple(w - lr * g for w, g in zip(current, grads))
    parts = []
    losses = as_series(outcome.value)
    if losses is None or losses.shape != (2,):
        parts.append(Verdict(0.0, f"fit(..., epochs=2) should return 2 losses, got {outcome.value!r}"))
    elif mismatch(losses, np.array(want_losses), rubric.tolerance("float32")):
        parts.append(Verdict(0.0, f"fit(..., epochs=2, lr={lr}) returned losses {np.round(losses, 5).tolist()}; "
                                  f"SparseCategoricalCrossentropy() (on probabilities, not logits) before each SGD step "
                                  f"gives {np.round(want_losses, 5).tolist()}"))
    after = outcome.inputs_after[0]
    if after is None or len(after) != 4:
        parts.append(Verdict(0.0, "the model's weights could not be read after fit"))
    else:
        tol = rubric.tolerance("keras_two_steps")
        wrong = [name for name, got, want in zip(("w1", "b1", "w2", "b2"), after, current) if mismatch(got, want, tol)]
        unchanged = all(np.array_equal(np.asarray(got, np.float32), np.asarray(w, np.float32))
                        for got, w in zip(after, weights))
        if unchanged:
            parts.append(Verdict(0.0, f"after fit(..., epochs=2, lr={lr}) the model passed in has the weights it came "
                                      "with: fit must train the model it is given (not a new build_model())"))
        elif wrong:
            parts.append(Verdict(0.0, f"after fit(..., epochs=2, lr={lr}) the weights {', '.join(wrong)} are not where "
                                      f"two steps of SGD(lr) on the full batch put them (is it SGD with this lr, on "
                                      f"SparseCategoricalCrossentropy()?)"))
    return parts_verdict(parts or [PASS])


EXERCISE = Exercise(
    NAME,
    ("build_model", "train_step", "fit"),
    (
        Check("build_model", "architecture", "Dense(hidden, relu) then Dense(n_classes, softmax), built for n_features",
              check_build_model_architecture),
        Check("build_model", "probabilities", "outputs probabilities; seeded", check_build_model_probabilities),
        Check("train_step", "sgd", "returns the loss before the update and applies one SGD step to every weight",
              check_train_step),
        Check("fit", "accuracy", "reaches the Iris test accuracy threshold", check_fit_accuracy, trains=True),
        Check("fit", "losses", "one loss per epoch, the first at the untrained model, going down", check_fit_losses, trains=True),
        Check("fit", "two-steps", "two epochs are exactly two full-batch SGD(lr) steps", check_fit_two_steps, trains=True),
    ),
    uses=(("fit", ("train_step",)),),
)
