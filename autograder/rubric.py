"""Points, tolerances and training budgets: the kit's rubric.toml, optionally overlaid by an instructor's.

Precedence: the packaged rubric < an instructor's file (``--rubric FILE`` or $AUTOGRADER_RUBRIC).
Values are validated where they enter; an error names the file and the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from autograder.compare import Tolerance


class RubricError(ValueError):
    pass


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _check_override(base: dict, extra: dict, source: str, path: str = "") -> None:
    """An override may only change keys the kit's rubric has, to values of the same kind."""
    for key, value in extra.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in base:
            raise RubricError(f"{source}: unknown key {where!r} (the kit's rubric has no such entry; a typo?)")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise RubricError(f"{source}: {where} must be a table")
            _check_override(base[key], value, source, where)
        elif isinstance(base[key], (int, float)) and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise RubricError(f"{source}: {where} must be a number, got {value!r}")


@dataclass(frozen=True)
class Rubric:
    data: dict
    sources: tuple = ()

    @classmethod
    def load(cls, override: str | None = None) -> "Rubric":
        text = resources.files("autograder").joinpath("rubric.toml").read_text()
        data = tomllib.loads(text)
        sources = ("autograder/rubric.toml",)
        override = override or os.environ.get("AUTOGRADER_RUBRIC")
        if override:
            try:
                with open(override, "rb") as handle:
                    extra = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise RubricError(f"cannot read rubric {override}: {exc}") from None
            _check_override(data, extra, override)
            data = _merge(data, extra)
            sources += (override,)
        rubric = cls(data, sources)
        rubric.validate()
        return rubric

    def validate(self) -> None:
        for name, tol in self.data.get("tolerance", {}).items():
            for key in ("rtol", "atol"):
                value = tol.get(key)
                if not isinstance(value, (int, float)) or value < 0:
                    raise RubricError(f"tolerance.{name}.{key} must be a number >= 0, got {value!r} "
                                      f"(from {' + '.join(self.sources)})")
        for exercise, table in self.data.items():
            for key, value in table.get("points", {}).items() if isinstance(table, dict) else ():
                if not isinstance(value, (int, float)) or value < 0:
                    raise RubricError(f"{exercise}.points.{key!r} must be a number >= 0, got {value!r} "
                                      f"(from {' + '.join(self.sources)})")

    def tolerance(self, name: str) -> Tolerance:
        try:
            tol = self.data["tolerance"][name]
        except KeyError:
            raise RubricError(f"the rubric has no tolerance.{name}") from None
        return Tolerance(float(tol["rtol"]), float(tol["atol"]))

    def points(self, exercise: str, key: str) -> float:
        try:
            return float(self.data[exercise]["points"][key])
        except KeyError:
            raise RubricError(f"the rubric has no {exercise}.points.{key!r}") from None

    def setting(self, exercise: str, name: str):
        try:
            return self.data[exercise]["settings"][name]
        except KeyError:
            raise RubricError(f"the rubric has no {exercise}.settings.{name}") from None
