"""The speed of rendered services, side by side with hand-written references, in one run.

    uv run python bench/run.py                 # the full run (about 20 minutes)
    uv run python bench/run.py --smoke         # seconds per measurement: proves the bench works
    uv run python bench/run.py --previous REF  # also the template at REF: what a change costs

Renders the combinations (some with a resource added by `asyncforge add resource`, as a team adds
one), seeds a PostgreSQL database per ORM with 10,000 items (and one order per item), serves each
service and each reference (bench/references/) with the production server configuration the
rendered Dockerfile uses (its Granian launcher, one worker), drives wrk (-t2 -c64) and reports
req/s, p50, p99, p99/p50, errors, timeouts (requests over 2 s), RSS per worker after the POST run
and the PostgreSQL connections opened during each measured run. Rounds are interleaved and
repeated; each figure is a ratio to its reference in the same round, the median over rounds is
compared with the targets, and everything is written as JSON too. Never part of the test suite:
speed is measured here, never asserted in a test.
"""

import argparse
import http.client
import http.server
import importlib.util
import json
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "generator"))

from asyncforge.matrix import backends, checks  # noqa: E402
from asyncforge.resources import Access  # noqa: E402
from asyncforge.resources import add as add_resource  # noqa: E402
from asyncforge.template import fact  # noqa: E402

WRK_DIR = Path(__file__).parent / "wrk"
SEEDED = 10_000
POSTGRES = backends.POSTGRES_ADMIN_URL
REDIS_DB = "redis://127.0.0.1:6379/14"
"""The bench's own Redis logical database, emptied before each target."""

ALL_ON = {"redis": True, "tasks": "celery", "prometheus": True}
COMBINATIONS: dict[str, dict[str, Any]] = {
    "sqlalchemy-default": {"orm": "sqlalchemy"},
    "sqlalchemy-prometheus": {"orm": "sqlalchemy", "prometheus": True},
    "tortoise-default": {"orm": "tortoise"},
    "sqlalchemy-all-on": {"orm": "sqlalchemy", **ALL_ON},
    "tortoise-all-on": {"orm": "tortoise", **ALL_ON},
    "sqlalchemy-auth": {"orm": "sqlalchemy", "auth": "jwt"},
    "sqlalchemy-orders": {"orm": "sqlalchemy"},
    "tortoise-orders": {"orm": "tortoise"},
    "sqlalchemy-lists": {"orm": "sqlalchemy"},
    "tortoise-lists": {"orm": "tortoise"},
}
SEEDS = {"sqlalchemy-lists": 100_000, "tortoise-lists": 100_000}
"""Combinations seeded with more items than SEEDED: lists deep into a large table."""
DEEP = 90_000
"""The row the deep list pages start after."""
PREVIOUS = {
    "previous-sqlalchemy-default": "sqlalchemy-default",
    "previous-tortoise-default": "tortoise-default",
    "previous-sqlalchemy-auth": "sqlalchemy-auth",
}
"""Combinations rendered from `--previous REF` of this repository as well (the template before a
change), measured in the same run: what a change costs, as a ratio."""
COMBINATIONS.update({name: COMBINATIONS[current] for name, current in PREVIOUS.items()})
ORDERS = ["item_id:ref=items", "quantity:int", "status:str:index"]
RESOURCES: dict[str, dict[str, list[str]]] = {
    "sqlalchemy-orders": {"orders": ORDERS},
    "tortoise-orders": {"orders": ORDERS},
}
"""Resources a combination adds with `asyncforge add resource`, as a team adds its own: orders
reference items (a foreign key checked on every write), seeded with one order per item."""
ADMIN = ("bench-admin@example.com", "bench-admin-password")
"""The account a signed-in target signs in as (made with the service's `users create-admin`)."""
OTLP_SINK = "otlp-sink"
WEBHOOK_SINK = "webhook-sink"
"""A target's `WEBHOOK_URLS`: the bench's receiver, which answers every delivery at once."""
WEBHOOK_SECRET = "whsec_" + "YmVuY2gncyB3ZWJob29rIHNpZ25pbmcga2V5ISEhIQ=="
"""A target's `OTEL_EXPORTER_OTLP_ENDPOINT` that names the bench's own OTLP receiver."""
SIGNING_KEY = secrets.token_urlsafe(48)
"""Random per run: the services refuse a key that looks made by hand."""


@dataclass(frozen=True)
class Target:
    name: str
    combination: str
    """Whose environment it runs in (and, for a service, what it is)."""
    scenarios: tuple[str, ...]
    app: str | None = None
    """`module:app` of a reference; `None` for the rendered service itself."""
    env: tuple[tuple[str, str], ...] = ()
    pooler: bool = False
    """Reach PostgreSQL through a PgBouncer in transaction mode that the bench starts."""
    signed_in: bool = False
    """Every request carries an admin's access token (a service with users)."""
    api_key: bool = False
    """Every request carries an API key the admin made (`X-API-Key`)."""


