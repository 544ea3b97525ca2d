"""The one comparison policy: float64, ``|got - want| <= atol + rtol * |want|``, shapes and NaN explained.

Every value from a learner arrives here already converted to plain float64 ndarrays; nothing
here calls a method or operator of a learner-built object.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


def as_array(value):
    """A plain float64 ndarray from a decoded learner value, or None if it is not numbers."""
    if value is None or isinstance(value, (str, dict)):
        return None
    if isinstance(value, tuple):
        if any(not isinstance(item, (float, int, np.ndarray)) for item in value):
            return None
        try:
            return np.array([np.asarray(item, dtype=np.float64) for item in value], dtype=np.float64)
        except ValueError:
            return None
    return np.array(value, dtype=np.float64)


def as_series(value):
    """A 1-D float64 array from a history/losses value: a list of numbers, of 1-element tensors, or an array."""
    array = as_array(value)
    if array is None:
        return None
    if array.ndim > 1 and all(n == 1 for n in array.shape[1:]):
        array = array.reshape(array.shape[0])
    return array


def describe(value) -> str:
    """A short phrase for what came back: 'None', 'a float', 'an array of shape (3, 2)', ..."""
    if value is None:
        return "None"
    if isinstance(value, float):
        return f"the number {value:.6g}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} items"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _fmt_index(index) -> str:
    return "" if index == () else "[" + ", ".join(str(int(i)) for i in index) + "]"


# How far float32 arithmetic strays from the float64 answer; a float64 check that fails by no more
# than this was computed in float32 somewhere.
FLOAT32_ROUNDING = Tolerance(rtol=1e-5, atol=1e-7)
FLOAT32_PRECISION = ("The error is the size of float32 rounding: with float64 inputs this usually means something "
                     "in the function computes in float32 (tf.cast or np.float32 to a fixed dtype, a Keras loss or "
                     "layer in its default float32); keep the inputs' dtype")


def mismatch(got, want, tol: Tolerance, scalar: bool = False) -> str | None:
    """None when ``got`` matches ``want`` within ``tol``; otherwise a sentence saying how it differs."""
    want = np.asarray(want, dtype=np.float64)
    array = as_array(got)
    if array is None:
        return f"expected {'a number' if scalar else f'an array of shape {want.shape}'}, got {describe(got)}"
    if scalar:
        if array.size != 1:
            return f"expected a single number, got an array of shape {array.shape}"
        array = array.reshape(())
        want = want.reshape(())
    elif array.shape != want.shape:
        return f"expected shape {want.shape}, got shape {array.shape}"
    finite = np.isfinite(array)
    if not finite.all() and np.isfinite(want).all():
        index = np.unravel_index(int(np.argmin(finite)), array.shape) if array.ndim else ()
        return f"contains {array[index]} at {_fmt_index(index) or 'the result'} (expected {want[index]:.6g})"
    error = np.abs(array - want)
    allowed = tol.atol + tol.rtol * np.abs(want)
    if np.all(error <= allowed):
        return None
    index = np.unravel_index(int(np.argmax(error - allowed)), array.shape) if array.ndim else ()
    norm_rel = float(np.linalg.norm(array - want) / max(np.linalg.norm(want), 1e-300))
    where = f" at {_fmt_index(index)}" if index != () else ""
    # enough digits that the two numbers shown differ (a 1e-8 slip is invisible at 6 digits)
    digits = 6 if error[index] > 1e-5 * abs(want[index]) else 12
    text = (f"got {array[index]:.{digits}g}{where}, expected {want[index]:.{digits}g} "
            f"(max abs error {float(error.max()):.3g}, norm-relative error {norm_rel:.3g}, "
            f"allowed {tol.atol:g} + {tol.rtol:g}*|expected|)")
    if tol.rtol < 1e-7 and np.all(error <= FLOAT32_ROUNDING.atol + FLOAT32_ROUNDING.rtol * np.abs(want)):
        text += f". {FLOAT32_PRECISION}"
    return text


def close(got, want, tol: Tolerance, scalar: bool = False) -> bool:
    return mismatch(got, want, tol, scalar) is None


def diagnose(got, mistakes: dict, tol: Tolerance, scalar: bool = False) -> str | None:
    """The name of the first known mistake whose output ``got`` matches, if any."""
    for name, wrong in mistakes.items():
        try:
            if close(got, wrong, tol, scalar):
                return name
        except (ValueError, TypeError):
            continue
    return None
