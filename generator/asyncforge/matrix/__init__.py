"""`asyncforge matrix`: every combination of options, on every supported Python (rotating) and
both backends, rendered, installed, linted, type-checked and run through its own suite. The
generator's tests use the same pieces."""

from .backends import BACKENDS
from .checks import Phase, Prepared, prepare, suite
from .combinations import Combination, Run, all_combinations, anchors, runs, select

__all__ = [
    "BACKENDS",
    "Combination",
    "Phase",
    "Prepared",
    "Run",
    "all_combinations",
    "anchors",
    "prepare",
    "runs",
    "select",
    "suite",
]