TARGETS = [
    Target(
        "starlette-hello", "sqlalchemy-default", ("live",), "bench.references.hello_starlette:app"
    ),
    Target("fastapi-hello", "sqlalchemy-default", ("live",), "bench.references.hello_fastapi:app"),
    Target("raw-asyncpg", "sqlalchemy-default", ("read",), "bench.references.raw_asyncpg:app"),
    Target(
        "starlette-asyncpg", "sqlalchemy-default", ("read",),
        "bench.references.starlette_asyncpg:app",
    ),
    Target(
        "tutorial-sqlalchemy", "sqlalchemy-default", ("read", "list", "create"),
        "bench.references.tutorial_sqlalchemy:app",
    ),
    Target(
        "tutorial-sqlalchemy-celery", "sqlalchemy-all-on", ("create",),
        "bench.references.tutorial_sqlalchemy:app", (("BENCH_CELERY_BROKER", REDIS_DB),),
    ),
    Target(
        "handwritten-tortoise", "tortoise-default", ("read", "list", "create"),
        "bench.references.handwritten_tortoise:app",
    ),
    Target(
        "handwritten-tortoise-celery", "tortoise-all-on", ("create",),
        "bench.references.handwritten_tortoise:app", (("BENCH_CELERY_BROKER", REDIS_DB),),
    ),
    Target("sqlalchemy-default", "sqlalchemy-default", ("live", "read", "list", "create")),
    Target("sqlalchemy-prometheus", "sqlalchemy-prometheus", ("live", "read", "list", "create")),
    Target("tortoise-default", "tortoise-default", ("live", "read", "list", "create")),
    Target(
        "sqlalchemy-no-access-log", "sqlalchemy-default", ("live", "read"),
        env=(("ACCESS_LOG", "false"),),
    ),
    Target("sqlalchemy-gzip", "sqlalchemy-default", ("list-gzip",)),
    Target("sqlalchemy-all-on", "sqlalchemy-all-on", ("live", "read-hit", "list", "create")),
    Target(
        "sqlalchemy-all-on-miss", "sqlalchemy-all-on", ("read",),
        env=(("CACHE_TTL_SECONDS", "0.001"),),
    ),
    Target(
        "sqlalchemy-all-on-redis-only", "sqlalchemy-all-on", ("read-hit",),
        env=(("CACHE_LOCAL_ENTRIES", "0"),),
    ),
    Target(
        "sqlalchemy-pgbouncer", "sqlalchemy-default", ("read", "create"),
        env=(("DATABASE_POOLER", "pgbouncer"),), pooler=True,
    ),
    Target(
        "tortoise-pgbouncer", "tortoise-default", ("read", "create"),
        env=(("DATABASE_POOLER", "pgbouncer"),), pooler=True,
    ),
    Target("tortoise-all-on", "tortoise-all-on", ("live", "read-hit", "list", "create")),
    Target(
        "tortoise-all-on-miss", "tortoise-all-on", ("read",),
        env=(("CACHE_TTL_SECONDS", "0.001"),),
    ),
    *(
        Target(name, name, (
            *scenarios, *(f"orders-{scenario}" for scenario in scenarios), "orders-page",
            "orders-page-include",
        ))
        for name in ("sqlalchemy-orders", "tortoise-orders")
        for scenarios in [("read", "list", "create")]
    ),
    *(
        Target(name, name, (
            "list-first", "list-cursor-deep", "list-offset-deep", "list-filtered", "read-one",
            "read-one-304",
        ))
        for name in ("sqlalchemy-lists", "tortoise-lists")
    ),
    Target("sqlalchemy-auth", "sqlalchemy-auth", ("read", "login")),
    Target("sqlalchemy-auth-signed-in", "sqlalchemy-auth", ("read", "me"), signed_in=True),
    Target(
        "sqlalchemy-auth-checked-always", "sqlalchemy-auth", ("me",),
        env=(("AUTH_REVOCATION_SECONDS", "0"),), signed_in=True,
    ),
    Target("sqlalchemy-auth-api-key", "sqlalchemy-auth", ("me",), api_key=True),
    # A limit no run reaches: what counting every request costs.
    Target(
        "sqlalchemy-auth-rate-limited", "sqlalchemy-auth", ("read",),
        env=(("RATE_LIMIT_PER_MINUTE", "1000000000"),),
    ),
    Target(
        "sqlalchemy-all-on-rate-limited", "sqlalchemy-all-on", ("read-hit",),
        env=(("RATE_LIMIT_PER_MINUTE", "1000000000"),),
    ),
    # Every request traced and exported to a local receiver (the bench's own, on these cores).
    Target(
        "sqlalchemy-traced", "sqlalchemy-default", ("read", "create"),
        env=(("OTEL_EXPORTER_OTLP_ENDPOINT", OTLP_SINK),),
    ),
    Target(
        "tortoise-traced", "tortoise-default", ("read",),
        env=(("OTEL_EXPORTER_OTLP_ENDPOINT", OTLP_SINK),),
    ),
    # Events delivered to one webhook URL (the bench's receiver, on these cores).
    *(
        Target(
            f"{orm}-webhooks", f"{orm}-default", ("create",),
            env=(("WEBHOOK_URLS", WEBHOOK_SINK), ("WEBHOOK_SECRET", WEBHOOK_SECRET)),
        )
        for orm in ("sqlalchemy", "tortoise")
    ),
    # The same, one trace in ten kept (the standard variables), as a busy service would run.
    Target(
        "sqlalchemy-traced-sampled", "sqlalchemy-default", ("read",),
        env=(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", OTLP_SINK),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.1"),
        ),
    ),
    # With --previous: the same services from the template before a change.
    *(
        Target(f"previous-{name}", f"previous-{name}", ("live", "read", "list", "create"))
        for name in ("sqlalchemy-default", "tortoise-default")
    ),
    Target("previous-sqlalchemy-auth", "previous-sqlalchemy-auth", ("read", "login")),
]  # fmt: skip

