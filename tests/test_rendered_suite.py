"""Each ORM's default project passes its own tests on the embedded defaults, and the interface's
migration command builds the schema on a real PostgreSQL database."""

from pathlib import Path

import pytest

from asyncforge import checks, services


@pytest.mark.slow
def test_project_passes_its_tests_on_sqlite(installed_project: Path) -> None:
    phase = checks.run_suite(installed_project)

    assert phase.ok, phase.tail()
    assert "(embedded SQLite; DATABASE_URL is not set)" in phase.output
    assert " passed" in phase.output


@pytest.mark.slow
def test_contract_migration_command_builds_the_schema_on_postgres(
    installed_project: Path, postgres_database: str
) -> None:
    """`uv run alembic upgrade head` / `uv run aerich upgrade`, run by hand in the project."""
    pyproject = (installed_project / "pyproject.toml").read_text()
    command = (
        ["aerich", "upgrade"] if "[tool.aerich]" in pyproject else ["alembic", "upgrade", "head"]
    )
    phase = checks.run_phase(
        "migrate",
        [[checks.uv_executable(), "run", "--frozen", *command]],
        installed_project,
        {"DATABASE_URL": postgres_database},
    )

    assert phase.ok, phase.tail()
    assert services.table_names(postgres_database) >= {"items"}
