"""A rendered project installs into its own environment and passes its own tests."""

from pathlib import Path

import pytest

from asyncforge import checks, services


@pytest.mark.slow
def test_project_passes_its_tests_on_sqlite(installed_project: Path) -> None:
    phase = checks.run_suite(installed_project)

    assert phase.ok, phase.tail()
    assert "embedded SQLite" in phase.output
    assert " passed" in phase.output


@pytest.mark.slow
def test_project_passes_its_tests_on_the_real_services(
    installed_project: Path, real_services: dict[str, str]
) -> None:
    phase = checks.run_suite(installed_project, real_services)

    assert phase.ok, phase.tail()
    assert "database: postgresql://" in phase.output
    for variable in real_services:
        assert f"(from {variable})" in phase.output


@pytest.mark.slow
def test_contract_migration_command_builds_the_schema_on_postgres(
    installed_project: Path, postgres_database: str
) -> None:
    """The interface's migration command, run by hand in the project directory."""
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


@pytest.mark.slow
def test_project_type_checks(installed_project: Path) -> None:
    phase = checks.typecheck(installed_project)

    assert phase.ok, phase.tail()
