"""Fixtures shared by the generator's tests: rendered projects and the real services they use."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from asyncforge import checks, services


@pytest.fixture(scope="session")
def template() -> Path:
    from asyncforge.template import template_root

    return template_root()


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default combination, rendered once for every test that only reads it."""
    destination = tmp_path_factory.mktemp("default") / "my-service"
    return checks.render(destination, checks.Combination().answers())


@pytest.fixture(scope="session")
def installed_default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rendered apart from `default_project`, whose tree must stay exactly as Copier wrote it."""
    destination = tmp_path_factory.mktemp("installed") / "my-service"
    checks.render(destination, checks.Combination().answers())
    phase = checks.install(destination)
    assert phase.ok, phase.tail()
    return destination


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards; skips, saying why, when
    PostgreSQL is not reachable (CI makes sure it is)."""
    reason = services.postgres_unavailable_reason()
    if reason is not None:
        pytest.skip(f"real PostgreSQL not used: {reason}")
    url = services.create_postgres_database(f"asyncforge_{request.node.name}"[:40])
    try:
        yield url
    finally:
        services.drop_postgres_database(url)
