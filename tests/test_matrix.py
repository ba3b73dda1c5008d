"""Every combination of options renders a project that installs, lints, type-checks and passes
its own tests against the real services on loopback. `asyncforge matrix` runs the same check."""

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from asyncforge import checks
from asyncforge.checks import ALL_COMBINATIONS, Combination

ASYNCFORGE = str(Path(sys.executable).parent / "asyncforge")


@pytest.mark.slow
@pytest.mark.parametrize(
    "combination",
    [pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.id)) for c in ALL_COMBINATIONS],
)
def test_combination_installs_lints_type_checks_and_passes_its_tests(
    combination: Combination, tmp_path: Path
) -> None:
    slot = ALL_COMBINATIONS.index(combination) + 1  # its own Redis logical database
    result = checks.check_combination(combination, tmp_path, slot=slot)

    for fallback in result.fallbacks:
        warnings.warn(f"{combination.id}: real service not used, {fallback}", stacklevel=1)
    assert result.ok, result.failure()
    assert "passed" in result.test_counts()
    assert "failed" not in result.test_counts()


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (None, 16),
        ("orm=tortoise", 8),
        ("orm=tortoise,redis=true", 4),
        ("orm=sqlalchemy, redis=false, tasks=celery, prometheus=on", 1),
    ],
)
def test_only_selects_combinations(only: str | None, expected: int) -> None:
    assert len(checks.select(only)) == expected


@pytest.mark.parametrize(
    ("only", "message"),
    [
        ("orm=mongo", "orm must be one of sqlalchemy, tortoise, not 'mongo'"),
        ("redis=maybe", "redis must be true or false"),
        ("colour=red", "unknown option 'colour'"),
    ],
)
def test_matrix_refuses_a_bad_filter_naming_it(only: str, message: str) -> None:
    result = subprocess.run(
        [ASYNCFORGE, "matrix", "--only", only], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.slow
def test_matrix_command_prints_a_table_and_exits_zero() -> None:
    only = "orm=sqlalchemy,redis=false,tasks=background_tasks,prometheus=false"
    result = subprocess.run(
        [ASYNCFORGE, "matrix", "--only", only],
        capture_output=True,
        text=True,
        timeout=600,
        env=checks.child_environment({"COLUMNS": "160"}),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "sqlalchemy-noredis-bgtasks-noprom" in result.stdout
    assert "all 1 combinations passed" in result.stdout
    assert " passed" in result.stdout
