"""The API does what its OpenAPI document says: schemathesis, every phase (examples, coverage,
fuzzing, stateful), against the default render and the all-on render of each ORM, served by the
production server on a real PostgreSQL database. No server error; every status, body and content
type as documented."""

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from asyncforge.matrix import Combination, anchors, checks
from asyncforge.matrix import backends as services
from asyncforge.project import create
from asyncforge.resources import add

from .helpers import BIN, commit_all

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
SHIPMENTS = [
    "order_id:ref=orders", "tracking:uuid:unique", "weight:decimal", "fragile:bool", "due:date",
    "sent_at:datetime:optional", "details:json:optional",
]  # fmt: skip
"""Every field type of `add resource`, between the two resources."""
ALL_PHASES = "examples,coverage,fuzzing,stateful"
MAX_EXAMPLES = 150
"""Per operation and phase: bounded, so that a run takes well under a minute."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


SIGNING_KEY = "conformance-signing-key-0123456789abcdefghijklmnop"
ADMIN = ("admin@example.com", "conformance admin password")


def admin_token(project: Path, env: dict[str, str], base: str) -> str:
    """An access token of an admin made the documented way (`users create-admin`)."""
    email, password = ADMIN
    package = next((project / "src").iterdir()).name
    made = checks.run_phase(
        "create-admin",
        [
            [
                checks.uv_executable(),
                "run",
                "python",
                "-m",
                f"{package}.users",
                "create-admin",
                email,
            ]
        ],
        project,
        {**env, "ADMIN_PASSWORD": password},
    )
    assert made.ok, made.tail()
    form = urllib.parse.urlencode({"username": email, "password": password}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/auth/token", data=form, timeout=10) as answer:
        token: str = json.load(answer)["access_token"]
    return token


@dataclass(frozen=True)
class Served:
    base: str
    token: str | None
    """An admin's access token when the service has users: it is also tested signed in."""


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The combination rendered, installed (with two resources of `add resource` when asked),
    migrated on a fresh PostgreSQL database and served by gunicorn."""
    combination: Combination
    combination, with_resources = request.param
    if with_resources:
        committed = request.getfixturevalue("committed")
        answers = {**checks.NAMES, **combination.answers()}
        project = create(
            tmp_path / "service", answers, defaults=True, template=str(committed), vcs_ref="v1",
            quiet=True,
        )  # fmt: skip
        add(project, "orders", ["item_id:ref=items", "quantity:int", "note:text:optional"])
        commit_all(project, "Orders")
        add(project, "shipments", SHIPMENTS)
    else:
        project = checks.render(tmp_path / "service", combination.answers())
    installed = checks.install(project)
    assert installed.ok, installed.tail()
    port = free_port()
    with services.real_services(project, f"conformance_{combination.id}", slot=13) as env:
        env = {**env, "AUTH_SECRET_KEY": SIGNING_KEY}
        command = ["alembic", "upgrade", "head"] if combination["orm"] == "sqlalchemy" else [
            "aerich", "upgrade"
        ]  # fmt: skip
        migrated = checks.run_phase(
            "migrate", [[checks.uv_executable(), "run", *command]], project, env
        )
        assert migrated.ok, migrated.tail()
        environment = checks.child_environment(
            {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "ACCESS_LOG": "false"}
        )
        log = (tmp_path / "server.log").open("w")
        server = subprocess.Popen(
            [str(project / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=project, env=environment, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/health/ready", timeout=2):
                        break  # 200: migrated, connected, ready
                except (urllib.error.URLError, OSError):
                    pass  # not listening yet, or 503 while it connects
                assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the service did not become ready"
                time.sleep(0.2)
            has_users = combination["auth"] == "jwt"
            yield Served(base, admin_token(project, env, base) if has_users else None)
        finally:
            checks.stop_process_group(server)
            log.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "served",
    [
        *(
            pytest.param((c, False), id=c.id, marks=pytest.mark.xdist_group(f"conformance-{c.id}"))
            for c in anchors()
        ),
        *(
            pytest.param(
                (c, True),
                id=f"{c.id}-with-resources",
                marks=pytest.mark.xdist_group(f"conformance-resources-{c.id}"),
            )
            for c in anchors()[1:]  # one per ORM
        ),
    ],
    indirect=True,
)
def test_the_api_conforms_to_its_openapi_document(served: Served, tmp_path: Path) -> None:
    """Anonymous, and signed in as an admin when the service has users: then the admin's run
    fuzzes every phase, and the anonymous one checks each operation's examples and documented
    refusals (public reads answer the same whoever asks; anonymous writes stop at the 401)."""
    callers: dict[str, tuple[list[str], str]] = {"anonymous": ([], ALL_PHASES)}
    if served.token is not None:
        callers = {
            "anonymous": ([], "examples,coverage"),
            "admin": (["--header", f"Authorization: Bearer {served.token}"], ALL_PHASES),
        }
    for caller, (credentials, phases) in callers.items():
        report = tmp_path / caller
        result = subprocess.run(
            [
                str(BIN / "st"), "run", f"{served.base}/openapi.json", *credentials,
                "--checks", CHECKS,
                "--phases", phases,
                "--max-examples", str(MAX_EXAMPLES),
                "--seed", "20261123",
                "--workers", "1",  # with threads, CPython 3.11's `ast.parse` can fail in Hypothesis
                "--request-timeout", "10",
                "--generation-database", "none",
                "--report", "json", "--report-dir", str(report),
                "--no-color",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

        print(caller, result.stdout[-1200:])  # the counts, for `pytest -rP`
        assert result.returncode == 0, caller + result.stdout[-6000:] + result.stderr[-2000:]
        assert "No issues found" in result.stdout or " passed" in result.stdout
