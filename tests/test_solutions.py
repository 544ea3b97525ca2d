"""The reference solutions meet the contract (EXERCISES.md), checked against the tape and closed forms."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from autograder import data

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
DTYPES = [np.float32, np.float64]
ATOL = {np.float32: 1e-5, np.float64: 1e-10}


def load(name):
    spec = importlib.util.spec_from_file_location(f"solution_{name}", SOLUTIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ex01():
    return load("ex01_tape_basics")


@pytest.fixture(scope="module")
def ex02():
    return load("ex02_chain_rule")


@pytest.fixture(scope="module")
def ex03():
    return load("ex03_gradient_check")


@pytest.fixture(scope="module")
def ex04():
    return load("ex04_manual_backprop")


@pytest.fixture(scope="module")
def ex05():
    return load("ex05_tape_regression")


@pytest.fixture(scope="module")
def ex06():
    return load("ex06_keras_tape_loop")


@pytest.fixture
def tapes(monkeypatch):
    """Counts every GradientTape created and every tape.gradient call while the test runs."""
    counts = {"init": 0, "gradient": 0}
    original_init = tf.GradientTape.__init__
    original_gradient = tf.GradientTape.gradient

    def init(self, *args, **kwargs):
        counts["init"] += 1
        original_init(self, *args, **kwargs)

    def gradient(self, *args, **kwargs):
        counts["gradient"] += 1
        return original_gradient(self, *args, **kwargs)

    monkeypatch.setattr(tf.GradientTape, "__init__", init)
    monkeypatch.setattr(tf.GradientTape, "gradient", gradient)
    return counts


def close(actual, expected, dtype, scale=1.0):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64),
                               rtol=ATOL[dtype] * scale, atol=ATOL[dtype] * scale)


def random(rng, shape, dtype, scale=1.0):
    return tf.constant((scale * rng.normal(size=shape)).astype(dtype))


def tape_oracle(function, *tensors):
    """The gradients of the scalar function(*tensors) with respect to every tensor."""
    with tf.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        value = function(*tensors)
    return tape.gradient(value, list(tensors))


# ex01 ------------------------------------------------------------------------------------------

def test_ex01_grad_of_square(ex01):
    for w0 in (5.0, -1.5, 0.0):
        np.testing.assert_allclose(ex01.grad_of_square(w0), 2 * w0, atol=1e-5)
    assert isinstance(ex01.grad_of_square(5.0), float)


def test_ex01_grad_of_polynomial(ex01):
    np.testing.assert_allclose(ex01.grad_of_polynomial([1.0, 2.0, 3.0], 2.0), 14.0, atol=1e-4)
    np.testing.assert_allclose(ex01.grad_of_polynomial([4.0], 1.5), 0.0, atol=1e-6)
    np.testing.assert_allclose(ex01.grad_of_polynomial([0.5, -2.0, 0.0, 1.0], 0.0), -2.0, atol=1e-6)
    coeffs = [0.3, -1.2, 0.7, 0.25, -0.1]
    expected = np.polyval(np.polyder(coeffs[::-1]), -1.3)
    np.testing.assert_allclose(ex01.grad_of_polynomial(coeffs, -1.3), expected, atol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ex01_grad_wrt_constant(ex01, dtype):
    x0 = random(np.random.default_rng(1), (2, 3), dtype)
    grad = ex01.grad_wrt_constant(lambda t: tf.reduce_sum(tf.sin(t) * t), x0)
    assert tuple(grad.shape) == (2, 3)
    x = x0.numpy().astype(np.float64)
    close(grad, np.cos(x) * x + np.sin(x), dtype, scale=10)


def test_ex01_gradient_descent(ex01):
    x = ex01.gradient_descent(lambda t: (t - 3.0) ** 2, 0.0, 0.1, 100)
    np.testing.assert_allclose(x, 3.0, atol=1e-4)
    # One step by hand: x1 = x0 - lr * 2 * (x0 - 3).
    np.testing.assert_allclose(ex01.gradient_descent(lambda t: (t - 3.0) ** 2, 1.0, 0.25, 1),
                               1.0 - 0.25 * 2 * (1.0 - 3.0), atol=1e-6)


# ex02 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_ex02_forward_and_mse(ex02, dtype):
    rng = np.random.default_rng(2)
    x, W, b = random(rng, (7, 3), dtype), random(rng, (3, 2), dtype), random(rng, (2,), dtype)
    out = ex02.linear_forward(x, W, b)
    close(out, x.numpy() @ W.numpy() + b.numpy(), dtype)
    y = random(rng, (7, 2), dtype)
    close(ex02.mse(out, y), np.mean((out.numpy() - y.numpy()) ** 2), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ex02_mse_grads_match_tape_without_a_tape(ex02, dtype, tapes):
    rng = np.random.default_rng(3)
    x, y = random(rng, (7, 3), dtype), random(rng, (7, 2), dtype)
    W, b = tf.Variable(random(rng, (3, 2), dtype)), tf.Variable(random(rng, (2,), dtype))
    dW, db = ex02.mse_grads(x, y, W, b)
    assert tapes["init"] == 0 and tapes["gradient"] == 0
    expected = tape_oracle(lambda w_, b_: tf.reduce_mean((x @ w_ + b_ - y) ** 2),
                           tf.convert_to_tensor(W), tf.convert_to_tensor(b))
    assert np.asarray(dW).dtype == dtype and tuple(dW.shape) == (3, 2) and tuple(db.shape) == (2,)
    close(dW, expected[0], dtype, scale=10)
    close(db, expected[1], dtype, scale=10)


def test_ex02_fit_linear(ex02, monkeypatch):
    rng = np.random.default_rng(4)
    x = tf.constant(rng.normal(size=(40, 3)))
    true_W = rng.normal(size=(3, 2))
    y = x @ true_W + np.array([0.5, -1.0])
    calls = []
    original = tf.keras.optimizers.SGD.apply_gradients

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(tf.keras.optimizers.SGD, "apply_gradients", counting)
    W, b, losses = ex02.fit_linear(x, y, lr=0.2, steps=150)
    assert len(losses) == 150 and len(calls) == 150
    assert isinstance(W, tf.Variable) and isinstance(b, tf.Variable)
    assert tuple(W.shape) == (3, 2) and tuple(b.shape) == (2,)
    np.testing.assert_allclose(W.numpy(), true_W, atol=1e-3)
    np.testing.assert_allclose(b.numpy(), [0.5, -1.0], atol=1e-3)
    assert losses[-1] < 1e-5 < losses[0]
    # losses[i] is measured before step i, so the final parameters do better than losses[-1].
    final = float(np.mean((x.numpy() @ W.numpy() + b.numpy() - y.numpy()) ** 2))
    assert final <= losses[-1]
    _, _, again = ex02.fit_linear(x, y, lr=0.2, steps=150)
    np.testing.assert_allclose(again, losses, atol=1e-12)


# ex03 ------------------------------------------------------------------------------------------

def test_ex03_numerical_gradient(ex03):
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])
    before = x.copy()
    grad = ex03.numerical_gradient(lambda v: float(np.sum(np.sin(v) * v**2)), x)
    np.testing.assert_allclose(grad, np.cos(x) * x**2 + 2 * x * np.sin(x), atol=1e-6)
    np.testing.assert_allclose(x, before, atol=0)


def test_ex03_relative_error(ex03):
    np.testing.assert_allclose(ex03.relative_error(np.array([1.0, 2.0]), np.array([1.0, 3.0])),
                               0.2, atol=1e-12)
    np.testing.assert_allclose(ex03.relative_error(np.zeros(3), np.zeros(3)), 0.0, atol=1e-12)


def test_ex03_tape_gradient_and_check(ex03):
    x = np.random.default_rng(5).normal(size=(3, 2))
    f = lambda t: tf.reduce_sum(tf.exp(0.5 * t) * t)
    grad = ex03.tape_gradient(f, x)
    assert isinstance(grad, np.ndarray) and grad.shape == (3, 2)
    np.testing.assert_allclose(grad, np.exp(0.5 * x) * (1 + 0.5 * x), atol=1e-12)
    assert ex03.gradient_check(f, x) < 1e-7


# ex04 ------------------------------------------------------------------------------------------

def ex04_problem(dtype, seed=6, n=7, d=5, hidden=4, classes=3):
    rng = np.random.default_rng(seed)
    a0 = random(rng, (n, d), dtype)
    y = tf.constant(np.eye(classes, dtype=dtype)[rng.integers(0, classes, n)])
    params = [random(rng, s, dtype) for s in [(d, hidden), (hidden,), (hidden, classes), (classes,)]]
    return a0, y, params


def cost_oracle(a0, y, w1, b1, w2, b2):
    a2 = tf.math.sigmoid(tf.math.sigmoid(a0 @ w1 + b1) @ w2 + b2)
    return tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_ex04_sigmoid(ex04, dtype, tapes):
    z = tf.constant(np.array([-1000.0, -3.0, 0.0, 2.5, 1000.0], dtype=dtype))
    s = np.asarray(ex04.sigmoid(z))
    assert np.all(np.isfinite(s)) and s.dtype == dtype
    close(s, 1 / (1 + np.exp(-np.clip(z.numpy().astype(np.float64), -500, 500))), dtype)
    prime = ex04.sigmoid_prime(z)
    assert tapes["init"] == 0
    expected = tape_oracle(lambda t: tf.reduce_sum(tf.math.sigmoid(t)), z)[0]
    close(prime, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ex04_forward_and_deltas(ex04, dtype, tapes):
    a0, y, (w1, b1, w2, b2) = ex04_problem(dtype)
    z1, a1, z2, a2 = ex04.forward(a0, w1, b1, w2, b2)
    sig = lambda v: 1 / (1 + np.exp(-v))
    z1_np = a0.numpy() @ w1.numpy() + b1.numpy()
    z2_np = sig(z1_np) @ w2.numpy() + b2.numpy()
    for got, want in [(z1, z1_np), (a1, sig(z1_np)), (z2, z2_np), (a2, sig(z2_np))]:
        close(got, want, dtype, scale=10)
    delta2 = ex04.output_delta(z2, a2, y)
    want2 = (sig(z2_np) - y.numpy()) * sig(z2_np) * (1 - sig(z2_np))
    close(delta2, want2, dtype, scale=10)
    delta1 = ex04.hidden_delta(delta2, w2, z1)
    assert tuple(delta1.shape) == (7, 4)
    close(delta1, (want2 @ w2.numpy().T) * sig(z1_np) * (1 - sig(z1_np)), dtype, scale=10)
    assert tapes["init"] == 0 and tapes["gradient"] == 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_ex04_backprop_matches_the_tape(ex04, dtype, tapes):
    a0, y, params = ex04_problem(dtype)
    grads = ex04.backprop(a0, y, *params)
    assert tapes["init"] == 0 and tapes["gradient"] == 0
    expected = tape_oracle(lambda *p: cost_oracle(a0, y, *p), *params)
    seen = tapes["init"]
    taped = ex04.tape_gradients(a0, y, *params)
    assert tapes["init"] > seen   # the counter does see a tape; backprop made none
    for mine, tape, want, p in zip(grads, taped, expected, params):
        assert tuple(mine.shape) == tuple(p.shape) and np.asarray(mine).dtype == dtype
        close(mine, want, dtype, scale=10)
        close(tape, want, dtype, scale=10)


def test_ex04_sgd_update_in_place(ex04):
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (4,), (4, 2), (2,)]
    params = [tf.Variable(rng.normal(size=s)) for s in shapes]
    before = [p.numpy().copy() for p in params]
    grads = [tf.constant(rng.normal(size=s)) for s in shapes]
    ex04.sgd_update(params, grads, 0.3)
    for p, old, g in zip(params, before, grads):
        np.testing.assert_allclose(p.numpy(), old - 0.3 * g.numpy(), atol=1e-12)


def test_ex04_train_on_digits(ex04):
    split = data.load_digits()
    params, history = ex04.train(split.x_train, data.one_hot(split.y_train, 10), epochs=3)
    assert len(history) == 3 and history[-1] < history[0]
    assert [tuple(p.shape) for p in params] == [(64, 30), (30,), (30, 10), (10,)]
    assert all(isinstance(p, tf.Variable) for p in params)
    a2 = ex04.forward(tf.constant(split.x_test), *params)[3].numpy()
    assert np.mean(np.argmax(a2, axis=1) == split.y_test) >= 0.90
    np.testing.assert_allclose(history[-1], float(cost_oracle(
        tf.constant(split.x_train), tf.constant(data.one_hot(split.y_train, 10)), *params)),
        atol=1e-10)


def test_ex04_train_is_seeded_and_keeps_the_dtype(ex04):
    split = data.load_digits("float32")
    x, y = split.x_train[:200], data.one_hot(split.y_train[:200], 10, "float32")
    params, history = ex04.train(x, y, epochs=2, seed=3)
    _, again = ex04.train(x, y, epochs=2, seed=3)
    _, other = ex04.train(x, y, epochs=2, seed=4)
    assert all(p.dtype == tf.float32 for p in params)
    np.testing.assert_allclose(again, history, atol=1e-7)
    assert abs(other[-1] - history[-1]) > 1e-7


# ex05 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_ex05_forward_and_loss(ex05, dtype):
    rng = np.random.default_rng(8)
    x = random(rng, (9, 5), dtype)
    params = [random(rng, s, dtype) for s in [(5, 3), (3,), (3, 1), (1,)]]
    out = ex05.forward_prop(x, *params)
    w1, b1, w2, b2 = (p.numpy() for p in params)
    want = (1 / (1 + np.exp(-(x.numpy() @ w1 + b1)))) @ w2 + b2
    assert tuple(out.shape) == (9, 1)
    close(out, want, dtype, scale=10)
    y = random(rng, (9, 1), dtype)
    close(ex05.loss_fn(y, out), np.mean(0.5 * (y.numpy() - want) ** 2), dtype, scale=10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ex05_train_step(ex05, dtype):
    rng = np.random.default_rng(9)
    x, y = random(rng, (9, 5), dtype), random(rng, (9, 1), dtype)
    start = [random(rng, s, dtype) for s in [(5, 3), (3,), (3, 1), (1,)]]
    params = [tf.Variable(p) for p in start]
    loss_of = lambda *p: tf.reduce_mean(0.5 * (y - (tf.math.sigmoid(x @ p[0] + p[1]) @ p[2] + p[3])) ** 2)
    expected = tape_oracle(loss_of, *start)
    loss = ex05.train_step(x, y, params, 0.5)
    close(loss, loss_of(*start), dtype, scale=10)
    for p, old, g in zip(params, start, expected):
        close(p, old - 0.5 * g, dtype, scale=10)


def test_ex05_train_on_housing(ex05):
    split = data.load_housing()
    params, losses = ex05.train(split.x_train, split.y_train)
    assert len(losses) == 200 and losses[-1] < 0.15 < 0.5 * np.var(split.y_train)
    np.testing.assert_allclose(losses[-1], float(ex05.loss_fn(
        split.y_train, ex05.forward_prop(tf.constant(split.x_train), *params))), atol=1e-12)
    test_loss = float(ex05.loss_fn(split.y_test, ex05.forward_prop(tf.constant(split.x_test), *params)))
    assert test_loss < 0.2
    _, again = ex05.train(split.x_train, split.y_train, epochs=5, batch_size=32, seed=1)
    _, repeat = ex05.train(split.x_train, split.y_train, epochs=5, batch_size=32, seed=1)
    np.testing.assert_allclose(again, repeat, atol=1e-12)
    assert again[-1] < again[0]


# ex06 ------------------------------------------------------------------------------------------

def test_ex06_build_model(ex06):
    model = ex06.build_model(n_features=5, n_classes=4, hidden=7, seed=2)
    assert isinstance(model, tf.keras.Sequential)
    dense = [layer for layer in model.layers if isinstance(layer, tf.keras.layers.Dense)]
    assert [d.units for d in dense] == [7, 4]
    assert [d.activation.__name__ for d in dense] == ["relu", "softmax"]
    assert [tuple(v.shape) for v in model.trainable_variables] == [(5, 7), (7,), (7, 4), (4,)]
    same = ex06.build_model(n_features=5, n_classes=4, hidden=7, seed=2)
    for a, b in zip(model.trainable_variables, same.trainable_variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=0)


def test_ex06_train_step(ex06):
    split = data.load_iris("float32")
    model = ex06.build_model()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()
    before = [v.numpy().copy() for v in model.trainable_variables]
    expected_loss = float(loss_fn(split.y_train, model(split.x_train)))
    with tf.GradientTape() as tape:   # Keras variables are watched like tf.Variables
        oracle_loss = loss_fn(split.y_train, model(split.x_train))
    expected = tape.gradient(oracle_loss, model.trainable_variables)
    loss = ex06.train_step(model, tf.keras.optimizers.SGD(0.1), loss_fn, split.x_train, split.y_train)
    np.testing.assert_allclose(float(loss), expected_loss, atol=1e-6)
    for v, old, g in zip(model.trainable_variables, before, expected):
        np.testing.assert_allclose(v.numpy(), old - 0.1 * g.numpy(), atol=1e-6)


def test_ex06_fit_on_iris(ex06):
    split = data.load_iris("float32")
    model = ex06.build_model()
    losses = ex06.fit(model, split.x_train, split.y_train, epochs=50, lr=0.3)
    assert len(losses) == 50 and losses[-1] < losses[0]
    accuracy = np.mean(np.argmax(model(split.x_test).numpy(), axis=1) == split.y_test)
    assert accuracy >= 0.90
