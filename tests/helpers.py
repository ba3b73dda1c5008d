"""Helpers the generator's tests share: git with a fixed identity, a committed copy of the
template (the CLI refuses a dirty one), the `asyncforge` command run as a user runs it, and each
combination rendered once."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from asyncforge.matrix import Combination, checks, releases
from asyncforge.template import recorded_releases

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]


MIGRATE = {"sqlalchemy": ["alembic", "upgrade", "head"], "tortoise": ["aerich", "upgrade"]}
"""The contract's migration command of each ORM, run in a project."""


def project_tool(project: Path, command: list[str], database_url: str) -> str:
    """One of the project's own tools (`alembic check`, `aerich upgrade`...), in its environment
    on `database_url`: what it printed, once it succeeded."""
    completed = subprocess.run(
        [checks.uv_executable(), "run", "--frozen", *command], cwd=project,
        env=checks.child_environment({"DATABASE_URL": database_url}),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    return completed.stdout


DEPLOYMENT_SECRETS = {"AUTH_SECRET_KEY": secrets.token_urlsafe(48)}
"""What a deployment puts in the environment: compose refuses to start the API of a service with
users without a signing key."""


def docker_compose(
    project: Path, *arguments: str, secrets: bool = True
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(DEPLOYMENT_SECRETS if secrets else {})}
    return subprocess.run(
        [str(BIN / "docker-compose"), *arguments],
        cwd=project, capture_output=True, text=True, timeout=300, check=False, env=environment,
    )  # fmt: skip


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *IDENTITY, *args], cwd=repo, check=True, capture_output=True, text=True,
        timeout=120,
    ).stdout  # fmt: skip


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "-m", message)


def committed_template(repo: Path, tag: str = "v1") -> Path:
    """This checkout's template (uncommitted edits included) as the first commit of a new git
    repository, tagged `tag`."""
    repo.mkdir(parents=True)
    shutil.copy(ROOT / "copier.yml", repo)
    for folder in ("template", "resource", "includes"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "--quiet", "--initial-branch", "main")
    commit_all(repo, tag)
    git(repo, "tag", tag)
    return repo


RELEASES = recorded_releases()


def template_with_releases(repo: Path, *, current_tag: str | None = None) -> Path:
    """The template as its users meet it (see `asyncforge.matrix.releases`)."""
    try:
        return releases.template_with_releases(repo, current_tag=current_tag)
    except releases.HistoryMissing as missing:
        pytest.fail(str(missing))


def asyncforge(
    *args: str, template: Path | None = None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The command with no terminal; `template` stands in for this checkout."""
    environment = dict(os.environ)
    if template is not None:
        environment["ASYNCFORGE_TEMPLATE"] = str(template)
    return subprocess.run(
        [str(BIN / "asyncforge"), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=environment,
        cwd=cwd,
        timeout=timeout,
    )


PING = (
    '"""Our own endpoint."""\n\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n'
    '@router.get("/ping")\nasync def ping() -> dict[str, str]:\n    return {"ping": "pong"}\n'
)


def add_a_router_and_change_a_setting(package: Path) -> None:
    """A team's first edits to a service's package: its own endpoint, registered where the
    README of the project's release says (`resources/routers.py`, `api/__init__.py` before
    0.4.0), and a changed setting default."""
    registry = package / "resources" / "routers.py"
    if registry.is_file():
        (package / "resources" / "ping.py").write_text(PING)
        registry.write_text(
            registry.read_text()
            .replace(
                "from .items import router as items\n",
                "from . import ping\nfrom .items import router as items\n",
            )
            .replace("    items.router,\n", "    items.router,\n    ping.router,\n")
        )
    else:
        (package / "api" / "ping.py").write_text(PING)
        routes = package / "api" / "__init__.py"
        routes.write_text(
            routes.read_text()
            .replace("from . import health, items", "from . import health, items, ping")
            .replace("[health.router, items.router]", "[health.router, items.router, ping.router]")
        )
    settings = package / "settings.py"
    settings.write_text(
        settings.read_text().replace('log_level: str = "INFO"', 'log_level: str = "WARNING"')
    )


RENDERED: dict[Combination, Path] = {}


def rendered(combination: Combination, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The combination rendered once per xdist worker, exactly as Copier wrote it: tests read it
    and never change it (nor install into it)."""
    if combination not in RENDERED:
        destination = tmp_path_factory.mktemp(combination.id) / "my-service"
        RENDERED[combination] = checks.render(destination, combination.answers())
    return RENDERED[combination]
