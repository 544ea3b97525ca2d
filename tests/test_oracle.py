"""The oracle's memo (oracle.by_value): keyed by values, never by identity; copies out; the shared entries stay."""

import numpy as np

from autograder import oracle
from autograder.checks import ex05_tape_regression, ex06_keras_tape_loop


def counting():
    calls = []

    @oracle.by_value
    def total(x, scale=1.0):
        calls.append(1)
        return [np.asarray(x, dtype=np.float64).sum() * scale, np.asarray(x).copy()]

    return total, calls


def test_the_same_values_are_computed_once_and_each_caller_gets_its_own_copy():
    total, calls = counting()
    x = np.arange(6.0).reshape(2, 3)
    first = total(x)
    first[1][0, 0] = 99.0  # a caller that mutates what it got
    again = total(x.copy())  # equal values in another array
    assert len(calls) == 1 and again[0] == 15.0 and again[1][0, 0] == 0.0


def test_other_values_dtypes_shapes_or_options_are_other_entries():
    total, calls = counting()
    x = np.arange(6.0).reshape(2, 3)
    total(x)
    total(x + 1e-12)
    total(x.astype(np.float32))
    total(x.reshape(3, 2))
    assert total(x, scale=2.0)[0] == 30.0
    assert len(calls) == 5


def test_an_entry_in_use_outlives_many_one_off_values():
    # every submission's fixed inputs hit the same entries; a student's own trajectory values are one-offs
    total, calls = counting()
    shared = np.ones(4)
    total(shared)
    for i in range(200):
        total(np.full(4, float(i + 2)))
        total(shared)
    assert len(calls) == 201
    total.cache_clear()
    total(shared)
    assert len(calls) == 202


def test_the_exercise_oracles_give_what_the_tape_gives_from_the_memo_too():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(9, 5)), rng.normal(size=(9, 2))
    params = rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=2)
    ex05_tape_regression.regression_grads.cache_clear()
    cold = ex05_tape_regression.regression_grads(x, y, *params)
    warm = ex05_tape_regression.regression_grads(x, y, *params)
    assert cold[0] == warm[0] and all(np.array_equal(a, b) for a, b in zip(cold[1], warm[1]))
    labels = rng.integers(0, 2, size=9)
    mean = ex06_keras_tape_loop.sparse_cce_grads(x, labels, *params)
    summed = ex06_keras_tape_loop.sparse_cce_grads(x, labels, *params, reduction="sum")
    assert np.isclose(summed[0], 9 * mean[0])  # the option is part of the key
