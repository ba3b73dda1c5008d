"""Every combination of the template's options, and which Python and backends run each one.

The axes are the option questions of `copier.yml` (bools and choices); the supported Pythons are
its hidden `python_versions`. Each combination runs its suite once, on one Python and one backend,
both rotating; the anchors (the default combination and the all-on combination of each data
layer) run on every Python, on both backends on the first. So every option value runs on every
Python and on both backends, and the suite's cost grows by one run per added combination.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..template import Question, fact, options
from .backends import BACKENDS

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
    """A combination on one Python: one environment, whose suite runs on each of `backends`."""

    combination: Combination
    python: str
    backends: tuple[str, ...] = BACKENDS

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


def _rotation(root: Path | None) -> list[Run]:
    supported = supported_pythons(root)
    default, *all_on = anchors(root)
    # Each ORM's all-on combination on both backends, on Pythons from the newest down.
    all_on_python = {c: supported[-1 - n % len(supported)] for n, c in enumerate(all_on)}
    python_turns, backend_turns = itertools.cycle(supported), itertools.cycle(BACKENDS)
    planned: list[Run] = []
    for combination in all_combinations(root):
        if combination == default:
            planned.append(Run(combination, supported[0], BACKENDS))
            planned += [Run(combination, p, (next(backend_turns),)) for p in supported[1:]]
        elif combination in all_on_python:
            planned.append(Run(combination, all_on_python[combination], BACKENDS))
        else:
            planned.append(Run(combination, next(python_turns), (next(backend_turns),)))
    return planned


def runs(
    combinations: Iterable[Combination],
    pythons: Sequence[str] | None = None,
    root: Path | None = None,
    backends: Sequence[str] | None = None,
) -> list[Run]:
    """Each combination on the given Pythons and backends (both when none are given); without
    `pythons`, the rotation: the default combination on every supported Python, on both backends
    on the first and on one in turn on the others; each ORM's all-on combination on both
    backends, on the newest Python, the next ORM's on the one before; every other combination on
    the next Python and the next backend in turn."""
    chosen = list(combinations)
    planned = [Run(c, p) for c in chosen for p in pythons] if pythons else _rotation(root)
    if backends:
        planned = [replace(run, backends=tuple(backends)) for run in planned]
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
