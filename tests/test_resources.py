"""A team's next resource, added by hand as the rendered README shows (`orders`, which refers to
items): it takes new files only in its own folder, its test module and its migration, and one
entry in each registry; the project then lints, type-checks and passes its suite, orders' tests
included, on both backends."""

import subprocess
from pathlib import Path

import pytest

from asyncforge.matrix import backends as services
from asyncforge.matrix import checks

from . import resource_by_hand

PACKAGE = f"src/{checks.NAMES['package_name']}"
PROJECTS = [
    pytest.param(
        {"orm": "sqlalchemy", "redis": True, "tasks": "celery", "prometheus": True},
        id="sqlalchemy-all-on",
    ),
    pytest.param({"orm": "tortoise"}, id="tortoise-default"),
]


def _git(project: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments], cwd=project, capture_output=True, text=True, check=True
    )
    return completed.stdout


@pytest.mark.slow
@pytest.mark.parametrize("answers", PROJECTS)
def test_a_resource_added_by_hand_needs_only_its_own_files_and_passes_everywhere(
    answers: dict[str, object],
    tmp_path: Path,
    postgres_database: str,
    selected_backends: list[str],
) -> None:
    orm = str(answers["orm"])
    project = checks.render(tmp_path / "shop", {**checks.NAMES, **answers})
    installed = checks.install(project)
    assert installed.ok, installed.tail()
    _git(project, "init", "--quiet")
    _git(project, "add", "--all")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "new")

    resource_by_hand.add(project, orm)
    migration = resource_by_hand.migrate(project, orm, postgres_database, tmp_path)
    changed = sorted(_git(project, "status", "--porcelain", "--untracked-files=all").splitlines())

    assert changed == sorted(
        [
            f" M {PACKAGE}/resources/models.py",
            f" M {PACKAGE}/resources/routers.py",
            f"?? {migration.relative_to(project)}",
            *(f"?? {PACKAGE}/resources/orders/{name}" for name in RESOURCE_FILES),
            "?? tests/test_orders.py",
        ]
    )
    for phase in (checks.lint(project), checks.typecheck(project)):
        assert phase.ok, phase.tail()
    for backend in selected_backends:
        with services.backend_environment(backend, project, f"orders-{orm}", slot=15) as env:
            suite = checks.run_suite(project, env)
        assert suite.ok, f"{backend}: {suite.tail()}"


RESOURCE_FILES = ["__init__.py", "models.py", "repository.py", "router.py", "schemas.py"]
