"""The interface's migration commands, run by hand in a rendered project, build the schema on a
real PostgreSQL database."""

from pathlib import Path

import pytest

from asyncforge.matrix import backends as services
from asyncforge.matrix import checks

from .helpers import MIGRATE


@pytest.mark.slow
@pytest.mark.parametrize("orm", list(MIGRATE))
def test_contract_migration_command_builds_the_schema_on_postgres(
    orm: str, tmp_path: Path, postgres_database: str
) -> None:
    """`uv run alembic upgrade head` / `uv run aerich upgrade`, run in the project."""
    project = checks.render(tmp_path / "my-service", {"orm": orm})
    installed = checks.install(project)
    assert installed.ok, installed.tail()

    phase = checks.run_phase(
        "migrate",
        [[checks.uv_executable(), "run", "--frozen", *MIGRATE[orm]]],
        project,
        {"DATABASE_URL": postgres_database},
    )

    assert phase.ok, phase.tail()
    assert services.table_names(postgres_database) >= {"items"}
