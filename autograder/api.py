"""The kit's public entry points for code (scripts, notebooks, tools): the pipeline in one call.

The stages themselves live in autograder.pipeline; this module keeps the names callers import.
"""

from __future__ import annotations

from autograder.engine import default_workers
from autograder.pipeline import grade_paths, selected_exercises

__all__ = ["default_workers", "grade_paths", "selected_exercises"]
