"""Fixtures shared by the generator's tests: rendered projects and the real services they use."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asyncforge.matrix import BACKENDS, Combination, all_combinations
from asyncforge.matrix import backends as services

from .helpers import rendered

# The suite starts hundreds of Python processes from this checkout's environment (xdist workers,
# `asyncforge`, schemathesis): where PYTHONDONTWRITEBYTECODE is set, each would compile anew.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=BACKENDS,
        action="append",
        help="Run the rendered suites on this backend only (default: both; CI runs both)",
    )


LONGEST_FIRST = [
    "test_resources.py", "test_explore.py", "test_api_conformance.py", "test_matrix.py",
    "test_update.py", "test_releases.py", "test_bench.py",
]  # fmt: skip
"""Modules whose tests take minutes, longest first. xdist hands out test groups in collection
order: a long one collected last would run alone on one core at the end while the other idles."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each module keeps its own order


@pytest.fixture(scope="session")
def selected_backends(pytestconfig: pytest.Config) -> list[str]:
    chosen: list[str] | None = pytestconfig.getoption("--backend")
    return chosen or list(BACKENDS)


def combination_id(combination: Combination) -> str:
    return combination.id


@pytest.fixture(scope="session")
def template() -> Path:
    from asyncforge.template import template_root

    return template_root()


@pytest.fixture(scope="session", params=all_combinations(), ids=combination_id)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered project, exactly as Copier wrote it (never installed into)."""
    return rendered(request.param, tmp_path_factory)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards. CI makes sure PostgreSQL
    runs; without it the test fails saying so (use `--backend embedded` for the matrix alone)."""
    reason = services.postgres_unavailable_reason()
    if reason is not None:
        pytest.fail(f"real PostgreSQL needed: {reason}")
    url = services.create_postgres_database("asyncforge_test")
    try:
        yield url
    finally:
        services.drop_postgres_database(url)


@pytest.fixture(scope="session")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's template as a clean git repository (tag v1), for commands that refuse a
    template with uncommitted changes. Tests must not change it; those that do make their own."""
    from .helpers import committed_template

    return committed_template(tmp_path_factory.mktemp("committed") / "asyncforge")
