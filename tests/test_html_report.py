"""The HTML feedback page: the extras the checks attach, the page itself, and the page in headless Chromium."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import struct
import subprocess
import sys
import types
import zlib
from pathlib import Path

import numpy as np
import pytest

from autograder import feedback, grade
from autograder.sandbox import wire
from autograder.render import html as html_report
from autograder.checks.framework import Learner
from autograder.checks import all_exercises
from autograder.records import CheckResult, Report
from autograder.rubric import Rubric
from autograder.sandbox import InProcess

ROOT = Path(__file__).resolve().parent.parent
EX02 = "ex02_chain_rule"


def load_solution(name: str):
    spec = importlib.util.spec_from_file_location(f"reference_{name}", ROOT / "solutions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate(namespace, exercise: str, key: str) -> CheckResult:
    """One check on functions living in this process (run.InProcess): fast, and the same checks."""
    exercise = all_exercises()[exercise]
    check = next(c for c in exercise.checks if c.key == key)
    return grade.evaluate(exercise, check, Learner(InProcess(namespace)), Rubric.load())


@pytest.fixture(scope="module")
def graded():
    """Real results with extras: a wrong mse_grads (the factor 2 forgotten) and the reference fit_linear."""
    solution = load_solution(EX02)

    def mse_grads_missing_2(x, y_true, W, b):
        dW, db = solution.mse_grads(x, y_true, W, b)
        return dW / 2, db / 2

    wrong = types.ModuleType("submission")
    wrong.__dict__.update(vars(solution))
    wrong.mse_grads = mse_grads_missing_2
    return {"wrong_grads": evaluate(wrong, EX02, "mse_grads:float64-batch9"),
            "fit": evaluate(solution, EX02, "fit_linear:converges"),
            "right_grads": evaluate(solution, EX02, "mse_grads:float64-batch9")}


def test_a_wrong_gradient_carries_a_small_heat_map(graded):
    wrong = graded["wrong_grads"]
    assert not wrong.passed
    heat = wrong.extra["heatmap"]
    assert heat["name"] == "dW" and heat["shape"] == [4, 3]
    np.testing.assert_allclose(np.array(heat["got"]) * 2, np.array(heat["expected"]))
    assert graded["right_grads"].passed and "heatmap" not in graded["right_grads"].extra


def test_a_training_check_carries_the_curve_and_its_threshold(graded):
    fit = graded["fit"]
    assert fit.passed
    curve = fit.extra["curve"]
    assert len(curve) == int(Rubric.load().setting(EX02, "fit_steps")) and curve[-1] < curve[0]
    assert fit.extra["threshold"] > 0 and fit.extra["ylabel"] == "mse"


def test_extra_survives_json_and_the_wire(graded):
    for result in graded.values():
        again = CheckResult(**json.loads(json.dumps(dataclasses.asdict(result), allow_nan=False)))
        assert again == result
        decoded = wire.loads(wire.dumps(result.extra))  # lists come back as tuples: the page takes either
        assert html_report.render(Report(results=(dataclasses.replace(result, extra=decoded),)))
    assert CheckResult("ex", "f", "f:x", "d", 1.0, 1.0).extra == {}


def test_non_finite_values_become_gaps_not_invalid_json():
    extra = {**feedback.curve([3.0, float("nan"), 1.0, float("inf")]), **feedback.heatmap("db", [np.nan, 1.0], [1.0, 1.0])}
    assert extra["curve"] == [3.0, None, 1.0, None]
    json.dumps(extra, allow_nan=False)
    result = CheckResult(EX02, "fit_linear", "fit_linear:converges", "d", 1.0, 0.0, "diverged", extra=extra)
    page = html_report.render(Report(results=(result,)))
    assert "gaps: NaN or infinite values" in page and "NaN/inf" in page


def test_a_loss_near_the_largest_float_is_drawn_not_a_crash():
    # a log-scale axis padded past 1e308 once overflowed 10 ** value (and stopped a batch)
    extra = feedback.curve([1e308, 1e300, 1e2, 1.0])
    result = CheckResult(EX02, "fit_linear", "fit_linear:converges", "d", 1.0, 0.0, "diverged", extra=extra)
    page = html_report.render(Report(results=(result,)))
    assert "(log scale)" in page and "<polyline" in page


def test_reference_curves_are_current(graded):
    """The recorded curves match solutions/ and the rubric (fingerprints), and ex02's matches a fresh run."""
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "record_reference_curves.py"), "--check"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    recorded = html_report.load_reference_curves()[f"{EX02}/fit_linear:converges"]["curve"]
    np.testing.assert_allclose(recorded, graded["fit"].extra["curve"], rtol=1e-5)


