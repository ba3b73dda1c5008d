"""Every combination of options renders a project that installs on a supported Python, lints,
type-checks, and passes its own suite on a backend: the real services on loopback or the embedded
defaults. Pythons and backends rotate across combinations, so that every option value runs on
every Python and both backends; the default combination runs on every Python, each ORM's all-on
combination on both backends. `asyncforge matrix` runs the same checks."""

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from asyncforge.matrix import (
    BACKENDS,
    Prepared,
    Run,
    all_combinations,
    anchors,
    prepare,
    runs,
    suite,
)
from asyncforge.matrix.checks import child_environment
from asyncforge.matrix.combinations import select, supported_pythons

ASYNCFORGE = str(Path(sys.executable).parent / "asyncforge")
RUNS = runs(all_combinations())
DEFAULT, *ALL_ON = anchors()
"""The default combination, then the all-on combination of each ORM."""
OPTION_VALUES = {
    name: sorted({c[name] for c in all_combinations()}, key=str) for name in DEFAULT.answers()
}
SLOTS = {run.id: slot for slot, run in enumerate(RUNS, start=1)}
"""Each run's own Redis database and PostgreSQL name, whichever backends it runs on."""
PREPARED: dict[str, Prepared] = {}
"""One environment per run, shared by its suites on its backends (xdist keeps a run's tests on
one worker: they share its group)."""

BACKEND_SAYS = {
    "real": "(from DATABASE_URL)",
    "embedded": "(embedded SQLite; DATABASE_URL is not set)",
}


def prepared(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    if run.id not in PREPARED:
        # One mypy cache per xdist worker: its runs are prepared one at a time.
        type_cache = tmp_path_factory.getbasetemp() / "mypy-cache"
        PREPARED[run.id] = prepare(run, tmp_path_factory.mktemp("matrix"), type_cache=type_cache)
    return PREPARED[run.id]


@pytest.mark.slow
@pytest.mark.parametrize(
    "run", [pytest.param(r, id=r.id, marks=pytest.mark.xdist_group(r.id)) for r in RUNS]
)
def test_renders_installs_lints_and_type_checks(
    run: Run, tmp_path_factory: pytest.TempPathFactory
) -> None:
    environment = prepared(run, tmp_path_factory)

    assert environment.ok, environment.failure()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each run's suites on its backends; with `--backend`, every run's on those instead, so that
    each combination still runs its suite."""
    if metafunc.definition.name != "test_passes_its_own_suite":
        return
    chosen: list[str] | None = metafunc.config.getoption("--backend")
    planned = runs(all_combinations(), backends=chosen) if chosen else RUNS
    metafunc.parametrize(
        ("run", "backend"),
        [
            pytest.param(r, b, id=f"{r.id}-{b}", marks=pytest.mark.xdist_group(r.id))
            for r in planned
            for b in r.backends
        ],
    )


@pytest.mark.slow
def test_passes_its_own_suite(
    run: Run, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    environment = prepared(run, tmp_path_factory)
    assert environment.ok, environment.failure()

    phase = suite(environment, backend, slot=SLOTS[run.id])

    assert phase.ok, f"{run.id} on {backend}:\n{phase.report()}"
    assert "passed" in phase.test_counts()
    assert "failed" not in phase.test_counts()
    assert BACKEND_SAYS[backend] in phase.output  # the suite used the backend asked for


def test_every_combination_runs_on_a_supported_python() -> None:
    assert {run.combination for run in RUNS} == set(all_combinations())
    assert {run.python for run in RUNS} == set(supported_pythons())


@pytest.mark.parametrize(
    ("option", "value"),
    [pytest.param(o, v, id=f"{o}={v}") for o, values in OPTION_VALUES.items() for v in values],
)
def test_every_option_value_runs_on_every_python_and_both_backends(
    option: str, value: object
) -> None:
    with_value = [run for run in RUNS if run.combination[option] == value]

    assert {run.python for run in with_value} == set(supported_pythons())
    assert {backend for run in with_value for backend in run.backends} == set(BACKENDS)


def test_each_combination_runs_its_suite_once_except_the_anchors() -> None:
    suites = Counter(run.combination for run in RUNS for _ in run.backends)

    assert {suites[c] for c in all_combinations() if c not in anchors()} == {1}
    assert suites[DEFAULT] == len(supported_pythons()) + 1
    assert {suites[c] for c in ALL_ON} == {2}


@pytest.mark.parametrize("python", supported_pythons())
def test_every_python_runs_the_default_combination(python: str) -> None:
    on_this_python = {run.combination for run in RUNS if run.python == python}

    assert DEFAULT in on_this_python


def test_each_orms_all_on_combination_runs_on_both_backends_on_a_python_of_its_own() -> None:
    runs_of = {c: [run for run in RUNS if run.combination == c] for c in ALL_ON}

    assert {c["orm"] for c in ALL_ON} == {"sqlalchemy", "tortoise"}
    assert all(
        c["redis"] and c["prometheus"] and c["tasks"] == "celery" and c["auth"] == "jwt"
        for c in ALL_ON
    )
    assert all(len(found) == 1 and found[0].backends == BACKENDS for found in runs_of.values())
    assert len({found[0].python for found in runs_of.values()}) == len(ALL_ON)
    assert supported_pythons()[-1] in {found[0].python for found in runs_of.values()}


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (None, 32),
        ("orm=tortoise", 16),
        ("orm=tortoise,redis=true", 8),
        ("orm=sqlalchemy, redis=false, tasks=celery, prometheus=on", 2),
        ("orm=sqlalchemy, redis=false, tasks=celery, prometheus=on, auth=jwt", 1),
    ],
)
def test_only_selects_combinations(only: str | None, expected: int) -> None:
    assert len(select(only)) == expected


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


def test_matrix_lists_its_runs_as_json_for_a_ci_matrix() -> None:
    result = subprocess.run(
        [ASYNCFORGE, "matrix", "--list", "--json"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [entry["id"] for entry in listed] == [run.id for run in RUNS]
    assert [entry["backends"] for entry in listed] == [list(run.backends) for run in RUNS]
    assert select(listed[0]["only"]) == [RUNS[0].combination]


def test_matrix_python_flag_runs_every_selected_combination_on_that_python() -> None:
    result = subprocess.run(
        [ASYNCFORGE, "matrix", "--only", "orm=tortoise", "--python", "3.13", "--list", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    listed = json.loads(result.stdout)
    assert len(listed) == len(select("orm=tortoise"))
    assert {entry["python"] for entry in listed} == {"3.13"}
    assert all(entry["backends"] == list(BACKENDS) for entry in listed)


@pytest.mark.slow
def test_matrix_command_prints_a_table_with_python_and_backend() -> None:
    only = ",".join(f"{name}={str(value).lower()}" for name, value in DEFAULT.answers().items())
    result = subprocess.run(
        [ASYNCFORGE, "matrix", "--only", only, "--python", "3.12", "--backend", "embedded"],
        capture_output=True,
        text=True,
        timeout=600,
        env=child_environment({"COLUMNS": "200"}),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if DEFAULT.id in line)
    assert "3.12" in row
    assert "embedded" in row
    assert " passed" in row
    assert "all 1 runs passed" in result.stdout
