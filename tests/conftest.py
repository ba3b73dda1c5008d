"""Fixtures shared by the generator's tests: rendered projects and the real services they use."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from asyncforge import checks, services
from asyncforge.checks import ALL_COMBINATIONS, Combination

ORM_DEFAULTS = [Combination(orm=orm) for orm in checks.ORMS]


def combination_id(combination: Combination) -> str:
    return combination.id


@pytest.fixture(scope="session")
def template() -> Path:
    from asyncforge.template import template_root

    return template_root()


@pytest.fixture(scope="session", params=ALL_COMBINATIONS, ids=combination_id)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered project, exactly as Copier wrote it (never installed into)."""
    combination: Combination = request.param
    destination = tmp_path_factory.mktemp(combination.id) / "my-service"
    return checks.render(destination, combination.answers())


@pytest.fixture(scope="session", params=ORM_DEFAULTS, ids=combination_id)
def installed_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Each ORM's default project with its own environment, made by `uv sync`."""
    combination: Combination = request.param
    destination = tmp_path_factory.mktemp(f"installed-{combination.id}") / "my-service"
    checks.render(destination, combination.answers())
    phase = checks.install(destination)
    assert phase.ok, phase.tail()
    return destination


@pytest.fixture
def postgres_database() -> Iterator[str]:
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
