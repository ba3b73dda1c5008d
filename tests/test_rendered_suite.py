"""A rendered project installs into its own environment and passes its own tests."""

from pathlib import Path

import pytest

from asyncforge import checks


@pytest.mark.slow
def test_default_project_passes_its_tests_on_sqlite(installed_default_project: Path) -> None:
    phase = checks.run_suite(installed_default_project)

    assert phase.ok, phase.tail()
    assert "embedded SQLite" in phase.output
    assert " passed" in phase.output


@pytest.mark.slow
def test_default_project_passes_its_tests_on_postgres(
    installed_default_project: Path, postgres_database: str
) -> None:
    phase = checks.run_suite(installed_default_project, {"DATABASE_URL": postgres_database})

    assert phase.ok, phase.tail()
    assert "database: postgresql://" in phase.output
    assert "(from DATABASE_URL)" in phase.output


@pytest.mark.slow
def test_default_project_type_checks(installed_default_project: Path) -> None:
    phase = checks.typecheck(installed_default_project)

    assert phase.ok, phase.tail()
