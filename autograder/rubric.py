"""Points, tolerances and training budgets: the kit's rubric.toml, optionally overlaid by an instructor's.

Precedence: the packaged rubric < an instructor's file (``--rubric FILE`` or $AUTOGRADER_RUBRIC).
Values are validated where they enter; an error names the file and the key.

Besides points and tolerances the rubric says what an assignment is: ``[assignment] exercises``
(a subset of the kit's exercises, scored out of its own points) and ``[hidden] checks`` (graded,
but left out of the student's self-check and shown in Gradescope only after the due date).
"""

from __future__ import annotations

import os
import pkgutil
from dataclasses import dataclass, field
from functools import cached_property
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
        elif isinstance(base[key], list) and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise RubricError(f"{source}: {where} must be a list of strings, got {value!r}")
        elif isinstance(base[key], str) and not isinstance(value, str):
            raise RubricError(f"{source}: {where} must be a string, got {value!r}")


VISIBILITIES = ("after_due_date", "after_published", "hidden")  # Gradescope's, for a hidden check


def exercise_names() -> list:
    """The kit's exercises by module name (exNN_topic), without importing their checks (and TensorFlow)."""
    from autograder import checks

    return sorted(i.name for i in pkgutil.iter_modules(checks.__path__)
                  if i.name.startswith("ex") and i.name[2:4].isdigit())


def resolve_exercise(name: str, where: str) -> str:
    """"ex04" or "ex04_manual_backprop" -> "ex04_manual_backprop"; anything else is a RubricError naming ``where``."""
    known = exercise_names()
    wanted = str(name).strip().lower()
    for full in known:
        if wanted in (full, full.split("_", 1)[0]):
            return full
    raise RubricError(f"{where}: unknown exercise {name!r}; the kit's exercises are "
                      f"{', '.join(known)} (a number such as {known[0].split('_', 1)[0]} also works)")


def resolve_exercises(names, where: str) -> tuple:
    """The exercises named (numbers or full names, duplicates dropped) in the kit's order."""
    chosen = {resolve_exercise(n, where) for n in names if str(n).strip()}
    if not chosen:
        raise RubricError(f"{where}: no exercise named (give one or more of {', '.join(exercise_names())})")
    return tuple(n for n in exercise_names() if n in chosen)


@dataclass(frozen=True)
class Rubric:
    data: dict
    sources: tuple = ()
    override: dict = field(default_factory=dict, compare=False, repr=False)  # the instructor's file as read

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
        rubric = cls(data, sources, extra if override else {})
        rubric.validate()
        return rubric

    def origin(self, section: str, key: str) -> str:
        """The file a value came from: the instructor's when it sets it, else the kit's."""
        if len(self.sources) > 1 and key in (self.override.get(section) or {}):
            return self.sources[-1]
        return self.sources[0] if self.sources else "the rubric"

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
        self.exercises()  # each raises, naming the file and key, on a name the kit does not know
        self.hidden_keys()
        visibility = self.hidden_visibility
        if visibility not in VISIBILITIES:
            raise RubricError(f"{self.origin('hidden', 'visibility')}: hidden.visibility must be one of "
                              f"{', '.join(map(repr, VISIBILITIES))}, got {visibility!r}")

    # -- what the assignment is ---------------------------------------------------------------

    def exercises(self) -> tuple:
        """The assignment's exercises (full names, the kit's order): [assignment] exercises, or all."""
        names = (self.data.get("assignment") or {}).get("exercises") or []
        if not names:
            return tuple(exercise_names())
        return resolve_exercises(names, f"{self.origin('assignment', 'exercises')}: assignment.exercises")

    def hidden_keys(self) -> frozenset:
        """(exercise, check key) of every hidden check."""
        return self._hidden

    @cached_property  # asked once per check by the self-check; the rubric never changes after load
    def _hidden(self) -> frozenset:
        entries = (self.data.get("hidden") or {}).get("checks") or []
        if not entries:
            return frozenset()
        from autograder.checks import all_exercises  # only now: importing the checks imports TensorFlow

        source = self.origin("hidden", "checks")
        found = set()
        for index, entry in enumerate(entries):
            where = f"{source}: hidden.checks[{index}] {entry!r}"
            exercise_part, slash, check_part = str(entry).partition("/")
            if not slash or not check_part:
                raise RubricError(f"{where}: write \"exercise/function:case\" or \"exercise/function\", "
                                  "e.g. \"ex04_manual_backprop/train:deterministic\"")
            exercise = all_exercises()[resolve_exercise(exercise_part, where)]
            keys = [c.key for c in exercise.checks]
            matched = [k for k in keys if k == check_part or (":" not in check_part and k.split(":", 1)[0] == check_part)]
            if not matched:
                raise RubricError(f"{where}: {exercise.name} has no check {check_part!r}; its checks are "
                                  f"{', '.join(keys)} (or a function name alone for all of its checks)")
            found.update((exercise.name, k) for k in matched)
        return frozenset(found)

    def is_hidden(self, exercise: str, key: str) -> bool:
        return (exercise, key) in self.hidden_keys()

    @property
    def hidden_visibility(self) -> str:
        return (self.data.get("hidden") or {}).get("visibility", "after_due_date")

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
