"""The checks that prove a combination works: render, install on one Python, lint, type-check,
then run the rendered project's own suite on each backend, reusing the one environment. The
generator's tests and `asyncforge matrix` share them. Every command has a time limit."""

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dependencies import lock_commands
from ..project import copy_template
from ..template import template_root
from .backends import ServiceMissing, backend_environment
from .combinations import Run
from .pythons import PythonMissing, interpreter

PREPARE_PHASES = ("render", "install", "lint", "typecheck")
NAMES = {"project_name": "shop-api", "package_name": "shopsvc"}
"""The matrix renders a package name that is not the project name's default (`shop_api`): every
combination proves that a chosen package name builds, lints and passes its suite."""
COMMAND_TIMEOUT_SECONDS = 600.0
"""No command of a check may run longer; the rendered suites also bound each test themselves."""


@dataclass
class Phase:
    name: str
    ok: bool
    seconds: float
    output: str = field(repr=False, default="")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.strip().splitlines()[-lines:])

    def report(self, lines: int = 40) -> str:
        """What a failed suite said: pytest's `E` lines (each failed assertion, which a long
        captured log would push out of the tail), then the tail."""
        said = [line for line in self.output.splitlines() if line.startswith("E ")][:lines]
        return "\n".join([*said, "...", self.tail(lines)]) if said else self.tail(lines * 2)

    def test_counts(self) -> str:
        """pytest's closing counts, e.g. `56 passed, 3 skipped`."""
        found = re.findall(r"(\d+ (?:passed|failed|errors?|skipped))", self.output)
        return ", ".join(found)


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


def uv_executable() -> str:
    """The uv running us (`uv run` exports it as $UV), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        raise FileNotFoundError("uv is not installed: https://docs.astral.sh/uv/")
    return found


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a rendered project's commands: none of our own virtualenv or pytest
    state, and none of the service URLs unless the caller passes them on purpose."""
    # PYTHONDONTWRITEBYTECODE: a rendered project is scratch; with its bytecode written once,
    # each process of its suite (pytest, gunicorn, Celery, alembic) starts without compiling again.
    stripped = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"}
    stripped |= {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in stripped and not key.startswith(("PYTEST_", "UV_PROJECT", "UV_PYTHON"))
    }
    env["UV_PYTHON_DOWNLOADS"] = "never"  # a supported Python is installed here or the run fails
    env.update(extra or {})
    return env


def run_phase(
    name: str,
    commands: Sequence[Sequence[str]],
    project: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
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
            out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else ""
            outputs.append(f"$ {' '.join(command)}\n{out}\ntimed out after {timeout:.0f} s")
            return Phase(name, False, time.perf_counter() - started, "\n".join(outputs))
        outputs.append(f"$ {' '.join(command)}\n{completed.stdout}{completed.stderr}")
        if completed.returncode != 0:
            return Phase(name, False, time.perf_counter() - started, "\n".join(outputs))
    return Phase(name, True, time.perf_counter() - started, "\n".join(outputs))


def stop_process_group(process: "subprocess.Popen[Any]", grace_seconds: float = 30.0) -> None:
    """SIGTERM to a server started with `start_new_session=True` and to its workers, then
    SIGKILL if they have not exited after `grace_seconds`."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


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
    """The project's own tests on `backend`, in the environment `prepare` made."""
    name = f"test-{backend}"
    try:
        with backend_environment(backend, prepared.project, prepared.run.id, slot=slot) as env:
            phase = run_suite(prepared.project, env)
    except ServiceMissing as missing:
        return Phase(name, False, 0.0, str(missing))
    phase.name = name
    return phase
