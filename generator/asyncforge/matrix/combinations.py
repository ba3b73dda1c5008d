"""Every combination of the template's options, and which Python runs each one.

The axes are the option questions of `copier.yml` (bools and choices); the supported Pythons are
its hidden `python_versions`. Each combination runs on one Python, rotating, except the anchors
(the default combination and the all-on combination of each data layer), which run on every one.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..template import Question, fact, options

ANCHOR_AXIS = "orm"
"""Every supported Python runs the all-on combination of each value of this axis."""


@dataclass(frozen=True)
class Combination:
    """One answer per option, in `copier.yml`'s order."""

    answers_in_order: tuple[tuple[str, Any], ...]

    def __getitem__(self, option: str) -> Any:
        return dict(self.answers_in_order)[option]

    def answers(self) -> dict[str, Any]:
        return dict(self.answers_in_order)

    @property
    def id(self) -> str:
        """A choice by its value, a bool by its name, prefixed `no` when off: e.g.
        `sqlalchemy-redis-celery-prometheus`, `tortoise-noredis-background_tasks-noprometheus`."""
        parts = []
        for name, value in self.answers_in_order:
            if isinstance(value, bool):
                parts.append(name if value else f"no{name}")
            else:
                parts.append(str(value))
        return "-".join(parts)


@dataclass(frozen=True)
class Run:
    """A combination on one Python: one environment, whose suite runs on each backend."""

    combination: Combination
    python: str

    @property
    def id(self) -> str:
        return f"{self.combination.id}-py{self.python}"


def all_combinations(root: Path | None = None) -> list[Combination]:
    axes = options(root)
    return [
        Combination(tuple(zip((q.name for q in axes), values, strict=True)))
        for values in itertools.product(*(q.values for q in axes))
    ]


def _on_value(question: Question) -> Any:
    """An option's "most features" value: true for a bool, the last choice listed otherwise."""
    return True if question.type == "bool" else question.choices[-1]


def anchors(root: Path | None = None) -> list[Combination]:
    """The default combination and the all-on combination of each value of `ANCHOR_AXIS`."""
    axes = options(root)
    found = [Combination(tuple((q.name, q.default) for q in axes))]
    anchor = next((q for q in axes if q.name == ANCHOR_AXIS), None)
    for value in anchor.values if anchor else ():
        found.append(
            Combination(tuple((q.name, value if q is anchor else _on_value(q)) for q in axes))
        )
    return found


def supported_pythons(root: Path | None = None) -> tuple[str, ...]:
    return tuple(str(version) for version in fact("python_versions", root))


def runs(
    combinations: Iterable[Combination],
    pythons: Sequence[str] | None = None,
    root: Path | None = None,
) -> list[Run]:
    """Each combination on the given Pythons; without `pythons`, the rotation: anchors on every
    supported Python, every other combination on the next one in turn."""
    chosen = list(combinations)
    if pythons:
        return [Run(c, python) for c in chosen for python in pythons]
    supported = supported_pythons(root)
    anchored = set(anchors(root))
    planned: list[Run] = []
    turn = 0
    for combination in all_combinations(root):
        if combination in anchored:
            planned.extend(Run(combination, python) for python in supported)
        else:
            planned.append(Run(combination, supported[turn % len(supported)]))
            turn += 1
    return [run for run in planned if run.combination in chosen]


_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


def select(only: str | None, root: Path | None = None) -> list[Combination]:
    """The combinations matching `orm=tortoise,redis=true` (every one when `only` is empty)."""
    axes = {q.name: q for q in options(root)}
    wanted: dict[str, Any] = {}
    for condition in filter(None, (part.strip() for part in (only or "").split(","))):
        name, _, raw = condition.partition("=")
        name, raw = name.strip(), raw.strip().lower()
        question = axes.get(name)
        if question is None:
            raise ValueError(f"unknown option {name!r}; use {', '.join(axes)}")
        if question.type == "bool":
            if raw not in _BOOLEANS:
                raise ValueError(f"{name} must be true or false, not {raw!r}")
            wanted[name] = _BOOLEANS[raw]
        elif raw in question.choices:
            wanted[name] = raw
        else:
            raise ValueError(f"{name} must be one of {', '.join(question.choices)}, not {raw!r}")
    return [c for c in all_combinations(root) if all(c[k] == v for k, v in wanted.items())]
