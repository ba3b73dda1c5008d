"""Fixtures shared by the generator's tests: rendered projects and the real services they use."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from asyncforge import checks, services
from asyncforge.checks import Combination

COMBINATIONS = [
    Combination(orm=orm, redis=redis, tasks=tasks)
    for orm in checks.ORMS
    for redis in (False, True)
    for tasks in checks.TASKS
]


def combination_id(combination: Combination) -> str:
    return combination.id


@pytest.fixture(scope="session")
def template() -> Path:
    from asyncforge.template import template_root

    return template_root()


@pytest.fixture(scope="session", params=COMBINATIONS, ids=combination_id)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered project, exactly as Copier wrote it (never installed into)."""
    combination: Combination = request.param
    destination = tmp_path_factory.mktemp(combination.id) / "my-service"
    return checks.render(destination, combination.answers())


@pytest.fixture(scope="session", params=COMBINATIONS, ids=combination_id)
def installed_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A rendered project with its own environment, made by `uv sync`."""
    combination: Combination = request.param
    destination = tmp_path_factory.mktemp(f"installed-{combination.id}") / "my-service"
    checks.render(destination, combination.answers())
    phase = checks.install(destination)
    assert phase.ok, phase.tail()
    return destination


@pytest.fixture
def real_services(installed_project: Path, postgres_database: str) -> dict[str, str]:
    """The environment that points a project's tests at the real services on loopback."""
    environment = {"DATABASE_URL": postgres_database}
    answers = yaml.safe_load((installed_project / ".copier-answers.yml").read_text())
    combination = Combination(answers["orm"], answers["redis"], answers["tasks"])
    if combination.redis:
        url = services.redis_url(COMBINATIONS.index(combination) + 1)
        if url is None:
            pytest.skip("real Redis not used: it does not answer on 127.0.0.1:6379")
        environment["REDIS_URL"] = url
    if combination.tasks == "celery":
        broker = environment["REDIS_URL"] if combination.redis else services.rabbitmq_url()
        if broker is None:
            pytest.skip("real RabbitMQ not used: it does not answer on 127.0.0.1:5672")
        environment["CELERY_BROKER_URL"] = broker
    return environment


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; skips, saying why, when
    PostgreSQL is not reachable (CI makes sure it is)."""
    reason = services.postgres_unavailable_reason()
    if reason is not None:
        pytest.skip(f"real PostgreSQL not used: {reason}")
    url = services.create_postgres_database("asyncforge_test")
    try:
        yield url
    finally:
        services.drop_postgres_database(url)
