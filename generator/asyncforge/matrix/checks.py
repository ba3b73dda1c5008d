"""The checks that prove a combination works: render, install on one Python, lint, type-check,
then run the rendered project's own suite on each backend, reusing the one environment. The
generator's tests and `asyncforge matrix` share them. Every command has a time limit."""

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dependencies import lock_commands
from ..processes import (
    COMMAND_TIMEOUT_SECONDS,
    Phase,
    child_environment,
    run_phase,
    stop_process_group,
    uv_executable,
)
from ..project import copy_template
from ..template import template_root
from .backends import ServiceMissing, backend_environment
from .combinations import Run
from .pythons import PythonMissing, interpreter

__all__ = [
    "COMMAND_TIMEOUT_SECONDS",
    "PREPARE_PHASES",
    "Phase",
    "Prepared",
    "child_environment",
    "install",
    "lint",
    "prepare",
    "render",
    "run_phase",
    "run_suite",
    "stop_process_group",
    "suite",
    "typecheck",
    "uv_executable",
    "with_env_file",
]

PREPARE_PHASES = ("render", "install", "lint", "typecheck")
NAMES = {"project_name": "shop-api", "package_name": "shopsvc"}
"""The matrix renders a package name that is not the project name's default (`shop_api`): every
combination proves that a chosen package name builds, lints and passes its suite."""


@dataclass
class Prepared:
    """A rendered project with its environment, or the phase that failed to make it."""

    run: Run
    project: Path
    phases: list[Phase] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return len(self.phases) == len(PREPARE_PHASES) and all(p.ok for p in self.phases)

    def failure(self) -> str:
        failed = next((phase for phase in self.phases if not phase.ok), None)
        return "" if failed is None else f"{self.run.id}: {failed.name} failed\n{failed.tail()}"


def render(destination: Path, answers: Mapping[str, Any], *, template: Path | None = None) -> Path:
    """Render in-process from the template as checked out (uncommitted changes included)."""
    source = str((template or template_root()).resolve())
    copy_template(source, destination, dict(answers), vcs_ref="HEAD")
    return destination


def with_env_file(project: Path) -> None:
    """`cp .env.example .env`, as the rendered README says, unless there is one."""
    example, env_file = project / ".env.example", project / ".env"
    if example.is_file() and not env_file.exists():
        shutil.copyfile(example, env_file)


def install(project: Path, python: str | None = None) -> Phase:
    """Lock as `asyncforge new` does (the versions the template was tested with, or the newest
    for the canary: see `dependencies`), then `uv sync` on the given Python (an installed
    interpreter; never a download)."""
    uv = uv_executable()
    command = [uv, "sync", "--quiet", "--locked"]
    if python is not None:
        try:
            command += ["--python", interpreter(python)]
        except PythonMissing as missing:
            return Phase("install", False, 0.0, str(missing))
    return run_phase("install", [*lock_commands(uv, project), command], project)


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


def typecheck(project: Path, cache: Path | None = None) -> Phase:
    """mypy; with `cache`, its incremental cache is shared with other projects' runs (one at a
    time), so the libraries they have in common are analysed once, not once per combination."""
    env = {"MYPY_CACHE_DIR": str(cache)} if cache is not None else None
    return run_phase("typecheck", [[uv_executable(), "run", "--frozen", "mypy"]], project, env)


def run_suite(
    project: Path, env: Mapping[str, str] | None = None, modules: Sequence[str] = ()
) -> Phase:
    """The project's suite, or only `modules` of it."""
    command = [uv_executable(), "run", "--frozen", "pytest", "-q", "-p", "no:cacheprovider"]
    return run_phase("test", [[*command, *modules]], project, env)


def prepare(
    run: Run, workdir: Path, *, template: Path | None = None, type_cache: Path | None = None
) -> Prepared:
    """Render, install on the run's Python, lint and type-check, stopping at the first failure.
    Runs prepared one after another may share `type_cache` (default: one per `workdir`)."""
    prepared = Prepared(run, workdir / run.id)
    started = time.perf_counter()
    try:
        render(prepared.project, {**NAMES, **run.combination.answers()}, template=template)
    except Exception as error:  # a template that does not render is a result, not a crash
        prepared.phases.append(Phase("render", False, time.perf_counter() - started, str(error)))
        return prepared
    prepared.phases.append(Phase("render", True, time.perf_counter() - started))
    prepared.phases.append(install(prepared.project, run.python))
    if prepared.phases[-1].ok:
        prepared.phases.append(lint(prepared.project))
    if prepared.phases[-1].ok:
        prepared.phases.append(typecheck(prepared.project, type_cache or workdir / ".mypy_cache"))
    return prepared


def suite(prepared: Prepared, backend: str, *, slot: int = 0) -> Phase:
    """The project's own tests on `backend`, in the environment `prepare` made, with the `.env`
    a developer has after following the README (`cp .env.example .env`): the tests must hold
    whatever it says."""
    name = f"test-{backend}"
    with_env_file(prepared.project)
    try:
        with backend_environment(backend, prepared.project, prepared.run.id, slot=slot) as env:
            phase = run_suite(prepared.project, env)
    except ServiceMissing as missing:
        return Phase(name, False, 0.0, str(missing))
    phase.name = name
    return phase
