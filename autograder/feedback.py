"""Feedback pictures as data: the small, JSON-safe ``extra`` a check attaches to its Verdict.

Checks call these helpers; ``autograder.render.html`` draws what they produce.  Everything here is plain
lists of floats (``None`` for a value that is not finite), strings and numbers, so a
CheckResult's ``extra`` survives JSON and the wire unchanged in meaning.
"""

from __future__ import annotations

import dataclasses

import numpy as np

MAX_CURVE_POINTS = 500  # a longer curve is thinned to every k-th value ("every": k)
MAX_HEATMAP_CELLS = 32  # per side; a bigger array is cropped to its top-left corner


def numbers(values) -> list:
    """A flat list of floats, ``None`` where a value is NaN or infinite."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    return [float(v) if np.isfinite(v) else None for v in flat]


def curve(values, **info) -> dict:
    """{"curve": [...], "every": k, **info}: a training history, thinned to MAX_CURVE_POINTS."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    every = max(1, -(-len(flat) // MAX_CURVE_POINTS))
    return {"curve": numbers(flat[::every]), "every": every, **info}


def grid(values) -> list:
    """A 2-D list of rows (a vector becomes one row), cropped to MAX_HEATMAP_CELLS a side."""
    array = np.asarray(values, dtype=np.float64)
    array = array.reshape(1, -1) if array.ndim < 2 else array.reshape(array.shape[0], -1)
    return [numbers(row) for row in array[:MAX_HEATMAP_CELLS, :MAX_HEATMAP_CELLS]]


def heatmap(name: str, got, expected) -> dict:
    """{"heatmap": {...}} comparing a wrong gradient with the tape's, or {} when shapes differ."""
    try:
        got_array, want_array = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):  # not numbers (None, a ragged tuple, an object)
        return {}
    if got_array.shape != want_array.shape or got_array.size == 0:
        return {}
    return {"heatmap": {"name": name, "shape": list(want_array.shape), "got": grid(got_array),
                        "expected": grid(want_array)}}


def attach(verdict, extra: dict):
    """The verdict with ``extra`` merged into its own (verdicts are frozen: a new one)."""
    if not extra:
        return verdict
    return dataclasses.replace(verdict, extra={**verdict.extra, **extra})
