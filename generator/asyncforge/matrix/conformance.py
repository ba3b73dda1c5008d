"""A rendered service served by its production server, and schemathesis run against its OpenAPI
document: no server error, every status, body and content type as documented. The generator's
conformance tests and `asyncforge matrix --explore` share it."""

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ..processes import Phase, child_environment, run_phase, stop_process_group, uv_executable

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
ALL_PHASES = "examples,coverage,fuzzing,stateful"
SIGNING_KEY = secrets.token_urlsafe(48)
"""Random per run: the services refuse a key that looks made by hand."""
ADMIN = ("admin@example.com", "conformance admin password")
READY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def package_of(project: Path) -> str:
    return next(path.name for path in (project / "src").iterdir() if path.is_dir())


def migrate(project: Path, env: Mapping[str, str]) -> Phase:
    """The documented migration command of the project's data layer."""
    alembic = (project / "alembic.ini").is_file()
    command = ["alembic", "upgrade", "head"] if alembic else ["aerich", "upgrade"]
    return run_phase("migrate", [[uv_executable(), "run", "--frozen", *command]], project, env)


@contextmanager
def served(project: Path, env: Mapping[str, str], log: Path) -> Iterator[str]:
    """The project migrated on `env`'s database and served by its production server (one
    worker) until the block ends; yields its base URL once `/health/ready` answers 200."""
    # Redis keys of its own: the sign-in counters of an earlier run on the same logical database
    # (schemathesis signs in from 127.0.0.1 by the hundred) would refuse this run's admin.
    env = {"CACHE_KEY_PREFIX": f"conformance-{secrets.token_hex(4)}:", **env}
    env["AUTH_SECRET_KEY"] = SIGNING_KEY
    migrated = migrate(project, env)
    if not migrated.ok:
        raise RuntimeError(f"migrating failed:\n{migrated.tail()}")
    port = free_port()
    environment = child_environment(
        {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "ACCESS_LOG": "false"}
    )
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(project / ".venv" / "bin" / "python"), "-m", f"{package_of(project)}.serve"],
            cwd=project, env=environment, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health/ready", timeout=2):
                    break  # 200: migrated, connected, ready
            except (urllib.error.URLError, OSError):
                pass  # not listening yet, or 503 while it connects
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not become ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        stop_process_group(server)


def admin_token(project: Path, env: Mapping[str, str], base: str) -> str:
    """An access token of an admin made the documented way (`users create-admin`)."""
    email, password = ADMIN
    module = f"{package_of(project)}.users"
    made = run_phase(
        "create-admin",
        [[uv_executable(), "run", "--frozen", "python", "-m", module, "create-admin", email]],
        project,
        {**env, "AUTH_SECRET_KEY": SIGNING_KEY, "ADMIN_PASSWORD": password},
    )
    if not made.ok:
        raise RuntimeError(f"create-admin failed:\n{made.tail()}")
    form = urllib.parse.urlencode({"username": email, "password": password}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/auth/token", data=form, timeout=10) as answer:
        token: str = json.load(answer)["access_token"]
    return token


def schemathesis(
    base: str,
    report: Path,
    *,
    token: str | None = None,
    phases: str = ALL_PHASES,
    max_examples: int = 150,
    seed: int = 20261123,
) -> Phase:
    """`st run` against the service's OpenAPI document, signed in with `token` when given."""
    st = Path(sys.executable).parent / "st"
    credentials = ["--header", f"Authorization: Bearer {token}"] if token else []
    command = [
        str(st), "run", f"{base}/openapi.json", *credentials,
        "--checks", CHECKS,
        "--phases", phases,
        "--max-examples", str(max_examples),
        "--seed", str(seed),
        "--workers", "1",  # with threads, CPython 3.11's `ast.parse` can fail in Hypothesis
        "--request-timeout", "10",
        "--generation-database", "none",
        "--report", "json", "--report-dir", str(report),
        "--no-color",
    ]  # fmt: skip
    report.mkdir(parents=True, exist_ok=True)
    return run_phase("schemathesis", [command], report, timeout=900)