COMPARISONS: list[tuple[str, str, str, str, float | None]] = [
    # (measured, scenario, reference, its scenario, target ratio or None for a reported cost)
    ("sqlalchemy-default", "read", "tutorial-sqlalchemy", "read", 2.0),
    ("sqlalchemy-default", "read", "raw-asyncpg", "read", 0.8),
    # The floor of a Python service: Starlette, asyncpg, JSON by hand (no FastAPI, no pydantic).
    ("raw-asyncpg", "read", "starlette-asyncpg", "read", None),
    ("sqlalchemy-default", "read", "starlette-asyncpg", "read", None),
    ("tortoise-default", "read", "starlette-asyncpg", "read", None),
    ("sqlalchemy-all-on-miss", "read", "tutorial-sqlalchemy", "read", 2.0),
    ("sqlalchemy-all-on-miss", "read", "raw-asyncpg", "read", 0.5),
    ("tortoise-default", "read", "handwritten-tortoise", "read", 1.0),
    ("tortoise-all-on-miss", "read", "handwritten-tortoise", "read", 1.0),
    ("sqlalchemy-default", "create", "tutorial-sqlalchemy", "create", 1.0),
    ("tortoise-default", "create", "handwritten-tortoise", "create", 1.0),
    ("sqlalchemy-all-on", "create", "tutorial-sqlalchemy-celery", "create", 1.0),
    ("tortoise-all-on", "create", "handwritten-tortoise-celery", "create", 1.0),
    ("sqlalchemy-default", "list", "tutorial-sqlalchemy", "list", 1.5),
    ("tortoise-default", "list", "handwritten-tortoise", "list", 1.0),
    ("sqlalchemy-all-on", "read-hit", "raw-asyncpg", "read", 1.0),
    ("tortoise-all-on", "read-hit", "raw-asyncpg", "read", 1.0),
    ("sqlalchemy-all-on-redis-only", "read-hit", "raw-asyncpg", "read", None),
    ("sqlalchemy-all-on-redis-only", "read-hit", "sqlalchemy-all-on", "read-hit", None),
    ("sqlalchemy-pgbouncer", "read", "sqlalchemy-default", "read", None),
    ("sqlalchemy-pgbouncer", "create", "sqlalchemy-default", "create", None),
    ("tortoise-pgbouncer", "read", "tortoise-default", "read", None),
    ("tortoise-pgbouncer", "create", "tortoise-default", "create", None),
    *(
        (name, "live", "fastapi-hello", "live", 0.9)
        for name in (
            "sqlalchemy-default", "tortoise-default", "sqlalchemy-all-on", "tortoise-all-on"
        )
    ),
    *(
        ("sqlalchemy-prometheus", scenario, "sqlalchemy-default", scenario, 0.9)
        for scenario in ("live", "read", "list", "create")
    ),
    # A resource a team adds is as fast as items, in the same service and round.
    *(
        (name, f"orders-{scenario}", name, scenario, 0.9)
        for name in ("sqlalchemy-orders", "tortoise-orders")
        for scenario in ("read", "list", "create")
    ),
    ("sqlalchemy-orders", "orders-read", "raw-asyncpg", "read", 0.5),
    # Embedding each order's item costs one statement for the whole page.
    *(
        (name, "orders-page-include", name, "orders-page", 0.7)
        for name in ("sqlalchemy-orders", "tortoise-orders")
    ),
    ("tortoise-orders", "orders-read", "handwritten-tortoise", "read", 1.0),
    # A token costs nothing on a public read; a read that checks it (and its sign-in) reads
    # them at most every AUTH_REVOCATION_SECONDS; the same read checking on every request.
    ("sqlalchemy-auth-signed-in", "read", "sqlalchemy-auth", "read", 0.9),
    ("sqlalchemy-auth-signed-in", "me", "sqlalchemy-auth", "read", 0.9),
    ("sqlalchemy-auth-checked-always", "me", "sqlalchemy-auth", "read", None),
    ("sqlalchemy-auth-api-key", "me", "sqlalchemy-auth", "read", 0.9),
    # Counting each request: in the process, and in Redis beside a cached answer.
    ("sqlalchemy-auth-rate-limited", "read", "sqlalchemy-auth", "read", 0.9),
    ("sqlalchemy-all-on-rate-limited", "read-hit", "sqlalchemy-all-on", "read-hit", 0.9),
    ("sqlalchemy-auth", "read", "sqlalchemy-default", "read", None),
    # Traces on, every request sampled and exported.
    ("sqlalchemy-traced", "read", "sqlalchemy-default", "read", 0.8),
    ("tortoise-traced", "read", "tortoise-default", "read", 0.8),
    ("sqlalchemy-traced", "create", "sqlalchemy-default", "create", None),
    ("sqlalchemy-traced-sampled", "read", "sqlalchemy-default", "read", 0.8),
    # Events written with each change, and delivered to a webhook: against the same service
    # delivering none, and against the template before events (with --previous).
    ("sqlalchemy-webhooks", "create", "sqlalchemy-default", "create", None),
    ("tortoise-webhooks", "create", "tortoise-default", "create", None),
    ("sqlalchemy-webhooks", "create", "previous-sqlalchemy-default", "create", 0.85),
    ("tortoise-webhooks", "create", "previous-tortoise-default", "create", 0.85),
    # Lists deep into a large table cost what the first page does; a filter on an index is
    # about as cheap as none; a 304 is cheaper than the answer it saves.
    *(
        (name, scenario, name, reference, goal)
        for name in ("sqlalchemy-lists", "tortoise-lists")
        for scenario, reference, goal in [
            ("list-cursor-deep", "list-first", 0.7),
            ("list-offset-deep", "list-first", None),
            ("list-filtered", "list-first", 0.8),
            ("read-one-304", "read-one", 1.0),
        ]
    ),
    # With --previous: this template against the one before (the server, the sign-in limits;
    # traces off must cost the read nothing measurable).
    *(
        (name, scenario, f"previous-{name}", scenario, 0.97 if scenario == "read" else None)
        for name in ("sqlalchemy-default", "tortoise-default")
        for scenario in ("live", "read", "list", "create")
    ),
    ("sqlalchemy-auth", "read", "previous-sqlalchemy-auth", "read", None),
    ("sqlalchemy-auth", "login", "previous-sqlalchemy-auth", "login", None),
    # The cost of a layer, reported without a target: what turning it off would buy.
    ("sqlalchemy-default", "live", "sqlalchemy-no-access-log", "live", None),
    ("sqlalchemy-default", "read", "sqlalchemy-no-access-log", "read", None),
    ("sqlalchemy-gzip", "list-gzip", "sqlalchemy-default", "list", None),
]  # fmt: skip


@dataclass
class Measurement:
    target: str
    scenario: str
    round: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    timeouts: int
    churned_connections: int | None
    rss_mb: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def tail_ratio(self) -> float:
        return self.p99_ms / self.p50_ms if self.p50_ms else float("inf")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def psql(database: str, sql: str) -> str:
    url = re.sub(r"/[^/]*$", f"/{database}", POSTGRES)
    return subprocess.run(
        ["psql", url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True, timeout=300,
    ).stdout.strip()  # fmt: skip


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: installing it from Debian's packages")
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, check=False, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False, timeout=600)
        subprocess.run(install, check=False, timeout=600)
    return shutil.which("wrk") or sys.exit("could not install wrk (apt-get install wrk)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def schema_of(combination: str) -> str:
    """Combinations with the same tables share a seeded database."""
    answers = COMBINATIONS[combination]
    schema = answers["orm"] + ("_auth" if answers.get("auth") == "jwt" else "")
    if combination in PREVIOUS:  # migrated by the previous template's own migrations
        schema = f"previous_{schema}"
    deep = ["lists"] if combination in SEEDS else []
    return "_".join([schema, *RESOURCES.get(combination, {}), *deep])


@contextmanager
def previous_template(ref: str | None, workdir: Path) -> Iterator[Path | None]:
    """A checkout of this repository at `ref` (a git worktree), removed afterwards."""
    if ref is None:
        yield None
        return
    checkout = workdir / "previous-template"
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(checkout), ref], check=True, capture_output=True)
    try:
        yield checkout
    finally:
        subprocess.run([*git, "remove", "--force", str(checkout)], check=False, capture_output=True)


