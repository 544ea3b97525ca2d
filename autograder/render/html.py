"""The feedback page: one self-contained HTML file (inline CSS and SVG, no script) for a Report.

Scores per exercise, every failing check's message, and pictures where they say more than a
sentence: a training curve against the reference solution's (recorded in
``reference_curves.json`` by ``tools/record_reference_curves.py``) with the rubric's threshold,
and, for a wrong gradient, heat maps of the learner's values, the tape's, and their difference.
The pictures come from each CheckResult's ``extra`` (see ``autograder.feedback``).
"""

from __future__ import annotations

import functools
import json
import math
from html import escape
from importlib import resources

from autograder.records import ExerciseScore, Report
from autograder.render import fmt_points

REFERENCE_FILE = "reference_curves.json"

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; margin: 2em auto;
       max-width: 1100px; padding: 0 1.5em; background: #fbfbfd; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #d8dbe3; padding-bottom: .2em; }
.total { font-size: 1.3em; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .6em 0; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #e6e8ee; vertical-align: top; }
th { background: #eef0f5; }
table.checks { table-layout: fixed; } table.checks col.mark { width: 2em; } table.checks col.fn { width: 13em; }
table.checks col.pts { width: 5em; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.bar { background: #e6e8ee; border-radius: 3px; height: .8em; width: 12em; overflow: hidden; }
.bar span { display: block; height: 100%; background: #2f9e44; }
.pass { color: #2f7d32; } .part { color: #c77700; } .fail { color: #c92a2a; }
tr.message td { border-bottom: 1px solid #e6e8ee; padding-top: 0; }
pre { white-space: pre-wrap; margin: 0; font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; background: #fff4f4;
      border-left: 3px solid #c92a2a; padding: .4em .6em; }
.problems { background: #fff4f4; border: 1px solid #f0b4b4; padding: .6em 1em; }
figure { display: inline-block; margin: 1em 1.5em 1em 0; vertical-align: top; }
figcaption { font-size: .9em; color: #4a5263; max-width: 600px; }
svg text { font: 11px system-ui, sans-serif; fill: #4a5263; }
.legend { font-size: .85em; }
.swatch { display: inline-block; width: 1.6em; height: 0; border-top: 3px solid; vertical-align: middle; margin: 0 .3em 0 .8em; }
"""

STUDENT, REFERENCE, THRESHOLD = "#1c7ed6", "#868e96", "#e03131"


@functools.lru_cache(maxsize=1)
def load_reference_curves() -> dict:
    """The kit's recorded reference curves: "exercise/check_id" -> {"curve": [...], "every": k}."""
    try:
        text = resources.files("autograder").joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return json.loads(text).get("curves", {})


def render(report: Report, curves: dict | None = None, title: str = "backprop-kit feedback") -> str:
    """The whole page.  ``curves``: reference curves by "exercise/check_id" (default: the kit's recorded ones)."""
    curves = load_reference_curves() if curves is None else curves
    parts = [(f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
              f"<style>{CSS}</style></head><body>"), f"<h1>{escape(title)}</h1>",
             f"<p class=\"total\">Total: {fmt_points(report.score)}/{fmt_points(report.max_score)} points</p>"]
    if report.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in report.problems)
        parts.append(f"<div class=\"problems\"><strong>Could not be graded:</strong><ul>{items}</ul></div>")
    grouped = report.by_exercise()
    parts.append(_score_table(report.scores))
    for exercise in report.scores:
        parts.append(_exercise_section(exercise, grouped[exercise.exercise], curves))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _score_table(scores) -> str:
    rows = []
    for e in scores:
        share = 100.0 * e.points / e.possible if e.possible else 100.0
        status = e.status.value  # the CSS classes are the Status values
        rows.append(f"<tr><td><a href=\"#{escape(e.exercise)}\">{escape(e.exercise)}</a></td>"
                    f"<td class=\"num {status}\">{fmt_points(e.points)}/{fmt_points(e.possible)}</td>"
                    f"<td><div class=\"bar\"><span style=\"width:{share:.1f}%\"></span></div></td>"
                    f"<td class=\"num\">{e.passing} of {e.checks} checks pass</td></tr>")
    return ("<table class=\"scores\"><tr><th>exercise</th><th>points</th><th></th><th>checks</th></tr>"
            + "".join(rows) + "</table>")


def _exercise_section(score: ExerciseScore, results: list, curves: dict) -> str:
    exercise = score.exercise
    rows = []
    figures = {}  # one curve and one heat map per function: the first check that has one
    for r in results:
        status = r.status.value
        mark = {"pass": "✓", "part": "◐", "fail": "✗"}[status]
        rows.append(f"<tr><td class=\"{status}\">{mark}</td><td><code>{escape(r.function)}</code></td>"
                    f"<td>{escape(r.description)}</td><td class=\"num {status}\">{fmt_points(r.score)}/{fmt_points(r.points)}</td></tr>")
        if r.message and not r.passed:
            rows.append(f"<tr class=\"message\"><td></td><td colspan=\"3\"><pre>{escape(r.message)}</pre></td></tr>")
        extra = r.extra or {}
        if extra.get("curve") and (r.function, "curve") not in figures:
            reference = curves.get(f"{r.exercise}/{r.check_id}")
            figures[r.function, "curve"] = curve_figure(r, extra, reference)
        if isinstance(extra.get("heatmap"), dict) and (r.function, "heatmap") not in figures:
            figures[r.function, "heatmap"] = heatmap_figure(r, extra["heatmap"])
    return (f"<section id=\"{escape(exercise)}\"><h2>{escape(exercise)}: {fmt_points(score.points)}/{fmt_points(score.possible)} points</h2>"
            "<table class=\"checks\"><colgroup><col class=\"mark\"><col class=\"fn\"><col><col class=\"pts\">"
            "</colgroup><tr><th></th><th>function</th><th>check</th><th>points</th></tr>"
            + "".join(rows) + "</table>" + "".join(figures.values()) + "</section>")


# ---------------------------------------------------------------------------------------------
# A training curve
# ---------------------------------------------------------------------------------------------


def _points(values, every) -> list:
    """[(x, y)] with y None where the value is missing (a gap in the line)."""
    every = int(every or 1)
    out = []
    for i, v in enumerate(values or ()):
        y = float(v) if isinstance(v, (int, float)) and math.isfinite(float(v)) else None
        out.append((i * every, y))
    return out


def curve_figure(result, extra: dict, reference: dict | None) -> str:
    mine = _points(extra.get("curve"), extra.get("every"))
    theirs = _points(reference.get("curve"), reference.get("every")) if reference else []
    threshold = extra.get("threshold")
    threshold = float(threshold) if isinstance(threshold, (int, float)) and math.isfinite(threshold) else None
    ys = [y for _, y in mine + theirs if y is not None] + ([threshold] if threshold is not None else [])
    label = extra.get("ylabel", "loss")
    number = result.exercise.split("_", 1)[0]
    caption = [f"<strong>{escape(number)}.{escape(result.function)}</strong>: {escape(label)} per epoch / step"]
    if isinstance(extra.get("accuracy"), (int, float)):
        caption.append(f"test accuracy {extra['accuracy']:.3f} (needs ≥ {float(extra.get('accuracy_threshold', 0)):.2f})")
    if not ys:
        return (f"<figure class=\"curve\"><figcaption>{'; '.join(caption)}: the curve has no finite values "
                f"(NaN or infinite: the training diverged)</figcaption></figure>")
    svg = _line_chart(mine, theirs, threshold, label)
    legend = [f"<span class=\"swatch\" style=\"border-color:{STUDENT}\"></span>your curve"]
    if theirs:
        legend.append(f"<span class=\"swatch\" style=\"border-top:5px dashed {REFERENCE};opacity:.45\"></span>"
                      "reference solution")
    else:
        caption.append("no reference curve recorded")
    if threshold is not None:
        legend.append(f"<span class=\"swatch\" style=\"border-color:{THRESHOLD};border-top-style:dotted\"></span>"
                      f"the check's threshold ({threshold:.4g})")
    if any(y is None for _, y in mine):
        caption.append("gaps: NaN or infinite values")
    return (f"<figure class=\"curve\">{svg}<figcaption>{'; '.join(caption)}<br><span class=\"legend\">"
            f"{''.join(legend)}</span></figcaption></figure>")


def _line_chart(mine, theirs, threshold, label, width=560, height=260) -> str:
    left, right, top, bottom = 64, 14, 12, 34
    ys = [y for _, y in mine + theirs if y is not None] + ([threshold] if threshold is not None else [])
    xs = [x for x, _ in mine + theirs] or [0]
    log = min(ys) > 0 and max(ys) / min(ys) > 100
    tf = math.log10 if log else (lambda v: v)
    lo, hi = tf(min(ys)), tf(max(ys))
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5 * (abs(lo) or 1.0), hi + 0.5 * (abs(hi) or 1.0)
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    x_max = max(max(xs), 1)

    def px(x):
        return left + (width - left - right) * x / x_max

    def py(y):
        return top + (height - top - bottom) * (1 - (tf(y) - lo) / (hi - lo))

    out = [(f"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"{width}\" height=\"{height}\" "
            f"viewBox=\"0 0 {width} {height}\" role=\"img\"><title>{escape(label)} curve</title>"),
           (f"<rect x=\"{left}\" y=\"{top}\" width=\"{width - left - right}\" height=\"{height - top - bottom}\" "
            "fill=\"#ffffff\" stroke=\"#c9ced8\"/>")]
    for k in range(5):
        value = lo + (hi - lo) * k / 4
        y = top + (height - top - bottom) * (1 - k / 4)
        shown = 10 ** min(value, 308.0) if log else value  # a loss near float64's top must not overflow the axis
        out.append(f"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" stroke=\"#eef0f5\"/>"
                   f"<text x=\"{left - 6}\" y=\"{y + 4:.1f}\" text-anchor=\"end\">{shown:.3g}</text>")
    for x in sorted({0, x_max // 2, x_max}):
        out.append(f"<text x=\"{px(x):.1f}\" y=\"{height - bottom + 16}\" text-anchor=\"middle\">{x}</text>")
    out.append(f"<text x=\"{(left + width - right) / 2:.0f}\" y=\"{height - 4}\" text-anchor=\"middle\">epoch / step"
               f"{' (log scale)' if log else ''}</text>")
    if threshold is not None:
        out.append(f"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{py(threshold):.1f}\" y2=\"{py(threshold):.1f}\" "
                   f"stroke=\"{THRESHOLD}\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>")
    # the reference is drawn wide and pale underneath, so it shows even where the curves coincide
    for points, color, style in ((theirs, REFERENCE, "stroke-width=\"5\" stroke-opacity=\"0.45\" stroke-dasharray=\"8 4\""),
                                 (mine, STUDENT, "stroke-width=\"2\"")):
        for run in _runs(points):
            coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in run)
            out.append(f"<polyline fill=\"none\" stroke=\"{color}\" {style} points=\"{coords}\"/>")
            if len(points) <= 30:
                out.extend(f"<circle cx=\"{px(x):.1f}\" cy=\"{py(y):.1f}\" r=\"3\" fill=\"{color}\"/>" for x, y in run)
    out.append("</svg>")
    return "".join(out)


def _runs(points) -> list:
    """The stretches of a curve without missing values."""
    runs, current = [], []
    for x, y in points:
        if y is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((x, y))
    if current:
        runs.append(current)
    return runs


# ---------------------------------------------------------------------------------------------
# A wrong gradient as heat maps
# ---------------------------------------------------------------------------------------------


def heatmap_figure(result, heat: dict) -> str:
    got, want = heat.get("got") or [], heat.get("expected") or []
    name = str(heat.get("name", "gradient"))
    diff = [[(g - w) if isinstance(g, (int, float)) and isinstance(w, (int, float)) else None
             for g, w in zip(row_g, row_w)] for row_g, row_w in zip(got, want)]
    scale = max([abs(v) for row in got + want for v in row if isinstance(v, (int, float))] or [1.0]) or 1.0
    diff_scale = max([abs(v) for row in diff for v in row if v is not None] or [1.0]) or 1.0
    number = result.exercise.split("_", 1)[0]
    shape = "×".join(str(n) for n in heat.get("shape", ())) or "?"
    panels = "".join(
        f"<div style=\"display:inline-block;margin-right:1em;vertical-align:top\">{_grid(rows, s, caption)}</div>"
        for rows, s, caption in ((got, scale, f"your {name}"), (want, scale, f"the tape's {name}"),
                                 (diff, diff_scale, "yours − tape's")))
    return (f"<figure class=\"heatmap\">{panels}<figcaption><strong>{escape(number)}.{escape(result.function)}</strong>: "
            f"where your {escape(name)} ({escape(shape)}) differs from the tape's. Blue is negative, red positive; "
            f"the first two share a colour scale (±{scale:.3g}), the difference has its own (±{diff_scale:.3g}). "
            "Grey: not a number. Hover a cell for its value.</figcaption></figure>")


def _color(value, scale) -> str:
    if value is None:
        return "#adb5bd"
    t = max(-1.0, min(1.0, value / scale))
    if t >= 0:  # white -> red
        return f"rgb(255,{int(255 - 190 * t)},{int(255 - 200 * t)})"
    return f"rgb({int(255 + 200 * t)},{int(255 + 130 * t)},255)"  # white -> blue


def _grid(rows, scale, caption, cell=None) -> str:
    n_rows, n_cols = len(rows), max((len(r) for r in rows), default=0)
    cell = cell or max(10, min(28, 240 // max(n_cols, 1)))
    width, height = max(n_cols * cell, 7 * len(caption)), n_rows * cell + 18
    out = [(f"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heat\" width=\"{width}\" height=\"{height}\" "
            f"viewBox=\"0 0 {width} {height}\" role=\"img\"><title>{escape(caption)}</title>")]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            text = "NaN/inf" if value is None else f"{value:.6g}"
            out.append(f"<rect x=\"{j * cell}\" y=\"{i * cell}\" width=\"{cell}\" height=\"{cell}\" "
                       f"fill=\"{_color(value, scale)}\" stroke=\"#ffffff\"><title>[{i}, {j}] {text}</title></rect>")
    out.append(f"<text x=\"0\" y=\"{n_rows * cell + 13}\">{escape(caption)}</text></svg>")
    return "".join(out)
