"""Running the tools a rendered project uses (uv, and through it ruff, mypy, pytest, alembic,
aerich) in that project's own environment, each with a time limit: `add resource`, the matrix
and the tests all run them this way."""

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
    # each process of its suite (pytest, its server, Celery, alembic) starts without compiling.
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
    SIGKILL if they have not exited after `grace_seconds`. A group that is gone already (a
    server that exited on its own) is left as it is."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        process.wait()
        return
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