def render(name: str, answers: dict[str, Any], workdir: Path, template: Path | None = None) -> Path:
    project = workdir / name
    checks.render(project, answers, template=template)
    pyproject = project / "pyproject.toml"
    if template is not None and "dependencies-as-of" not in pyproject.read_text():
        # Locked at the moment this template's dependencies were tested, as the current one is.
        as_of = fact("dependencies_as_of")
        pyproject.write_text(
            pyproject.read_text() + f'\n[tool.asyncforge]\ndependencies-as-of = "{as_of}"\n'
        )
    installed = checks.install(project)
    if not installed.ok:
        sys.exit(f"{name}: uv sync failed\n{installed.tail()}")
    resources = RESOURCES.get(name, {})
    if resources:
        # `add resource` renders the release the service records; a checkout with uncommitted
        # changes records a commit of Copier's scratch copy, so name the checkout as it is.
        answers_file = project / ".copier-answers.yml"
        recorded = re.sub(r"(?m)^_commit: .*$", "_commit: HEAD", answers_file.read_text())
        answers_file.write_text(recorded)
        # It undoes itself with git, so it wants a repository.
        for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "rendered"]):
            subprocess.run(
                ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *command],
                cwd=project, check=True, capture_output=True, timeout=60,
            )  # fmt: skip
    for resource, fields in resources.items():
        add_resource(project, resource, fields, singular=None, access=Access())
    return project


def seed_database(project: Path, orm: str, name: str, count: int = SEEDED) -> str:
    """A fresh database for one ORM, migrated by the project's own command, with `count` items."""
    psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql("postgres", f'CREATE DATABASE "{name}"')
    url = re.sub(r"/[^/]*$", f"/{name}", POSTGRES)
    command = ["aerich", "upgrade"] if orm == "tortoise" else ["alembic", "upgrade", "head"]
    migrated = checks.run_phase(
        "migrate", [[checks.uv_executable(), "run", "--frozen", *command]], project,
        {"DATABASE_URL": url},
    )  # fmt: skip
    if not migrated.ok:
        sys.exit(f"migrating {name} failed\n{migrated.tail()}")
    # Since 0.6.0 rows have updated_at; a render of a template before it (--previous) has none.
    stamped = psql(
        name,
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'items' AND column_name = 'updated_at'",
    )
    times, now = (
        ("created_at, updated_at", "now(), now()") if stamped == "1" else ("created_at", "now()")
    )
    psql(
        name,
        f"INSERT INTO items (name, description, price, {times}, processed_at) "
        f"SELECT 'seed-' || g, 'a seeded item', (g % 1000) + 0.99, {now}, now() "
        f"FROM generate_series(1, {count}) AS g",
    )
    if "orders" in name:
        psql(
            name,
            f"INSERT INTO orders (item_id, quantity, status, {times}) "
            f"SELECT g, (g % 9) + 1, 'open', {now} FROM generate_series(1, {SEEDED}) AS g",
        )
    psql(name, "VACUUM ANALYZE")
    return url


def create_admin(project: Path, url: str) -> None:
    """The account the signed-in targets and the logins use, made as a team makes its first."""
    email, password = ADMIN
    package = next((project / "src").iterdir()).name
    made = checks.run_phase(
        "create-admin",
        [[checks.uv_executable(), "run", "--frozen", "python", "-m", f"{package}.users",
          "create-admin", email]],
        project,
        {"DATABASE_URL": url, "AUTH_SECRET_KEY": SIGNING_KEY, "ADMIN_PASSWORD": password},
    )  # fmt: skip
    if not made.ok:
        sys.exit(f"create-admin failed\n{made.tail()}")


def _post(base: str, path: str, body: str, headers: dict[str, str]) -> tuple[int, Any]:
    """One POST to the service, its status and JSON answer."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", path, body, headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def admin_token(base: str) -> str:
    email, password = ADMIN
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = _post(base, "/api/v1/auth/token", f"username={email}&password={password}", form)
    if status != 200:
        sys.exit(f"signing in failed: {status} {body}")
    token: str = body["access_token"]
    return token


def api_key(base: str) -> str:
    """A key the admin makes, as a team makes one for a program."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {admin_token(base)}"}
    status, body = _post(base, "/api/v1/api-keys", json.dumps({"name": "bench"}), headers)
    if status != 201:
        sys.exit(f"making an API key failed: {status} {body}")
    key: str = body["key"]
    return key


def sessions_opened(database: str) -> int:
    return int(
        psql("postgres", f"SELECT sessions FROM pg_stat_database WHERE datname = '{database}'")
    )


def _backends_query(database: str) -> str:
    return f"SELECT pid || '@' || backend_start FROM pg_stat_activity WHERE datname = '{database}'"


@dataclass
class Backends:
    """The connections to a database that started while a block ran, and those still open when it
    ended."""

    started: set[str] = field(default_factory=set)
    open_after: set[str] = field(default_factory=set)


