"""The comparison policy: tolerances, shapes, NaN, scalars, and named mistakes."""

import numpy as np

from autograder.compare import Tolerance, as_array, as_series, diagnose, mismatch

TIGHT = Tolerance(rtol=1e-6, atol=1e-9)


def test_close_values_pass_and_far_values_say_where():
    want = np.arange(6.0).reshape(2, 3)
    assert mismatch(want + 1e-12, want, TIGHT) is None
    got = want.copy()
    got[1, 2] += 0.5
    message = mismatch(got, want, TIGHT)
    assert "at [1, 2]" in message and "max abs error 0.5" in message


def test_float32_tolerance_accepts_float32_rounding_but_not_a_wrong_factor():
    want = np.random.default_rng(0).normal(size=(7, 5))
    loose = Tolerance(rtol=2e-3, atol=1e-5)
    assert mismatch(want.astype(np.float32), want, loose) is None
    assert mismatch(want * 7, want, loose) is not None


def test_shape_mismatch_is_a_message_not_a_crash():
    assert "expected shape (3,), got shape (1, 3)" in mismatch(np.ones((1, 3)), np.ones(3), TIGHT)
    assert "got None" in mismatch(None, np.ones(3), TIGHT)


def test_nan_is_reported():
    got = np.array([1.0, np.nan])
    assert "nan" in mismatch(got, np.array([1.0, 2.0]), TIGHT)


def test_scalars_accept_any_single_number():
    assert mismatch(np.array([[2.0]]), 2.0, TIGHT, scalar=True) is None
    assert mismatch(2.0, 2.0, TIGHT, scalar=True) is None
    assert "single number" in mismatch(np.ones(2), 2.0, TIGHT, scalar=True)


def test_diagnose_names_the_first_matching_mistake():
    want = np.ones(3)
    assert diagnose(want * 5, {"sign": -want, "times n": want * 5}, TIGHT) == "times n"
    assert diagnose(want * 3, {"sign": -want}, TIGHT) is None


def test_series_flattens_lists_of_one_element_arrays():
    assert as_series((np.array([1.0]), np.array([2.0]))).shape == (2,)
    assert as_array(("a",)) is None