def page_for(graded) -> str:
    hostile = CheckResult(EX02, "mse", "mse:float64", "mean over all elements (float64)", 1.0, 0.0,
                          "<script>alert('x')</script> & friends")
    report = Report(results=(graded["right_grads"], graded["wrong_grads"], hostile, graded["fit"]),
                    problems=("ex07_unknown.py: <b>not an exercise</b>",))
    return html_report.render(report)


def test_the_page_is_self_contained_and_escapes_messages(graded):
    page = page_for(graded)
    assert "<script" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no external asset
    assert "https://" not in page and "<link" not in page and "<img" not in page
    assert page.count("<svg") == 4  # one curve, three heat-map panels
    assert html_report.STUDENT in page and html_report.REFERENCE in page and html_report.THRESHOLD in page


# ---------------------------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------------------------


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def decode_png(data: bytes) -> np.ndarray:
    """Pixels of an 8-bit, non-interlaced RGB/RGBA PNG (what Chromium writes), as (height, width, channels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0 and color in (2, 6), f"unexpected PNG format {header}"
    bpp = 3 if color == 2 else 4
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for r in range(height):
        kind, line = raw[r, 0], raw[r, 1:].copy()
        if kind == 1:  # Sub: a running sum per channel
            line = (np.cumsum(line.reshape(width, bpp).astype(np.int64), axis=0) % 256).astype(np.uint8).reshape(-1)
        elif kind == 2:  # Up
            line = line + prev
        elif kind in (3, 4):  # Average, Paeth: sequential along the row
            cur, up = bytearray(line.tobytes()), prev.tobytes()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = up[i]
                if kind == 3:
                    cur[i] = (cur[i] + ((a + b) >> 1)) & 255
                    continue
                c = up[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
            line = np.frombuffer(bytes(cur), dtype=np.uint8)
        out[r] = line
        prev = out[r]
    return out.reshape(height, width, bpp)[:, :, :3]


def run_chromium(*args, user_dir: Path):
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-dev-shm-usage", f"--user-data-dir={user_dir}", *args],
                          check=False, capture_output=True, text=True, timeout=180)


@pytest.mark.skipif(chromium() is None, reason="headless Chromium is not installed (Debian: apt-get install chromium)")
def test_the_page_renders_with_its_plots_in_headless_chromium(graded, tmp_path):
    page = tmp_path / "feedback.html"
    page.write_text(page_for(graded), encoding="utf-8")
    url = page.as_uri()

    shot = tmp_path / "out.png"
    done = run_chromium(f"--screenshot={shot}", "--window-size=1200,2000", "--hide-scrollbars", url,
                        user_dir=tmp_path / "profile1")
    assert shot.exists(), done.stderr[-2000:]
    pixels = decode_png(shot.read_bytes())
    assert pixels.shape[:2] == (2000, 1200)
    background = np.array([0xfb, 0xfb, 0xfd])
    assert np.mean(np.any(pixels != background, axis=2)) > 0.03, "the screenshot is (nearly) blank"
    curve_blue = np.array([0x1c, 0x7e, 0xd6])
    assert np.sum(np.all(np.abs(pixels.astype(int) - curve_blue) <= 12, axis=2)) > 100, "no training curve drawn"
    assert np.sum((pixels[:, :, 0] > 200) & (pixels[:, :, 1] < 140) & (pixels[:, :, 2] < 150)) > 200, "no heat map"

    done = run_chromium("--enable-logging=stderr", "--v=0", "--dump-dom", url, user_dir=tmp_path / "profile2")
    dom = done.stdout
    assert "Uncaught" not in done.stderr and "Uncaught" not in dom
    assert dom.count("<svg") == 4 and dom.count("<polyline") >= 2 and "<rect" in dom
    assert "ex02.mse_grads" in dom and "your dW" in dom