@contextmanager
def connections_started(database: str) -> Iterator[Backends]:
    """The connections to `database` that start while the block runs, seen by sampling
    pg_stat_activity every 0.1 s (one psql, one connection, to another database), and those open
    once it has ended (which of them a pool kept).

    `pg_stat_database.sessions` counts a connection when its backend next flushes its statistics,
    which a busy machine can put off by seconds: a pool connection opened at the end of a warm-up
    then lands in the measured run. A connection that shows in the samples with a start unseen
    before the block is one the run opened; a pool that churned would show there."""
    before = set(psql("postgres", _backends_query(database)).splitlines())
    backends = Backends()
    with tempfile.TemporaryFile("w+") as samples:
        watcher = subprocess.Popen(
            ["psql", POSTGRES, "-qAt"], stdin=subprocess.PIPE, stdout=samples, text=True
        )
        assert watcher.stdin is not None
        watcher.stdin.write(f"{_backends_query(database)}\n\\watch 0.1\n")
        watcher.stdin.close()
        try:
            yield backends
        finally:
            time.sleep(0.3)  # a last sample after the block
            watcher.send_signal(signal.SIGINT)  # ends the \watch; psql then meets the end of input
            watcher.wait(timeout=30)
            samples.seek(0)
            backends.started.update(set(samples.read().splitlines()) - before - {""})
            backends.open_after.update(psql("postgres", _backends_query(database)).splitlines())


def churned_connections(database: str, sessions_before: int, backends: Backends) -> int:
    """Connections opened during a run and not kept: a pool that grows towards its size under a
    heavier load than its warm-up's keeps what it opens (not churn); a pool that churned, or a
    reference that connects per request, closes them. The counter gives the full count
    (references open hundreds of short connections, most between two samples); when no
    connection started during the run, what it gained was reported late by the warm-up's."""
    if not backends.started:
        return 0
    kept = len(backends.started & backends.open_after)
    return max(len(backends.started) - kept, sessions_opened(database) - sessions_before - kept)


def worker_rss_mb(master: int) -> float | None:
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = children.read_text().split() if children.exists() else []
    sizes = []
    for pid in pids or [str(master)]:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            if match:
                sizes.append(int(match[1]) / 1024)
    return max(sizes) if sizes else None


