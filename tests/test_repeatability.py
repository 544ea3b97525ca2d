"""Grading the same submission again gives the same result, to the last point (three runs each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import api

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = [ROOT / "solutions"] + [ROOT / "tests" / "submissions" / name for name in (
    "ex04_manual_backprop/sigmoid_prime_returns_sigmoid.py",
    "ex04_manual_backprop/train_only_output_layer.py",
    "ex02_chain_rule/fit_linear_loss_after_step.py",
    "ex03_gradient_check/forward_difference.py",
    "ex05_tape_regression/train_step_b2_uses_b1_grad.py",
    "ex06_keras_tape_loop/fit_adam_optimizer.py",
)]


def fingerprint(report):
    return [(r.name, r.score, r.message) for r in report.results]


@pytest.mark.parametrize("subject", SUBJECTS, ids=[p.stem for p in SUBJECTS])
def test_three_gradings_agree(subject, tmp_path):
    if subject.is_file():
        if not subject.exists():
            pytest.fail(f"missing corpus file {subject}")
        target = tmp_path / f"{subject.parent.name}.py"
        shutil.copy(subject, target)
        subject = target
    runs = [fingerprint(api.grade_paths([str(subject)])) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    if subject.name == "solutions":
        assert all(score == max_score for (_, score, _), max_score in
                   zip(runs[0], [r.points for r in api.grade_paths([str(subject)]).results]))
