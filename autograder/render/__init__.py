"""Renderers: a scored Report in, text out; they add nothing up and decide nothing.

``text`` (``autograder grade`` and batch's report.txt), ``compact`` (``autograder check``),
``gradescope`` (results.json), ``html`` (the feedback page) and ``notebook`` (an nbgrader test
cell) all print points with ``fmt_points``.
"""

from __future__ import annotations

import math


def fmt_points(x: float) -> str:
    """Points as people read them: at most two decimals, rounded down, no trailing zeros (6.33, 7, 0.5).

    Rounded down so that a score just short of full marks never prints as full marks.  Every
    report (terminal, notebook, HTML, self-check) uses this one formatter.
    """
    hundredths = math.floor(float(x) * 100 + 1e-6)  # the 1e-6 absorbs float noise: 0.29 * 100 = 28.999...
    text = f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