@contextmanager
def serve(target: Target, project: Path, environment: dict[str, str]) -> Iterator[tuple[str, int]]:
    """The target under the project's production server, as the rendered Dockerfile runs it,
    with one worker."""
    port = free_port()
    env = checks.child_environment(
        {
            **environment,
            **{k: _sink_of(v) for k, v in target.env},
            "WEB_CONCURRENCY": "1",
            "BIND": f"127.0.0.1:{port}",
            "PYTHONPATH": str(ROOT),
        }
    )
    multiproc = None
    package = next((project / "src").iterdir()).name
    launcher = project / "src" / package / "serve.py"
    if launcher.is_file() or (project / "gunicorn.conf.py").is_file():
        if "prometheus" in (project / "pyproject.toml").read_text():
            multiproc = Path(tempfile.mkdtemp(prefix="bench-prometheus-"))
            env["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc)
        if launcher.is_file():
            command = [str(project / ".venv/bin/python"), "-m", f"{package}.serve"]
        else:  # a render from before Granian: gunicorn with uvicorn workers
            command = [str(project / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py"]
        command += [target.app] if target.app else []
    else:  # a render from before the production server was in every combination
        command = [str(project / ".venv/bin/uvicorn"), target.app or f"{package}.main:app",
                   "--port", str(port), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    logfile = Path(tempfile.mkdtemp(prefix="bench-")) / f"{target.name}.log"
    with logfile.open("w") as log:
        process = subprocess.Popen(
            command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a busy machine starts a server slowly
        probe = "/health/live" if "live" in target.scenarios or target.app is None else None
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{target.name} did not start:\n{logfile.read_text()[-3000:]}")
            if port_open(port) and (probe is None or http_ok(port, probe)):
                break
            time.sleep(0.2)
        yield base, process.pid
    finally:
        checks.stop_process_group(process)
        if multiproc:
            shutil.rmtree(multiproc, ignore_errors=True)


class _OtlpSink(http.server.BaseHTTPRequestHandler):
    """Takes what an OTLP/HTTP exporter sends and answers it as a collector would."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


_sink: list[str] = []


def otlp_sink() -> str:
    """The bench's OTLP receiver, started once, in a thread of this process."""
    if not _sink:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OtlpSink)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _sink.append(f"http://127.0.0.1:{server.server_address[1]}")
    return _sink[0]


def _sink_of(value: str) -> str:
    """A target's environment value, the bench's receivers named by their placeholders."""
    if value == OTLP_SINK:
        return otlp_sink()
    if value == WEBHOOK_SINK:
        return f"{otlp_sink()}/hooks"  # the same server answers any POST at once
    return value


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(port: int, path: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(
                f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode()
            )
            return conn.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def wrk(
    base: str,
    script: str,
    args: list[str],
    seconds: int,
    connections: int,
    headers: tuple[str, ...] = (),
) -> dict[str, Any]:
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s",
        *(part for header in headers for part in ("-H", header)),
        "-s", str(WRK_DIR / script), base, "--", *args,
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    found = re.search(r"^BENCH_JSON (.*)$", completed.stdout, re.MULTILINE)
    if not found:
        sys.exit(f"wrk gave no report:\n{completed.stdout}\n{completed.stderr}")
    report: dict[str, Any] = json.loads(found[1])
    return report


SCRIPTS = {
    "live": ("get.lua", lambda run: ["/health/live"]),
    "read": ("read.lua", lambda run: ["/api/v1/items", str(SEEDED)]),
    "read-hit": ("read.lua", lambda run: ["/api/v1/items", str(SEEDED)]),
    "list": ("list.lua", lambda run: ["/api/v1/items", str(SEEDED)]),
    "list-gzip": ("list.lua", lambda run: ["/api/v1/items", str(SEEDED), "gzip"]),
    "create": ("create.lua", lambda run: ["/api/v1/items", run]),
    "orders-read": ("read.lua", lambda run: ["/api/v1/orders", str(SEEDED)]),
    "orders-list": ("list.lua", lambda run: ["/api/v1/orders", str(SEEDED)]),
    "orders-create": ("create-order.lua", lambda run: ["/api/v1/orders", str(SEEDED)]),
    # The first 50 orders, and the same with each order's item embedded (one statement more).
    "orders-page": ("get.lua", lambda run: ["/api/v1/orders?limit=50"]),
    "orders-page-include": ("get.lua", lambda run: ["/api/v1/orders?limit=50&include=item"]),
    "me": ("get.lua", lambda run: ["/api/v1/users/me"]),
    # Lists of 20 in a table of SEEDS rows: the first page, the page after row DEEP by the
    # cursor a client would hold there and by offset, and one filtered on an indexed field.
    "list-first": ("get.lua", lambda run: ["/api/v1/items?limit=20"]),
    "list-cursor-deep": ("get.lua", lambda run: [PREPARED["list-cursor-deep"]]),
    "list-offset-deep": ("get.lua", lambda run: [f"/api/v1/items?limit=20&offset={DEEP}"]),
    "list-filtered": ("get.lua", lambda run: ["/api/v1/items?limit=20&id__gte=10001"]),
    # One row read again and again: answered in full, and answered 304 to its ETag.
    "read-one": ("get.lua", lambda run: ["/api/v1/items/1"]),
    "read-one-304": (
        "get-if-none-match.lua",
        lambda run: ["/api/v1/items/1", PREPARED["read-one-304"]],
    ),
    "login": ("login.lua", lambda run: list(ADMIN)),
}
PREPARED: dict[str, str] = {}
"""What a scenario asks of the running service first (`prepare`): a cursor, an ETag."""
CONNECTIONS = {"login": 4}
"""Scenarios measured with fewer connections: a sign-in takes tens of milliseconds of hashing on
purpose, so 64 waiting at once would only measure the queue (and time out)."""


@contextmanager
def pgbouncer(url: str, pool_size: int = 20) -> Iterator[str]:
    """Debian's pgbouncer in transaction mode in front of `url`, as the rendered suites start it
    (template/tests/pgbouncer.py); yields the URL through it. Its pool is the service's
    DATABASE_POOL_SIZE (16) plus headroom."""
    spec = importlib.util.spec_from_file_location(
        "rendered_pgbouncer", ROOT / "template" / "tests" / "pgbouncer.py"
    )
    assert spec is not None
    assert spec.loader is not None
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    with helper.transaction_pooler(url, server_connections=pool_size) as pooled:
        yield pooled


def measure(
    target: Target, project: Path, database: str, url: str, round_: int, options: argparse.Namespace
) -> list[Measurement]:
    if target.pooler:
        with pgbouncer(url) as pooled:
            return _measure(target, project, database, pooled, round_, options)
    return _measure(target, project, database, url, round_, options)


def service_environment(project: Path, url: str) -> dict[str, str]:
    """What a rendered service runs with in the bench: the seeded database, a signing key, and
    the bench's own Redis database, emptied, where the service has Redis."""
    environment = {"DATABASE_URL": url, "AUTH_SECRET_KEY": SIGNING_KEY}
    if "redis" in (project / "pyproject.toml").read_text():
        subprocess.run(
            ["redis-cli", "-n", "14", "flushdb"], check=True, capture_output=True, timeout=30
        )
        environment["REDIS_URL"] = REDIS_DB
    return environment


def _measure(
    target: Target, project: Path, database: str, url: str, round_: int, options: argparse.Namespace
) -> list[Measurement]:
    environment = service_environment(project, url)
    results = []
    with serve(target, project, environment) as (base, master):
        headers: tuple[str, ...] = ()
        if target.signed_in:
            headers = (f"Authorization: Bearer {admin_token(base)}",)
        elif target.api_key:
            headers = (f"X-API-Key: {api_key(base)}",)
        prepare(base, target.scenarios)
        for scenario in target.scenarios:
            script, make_args = SCRIPTS[scenario]
            if scenario == "read-hit":  # every id cached first
                wrk(base, "warm.lua", ["/api/v1/items", str(SEEDED), "2"], options.warm * 3, 64)
            connections = CONNECTIONS.get(scenario, options.connections)
            warm_up(
                base, script, make_args, database, options, settle=target.app is None,
                headers=headers, connections=connections,
            )  # fmt: skip
            before = sessions_opened(database)
            args = make_args(uuid.uuid4().hex[:8])  # POSTs never reuse a name of the warm-up
            with connections_started(database) as backends:
                report = wrk(base, script, args, options.duration, connections, headers)
                run_seconds = options.duration
                while report["requests"] == 0 and run_seconds < MAX_RUN_SECONDS:
                    run_seconds *= 2  # a machine too busy to answer in time: measure longer
                    log(f"{target.name} {scenario}: no answer; measuring for {run_seconds} s")
                    report = wrk(base, script, args, run_seconds, connections, headers)
            time.sleep(1)  # let the run's statistics reach pg_stat_database
            churned = churned_connections(database, before, backends)
            seconds = report["duration_us"] / 1e6
            errors = sum(
                report[f"{kind}_errors"] for kind in ("connect", "read", "write", "status")
            )
            results.append(
                Measurement(
                    target.name, scenario, round_, round(report["requests"] / seconds, 1),
                    report["p50_us"] / 1000, report["p99_us"] / 1000, errors, report["timeouts"],
                    churned,
                    worker_rss_mb(master) if scenario.endswith("create") else None,
                    report,
                )
            )  # fmt: skip
            log(f"round {round_} {target.name} {scenario}: {results[-1].rps:,.0f} req/s, "
                f"p99 {results[-1].p99_ms:.1f} ms, connections churned {churned} "
                f"({len(backends.started)} seen to start)")  # fmt: skip
    if any(scenario.endswith("create") for scenario in target.scenarios):
        psql(database, "VACUUM ANALYZE")
    return results


MAX_RUN_SECONDS = 64


def prepare(base: str, scenarios: tuple[str, ...]) -> None:
    """Ask the service for what the scenarios send: the cursor a client holds after walking to
    row DEEP (pages of 100), and the ETag of item 1."""
    if "list-cursor-deep" in scenarios:
        path = "/api/v1/items?limit=100"
        for _ in range(DEEP // 100):
            with urllib.request.urlopen(base + path, timeout=30) as answer:
                cursor = json.load(answer)["next_cursor"]
            path = f"/api/v1/items?limit=100&cursor={cursor}"
        PREPARED["list-cursor-deep"] = f"/api/v1/items?limit=20&cursor={cursor}"
    if "read-one-304" in scenarios:
        with urllib.request.urlopen(base + "/api/v1/items/1", timeout=30) as answer:
            PREPARED["read-one-304"] = answer.headers["ETag"]


def warm_up(
    base: str,
    script: str,
    make_args: Any,
    database: str,
    options: argparse.Namespace,
    *,
    settle: bool,
    headers: tuple[str, ...] = (),
    connections: int | None = None,
) -> None:
    """Warm up until the target answers and, for a rendered service (`settle`), until a warm-up
    opens no new database connection, so that the measured run sees its pool as it stays (the
    references that open connections per request never settle). A busy machine (the test
    suite's other workers) takes more rounds, each twice as long, never a failure."""
    seconds = options.warm
    while True:
        before = sessions_opened(database)
        arguments = make_args(uuid.uuid4().hex[:8])
        report = wrk(base, script, arguments, seconds, connections or options.connections, headers)
        time.sleep(1)  # let the statistics of the warm-up reach pg_stat_database
        settled = not settle or sessions_opened(database) == before
        if (report["requests"] > 0 and settled) or seconds >= MAX_RUN_SECONDS:
            return
        seconds *= 2


INVALIDATION_TARGETS = ("sqlalchemy-all-on", "tortoise-all-on")
INVALIDATIONS = 200


def invalidation_latency(target: Target, project: Path, url: str) -> dict[str, Any]:
    """Two workers of one service (two servers): one writes an item the other has just served
    from its in-process tier; how long until the other answers the new value. Sequential, so
    the figure is the invalidation's own path (commit, publish, delivery), not a queue."""
    environment = service_environment(project, url)
    waits: list[float] = []
    with (
        serve(target, project, environment) as (reader_base, _),
        serve(target, project, environment) as (writer_base, _),
    ):
        reader = http.client.HTTPConnection(reader_base.removeprefix("http://"), timeout=10)
        writer = http.client.HTTPConnection(writer_base.removeprefix("http://"), timeout=10)

        def call(
            connection: http.client.HTTPConnection,
            method: str,
            path: str,
            body: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            payload = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if payload else {}
            connection.request(method, path, body=payload, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            return json.loads(data) if data else {}

        for n in range(INVALIDATIONS):
            path = f"/api/v1/items/{1 + n}"
            call(reader, "GET", path)
            call(reader, "GET", path)  # now in the reader's in-process tier
            wanted = f"written {uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            call(writer, "PATCH", path, {"description": wanted})
            while call(reader, "GET", path).get("description") != wanted:
                if time.perf_counter() - started > 10:
                    sys.exit(f"{target.name}: an invalidation did not arrive within 10 s")
            waits.append((time.perf_counter() - started) * 1000)
    waits.sort()
    figures = {
        "target": target.name, "invalidations": len(waits),
        "p50_ms": round(waits[len(waits) // 2], 2),
        "p99_ms": round(waits[int(len(waits) * 0.99) - 1], 2), "max_ms": round(waits[-1], 2),
    }  # fmt: skip
    log(f"invalidation {target.name}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
    return figures


FEED_TARGETS = ("sqlalchemy-default", "tortoise-default", "sqlalchemy-all-on")
FEED_RATE = 100
FEED_EVENTS = 500
IDLE_FEEDS = 1000


def feed_figures(target: Target, project: Path, url: str, smoke: bool) -> dict[str, Any]:
    """The live feeds: how long an event takes to reach a client of another server of the same
    service (creates at FEED_RATE per second; `bench/feeds.py` is the client), and what
    IDLE_FEEDS idle clients cost a worker in memory."""
    environment = service_environment(project, url)
    client = [str(project / ".venv/bin/python"), str(Path(__file__).parent / "feeds.py")]
    events, idle = (20, 20) if smoke else (FEED_EVENTS, IDLE_FEEDS)
    with (
        serve(target, project, environment) as (reader, _),
        serve(target, project, environment) as (writer, _),
    ):
        latency = [*client, "latency", writer, reader, "--rate", str(FEED_RATE)]
        measured = subprocess.run(
            [*latency, "--count", str(events)], capture_output=True, text=True, timeout=180
        )
        if measured.returncode:
            sys.exit(f"{target.name}: the feed's latency client failed:\n{measured.stderr[-3000:]}")
        figures: dict[str, Any] = {"target": target.name, **json.loads(measured.stdout)}
    reference = Target(
        "idle-websocket", target.combination, (), "bench.references.idle_websocket:app"
    )
    for held in (target, reference):
        with serve(held, project, environment) as (base, master):
            for _ in range(50):  # the worker as it is once it has served a little
                http_ok(int(base.rpartition(":")[2]), "/api/v1/items/1")
            before = worker_rss_mb(master)
            holder = subprocess.Popen(
                [*client, "idle", base, "--count", str(idle)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert holder.stdout is not None
            assert holder.stdin is not None
            if holder.stdout.readline().strip() != "ready":
                sys.exit(f"{held.name}: the idle clients did not connect")
            time.sleep(1)
            after = worker_rss_mb(master)
            holder.stdin.close()
            holder.wait(timeout=60)
        grown = None if before is None or after is None else round(after - before, 1)
        key = "idle_rss_mb" if held is target else "reference_idle_rss_mb"
        figures[key] = grown
    figures["idle_clients"] = idle
    log(f"feeds {target.name}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms; {idle} "
        f"idle clients {figures['idle_rss_mb']} MB (a bare WebSocket app: "
        f"{figures['reference_idle_rss_mb']} MB)")  # fmt: skip
    return figures


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(measurements: list[Measurement], rounds: int) -> dict[str, Any]:
    by_key: dict[tuple[str, str, int], Measurement] = {
        (m.target, m.scenario, m.round): m for m in measurements
    }
    comparisons = []
    for name, scenario, reference, ref_scenario, goal in COMPARISONS:
        ratios = [
            by_key[(name, scenario, r)].rps / by_key[(reference, ref_scenario, r)].rps
            for r in range(1, rounds + 1)
            if (name, scenario, r) in by_key
            and by_key.get((reference, ref_scenario, r)) is not None
            and by_key[(reference, ref_scenario, r)].rps > 0
        ]
        if ratios:
            comparisons.append({
                "measured": f"{name} {scenario}", "reference": f"{reference} {ref_scenario}",
                "ratios": [round(x, 2) for x in ratios], "median": round(median(ratios), 2),
                "target": goal, "met": None if goal is None else median(ratios) >= goal,
            })  # fmt: skip
    rows = []
    for target, scenario in dict.fromkeys((m.target, m.scenario) for m in measurements):
        runs = [m for m in measurements if (m.target, m.scenario) == (target, scenario)]
        rss = [m.rss_mb for m in runs if m.rss_mb is not None]
        conns = [m.churned_connections for m in runs if m.churned_connections is not None]
        rows.append({
            "target": target, "scenario": scenario,
            "rps": [m.rps for m in runs], "rps_median": round(median([m.rps for m in runs]), 1),
            "p50_ms": round(median([m.p50_ms for m in runs]), 2),
            "p99_ms": round(median([m.p99_ms for m in runs]), 2),
            "p99_over_p50": round(max(m.tail_ratio for m in runs), 1),
            "errors": sum(m.errors for m in runs), "timeouts": sum(m.timeouts for m in runs),
            "churned_connections": max(conns) if conns else None,
            "rss_mb": round(max(rss), 1) if rss else None,
        })  # fmt: skip
    return {"rows": rows, "comparisons": comparisons}


def print_report(summary: dict[str, Any]) -> None:
    print(
        "\n| target | scenario | req/s (median) | p50 ms | p99 ms | p99/p50 | errors | over 2 s "
        "| PG conns churned | RSS MB |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in summary["rows"]:
        print(
            f"| {row['target']} | {row['scenario']} | {row['rps_median']:,.0f} | {row['p50_ms']} | "
            f"{row['p99_ms']} | {row['p99_over_p50']} | {row['errors']} | {row['timeouts']} | "
            f"{row['churned_connections'] if row['churned_connections'] is not None else '-'} | "
            f"{row['rss_mb'] if row['rss_mb'] is not None else '-'} |"
        )
    print("\n| measured | reference | ratio per round | median | target | met |")
    print("| --- | --- | --- | ---: | ---: | --- |")
    for c in summary["comparisons"]:
        ratios = ", ".join(f"{r:.2f}" for r in c["ratios"])
        goal = "-" if c["target"] is None else f"≥ {c['target']}"
        met = "cost" if c["met"] is None else "yes" if c["met"] else "NO"
        print(f"| {c['measured']} | {c['reference']} | {ratios} | {c['median']:.2f} | "
              f"{goal} | {met} |")  # fmt: skip
    if summary.get("invalidation"):
        print("\n| invalidation reaching a second worker | writes | p50 ms | p99 ms | max ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for row in summary["invalidation"]:
            print(f"| {row['target']} | {row['invalidations']} | {row['p50_ms']} | "
                  f"{row['p99_ms']} | {row['max_ms']} |")  # fmt: skip
    if summary.get("feeds"):
        print(f"\n| live feed, event to a client of another server ({FEED_RATE} creates/s) "
              "| events | p50 ms | p99 ms | max ms | the creates' answers, p99 ms | idle clients "
              "| their RSS MB | a bare WebSocket app's |")  # fmt: skip
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in summary["feeds"]:
            print(f"| {row['target']} | {row['events']} | {row['p50_ms']} | {row['p99_ms']} | "
                  f"{row['max_ms']} | {row['create_p99_ms']} | {row['idle_clients']} | "
                  f"{row['idle_rss_mb']} | {row['reference_idle_rss_mb']} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warm", type=int, default=2, help="seconds of warm-up before each")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", help="comma-separated target names (references included)")
    parser.add_argument("--smoke", action="store_true", help="1 round of 1 s runs: does it work?")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--keep", type=Path, help="render into this folder and keep it")
    parser.add_argument(
        "--previous", metavar="REF",
        help="also measure the previous-* targets rendered from this git ref of the template",
    )  # fmt: skip
    options = parser.parse_args()
    if options.smoke:  # proves the bench works; few connections, so a busy machine keeps up
        options.rounds, options.duration, options.warm, options.connections = 1, 1, 1, 8
    ensure_wrk()
    reason = backends.postgres_unavailable_reason()
    if reason:
        sys.exit(f"the bench needs PostgreSQL: {reason}")
    targets = [
        t
        for t in TARGETS
        if (not options.only or t.name in options.only.split(","))
        and (options.previous or t.combination not in PREVIOUS)
    ]
    needed = dict.fromkeys(t.combination for t in targets)
    workdir = options.keep or Path(tempfile.mkdtemp(prefix="asyncforge-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    projects, databases = {}, {}
    with previous_template(options.previous, workdir) as previous:
        for name in needed:
            log(f"rendering and installing {name}")
            template = previous if name in PREVIOUS else None
            projects[name] = render(name, COMBINATIONS[name], workdir, template)
    for schema in dict.fromkeys(schema_of(n) for n in needed):
        first = next(n for n in needed if schema_of(n) == schema)
        database = f"bench_{schema}"
        orm = COMBINATIONS[first]["orm"]
        count = SEEDS.get(first, SEEDED)
        databases[schema] = (database, seed_database(projects[first], orm, database, count))
        log(f"seeded {database} with {count} items")
        if COMBINATIONS[first].get("auth") == "jwt":
            create_admin(projects[first], databases[schema][1])
    measurements: list[Measurement] = []
    for round_ in range(1, options.rounds + 1):
        order = targets if round_ % 2 else list(reversed(targets))  # interleave: alternate order
        for target in order:
            database, url = databases[schema_of(target.combination)]
            measurements += measure(
                target, projects[target.combination], database, url, round_, options
            )
    summary = summarise(measurements, options.rounds)
    summary["invalidation"] = [
        invalidation_latency(target, projects[target.combination],
                             databases[schema_of(target.combination)][1])
        for target in targets
        if target.name in INVALIDATION_TARGETS and not options.smoke
    ]  # fmt: skip
    summary["feeds"] = [
        feed_figures(target, projects[target.combination],
                     databases[schema_of(target.combination)][1], options.smoke)
        for target in targets
        if target.name in FEED_TARGETS
    ]  # fmt: skip
    summary["settings"] = {k: str(v) for k, v in vars(options).items()}
    summary["measurements"] = [asdict(m) for m in measurements]
    options.json.write_text(json.dumps(summary, indent=2))
    print_report(summary)
    print(f"\nJSON: {options.json}")
    if not options.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
