"""The checks that prove a combination of options works: render, install, lint, type-check and
run the rendered project's own tests. The generator's tests and `asyncforge matrix` share them."""

import itertools
import os
import re
import shutil
import subprocess
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copier import run_copy
from copier.errors import DirtyLocalWarning

from . import services
from .template import template_root

ORMS = ("sqlalchemy", "tortoise")
TASKS = ("background_tasks", "celery")


@dataclass(frozen=True)
class Combination:
    orm: str = "sqlalchemy"
    redis: bool = False
    tasks: str = "background_tasks"
    prometheus: bool = False

    @property
    def id(self) -> str:
        """e.g. `sqlalchemy-redis-celery-prometheus`, `tortoise-noredis-bgtasks-noprom`."""
        return "-".join(
            [
                self.orm,
                "redis" if self.redis else "noredis",
                "celery" if self.tasks == "celery" else "bgtasks",
                "prometheus" if self.prometheus else "noprom",
            ]
        )

    def answers(self) -> dict[str, Any]:
        return {
            "orm": self.orm,
            "redis": self.redis,
            "tasks": self.tasks,
            "prometheus": self.prometheus,
        }


ALL_COMBINATIONS = tuple(
    Combination(orm, redis, tasks, prometheus)
    for orm, redis, tasks, prometheus in itertools.product(
        ORMS, (False, True), TASKS, (False, True)
    )
)


PHASES = ("render", "install", "lint", "typecheck", "test")


@dataclass
class Phase:
    name: str
    ok: bool
    seconds: float
    output: str = field(repr=False, default="")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.strip().splitlines()[-lines:])


@dataclass
class CombinationResult:
    combination: Combination
    project: Path
    phases: list[Phase] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    """Services that were not reachable, whose embedded fallback the project's tests used."""

    @property
    def ok(self) -> bool:
        return all(phase.ok for phase in self.phases) and len(self.phases) == len(PHASES)

    def phase(self, name: str) -> Phase | None:
        return next((phase for phase in self.phases if phase.name == name), None)

    def test_counts(self) -> str:
        """pytest's closing counts, e.g. `56 passed`, or `` when the tests did not run."""
        test = self.phase("test")
        found = re.findall(r"(\d+ (?:passed|failed|errors?|skipped))", test.output) if test else []
        return ", ".join(found)

    def failure(self) -> str:
        failed = next((phase for phase in self.phases if not phase.ok), None)
        if failed is None:
            return ""
        return f"{self.combination.id}: {failed.name} failed\n{failed.tail()}"


def render(destination: Path, answers: Mapping[str, Any], *, template: Path | None = None) -> Path:
    """Render in-process from the template as checked out (uncommitted changes included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        run_copy(
            str((template or template_root()).resolve()),
            destination,
            data=dict(answers),
            defaults=True,
            vcs_ref="HEAD",
            quiet=True,
        )
    return destination


def uv_executable() -> str:
    """The uv running us (`uv run` exports it as $UV), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        raise FileNotFoundError("uv is not installed: https://docs.astral.sh/uv/")
    return found


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a rendered project's commands: none of our own virtualenv or pytest
    state, and none of the service URLs unless the caller passes them on purpose."""
    stripped = {"VIRTUAL_ENV", "PYTHONPATH", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in stripped and not key.startswith(("PYTEST_", "UV_PROJECT"))
    }
    env.update(extra or {})
    return env


def run_phase(
    name: str,
    commands: Sequence[Sequence[str]],
    project: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> Phase:
    started = time.perf_counter()
    outputs = []
    for command in commands:
        try:
            completed = subprocess.run(
                list(command),
                cwd=project,
                env=child_environment(env),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            out = expired.stdout if isinstance(expired.stdout, str) else ""
            return Phase(name, False, time.perf_counter() - started, f"{out}\ntimed out")
        outputs.append(f"$ {' '.join(command)}\n{completed.stdout}{completed.stderr}")
        if completed.returncode != 0:
            return Phase(name, False, time.perf_counter() - started, "\n".join(outputs))
    return Phase(name, True, time.perf_counter() - started, "\n".join(outputs))


def install(project: Path) -> Phase:
    return run_phase("install", [[uv_executable(), "sync", "--quiet"]], project)


def lint(project: Path) -> Phase:
    uv = uv_executable()
    return run_phase(
        "lint",
        [
            [uv, "run", "--frozen", "ruff", "check", "."],
            [uv, "run", "--frozen", "ruff", "format", "--check", "."],
        ],
        project,
    )


def typecheck(project: Path) -> Phase:
    return run_phase("typecheck", [[uv_executable(), "run", "--frozen", "mypy"]], project)


def run_suite(project: Path, env: Mapping[str, str] | None = None) -> Phase:
    command = [uv_executable(), "run", "--frozen", "pytest", "-q", "-p", "no:cacheprovider"]
    return run_phase("test", [command], project, env)


def check_combination(
    combination: Combination, workdir: Path, *, slot: int = 0, template: Path | None = None
) -> CombinationResult:
    """Render, install, lint, type-check and test one combination, stopping at the first phase
    that fails. The tests use the real services that answer on loopback."""
    project = workdir / combination.id
    result = CombinationResult(combination, project)
    started = time.perf_counter()
    try:
        render(project, combination.answers(), template=template)
    except Exception as error:  # a template that does not render is a result, not a crash
        result.phases.append(Phase("render", False, time.perf_counter() - started, str(error)))
        return result
    result.phases.append(Phase("render", True, time.perf_counter() - started))
    for step in (install, lint, typecheck):
        result.phases.append(step(project))
        if not result.phases[-1].ok:
            return result
    with services.real_services(
        combination.id,
        redis=combination.redis,
        celery=combination.tasks == "celery",
        slot=slot,
    ) as (environment, missing):
        result.fallbacks = missing
        result.phases.append(run_suite(project, environment))
    return result


_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_CHOICES: dict[str, tuple[str, ...]] = {"orm": ORMS, "tasks": TASKS}


def select(only: str | None) -> list[Combination]:
    """The combinations matching `orm=tortoise,redis=true` (every one when `only` is empty)."""
    wanted: dict[str, Any] = {}
    for condition in filter(None, (part.strip() for part in (only or "").split(","))):
        option, _, raw = condition.partition("=")
        option, raw = option.strip(), raw.strip().lower()
        if option in _CHOICES:
            if raw not in _CHOICES[option]:
                raise ValueError(
                    f"{option} must be one of {', '.join(_CHOICES[option])}, not {raw!r}"
                )
            wanted[option] = raw
        elif option in ("redis", "prometheus"):
            if raw not in _BOOLEANS:
                raise ValueError(f"{option} must be true or false, not {raw!r}")
            wanted[option] = _BOOLEANS[raw]
        else:
            raise ValueError(f"unknown option {option!r}; use orm, redis, tasks or prometheus")
    return [c for c in ALL_COMBINATIONS if all(getattr(c, k) == v for k, v in wanted.items())]
