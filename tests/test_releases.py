"""Release to release: a project made by the previous release of the template (docs/releases.yml)
and updated with plain `copier update` (no `--trust`) to this one is the project this release
renders, for every combination: no conflict, no `.rej`, no file left over or missing. With a
team's usual edits, the edits survive and the project's suite passes."""

import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml

from asyncforge.matrix import Combination, all_combinations, checks
from asyncforge.matrix import backends as services
from asyncforge.project import copy_template

from .helpers import (
    BIN,
    MIGRATE,
    RELEASES,
    ROOT,
    add_a_router_and_change_a_setting,
    asyncforge,
    commit_all,
    git,
    project_tool,
    template_with_releases,
)

PREVIOUS = RELEASES[-1]
PREVIOUS_TAG = f"v{PREVIOUS['version']}"
CURRENT_TAG = "v-current"
IGNORED = {".copier-answers.yml", "uv.lock"}


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template repository with every recorded release, from this repository's own history,
    then this checkout on top of them, tagged `v-current`."""
    repo = tmp_path_factory.mktemp("releases") / "asyncforge"
    return template_with_releases(repo, current_tag=CURRENT_TAG)


def copier(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "copier"), *args],
        cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
    )  # fmt: skip


def render_at(repo: Path, tag: str, combination: Combination, destination: Path) -> Path:
    """`copier copy --defaults` in-process (a second Copier process per render costs a second);
    the update under test runs as a user runs it."""
    copy_template(str(repo), destination, combination.answers(), vcs_ref=tag)
    return destination


def files(project: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
        and str(path.relative_to(project)) not in IGNORED
    }  # fmt: skip


def update_to_current(project: Path) -> subprocess.CompletedProcess[str]:
    git(project, "init", "--quiet")
    commit_all(project, "As the previous release made it")
    return copier("update", "--defaults", "--vcs-ref", CURRENT_TAG, str(project))


def previous_questions() -> set[str]:
    config = subprocess.run(
        ["git", "show", f"{PREVIOUS['commit']}:copier.yml"],
        cwd=ROOT, check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return set(yaml.safe_load(config.stdout))


def made_by_the_previous_release(combination: Combination) -> bool:
    """Its options existed then, or are at their default (new options are added with one)."""
    known = previous_questions()
    defaults = all_combinations()[0]
    return all(
        name in known or value == defaults[name] for name, value in combination.answers().items()
    )


@pytest.mark.parametrize(
    "combination",
    [c for c in all_combinations() if made_by_the_previous_release(c)],
    ids=lambda c: c.id,
)
def test_an_updated_project_is_what_this_release_renders(
    releases: Path, tmp_path: Path, combination: Combination
) -> None:
    project = render_at(releases, PREVIOUS_TAG, combination, tmp_path / "updated")

    updated = update_to_current(project)
    fresh = render_at(releases, CURRENT_TAG, combination, tmp_path / "fresh")

    assert updated.returncode == 0, updated.stderr
    after, expected = files(project), files(fresh)
    assert [name for name in after if name.endswith(".rej")] == []
    assert sorted(set(after) - set(expected)) == []  # nothing left over
    assert sorted(set(expected) - set(after)) == []  # nothing missing
    assert [name for name in expected if after[name] != expected[name]] == []


def make_team_edits(project: Path) -> None:
    """A new router, a changed setting default, an extra dependency: what teams do first."""
    package = project / "src" / "my_service"
    add_a_router_and_change_a_setting(package)
    pyproject = project / "pyproject.toml"  # `uv add tenacity` appends to the list
    text = pyproject.read_text()
    end = text.index("]\n", text.index("dependencies = ["))
    pyproject.write_text(text[:end] + '    "tenacity>=9",\n' + text[end:])
    commit_all(project, "Our edits")


@pytest.mark.slow
def test_a_teams_edits_survive_the_update_and_its_suite_passes(
    releases: Path, tmp_path: Path
) -> None:
    combination = all_combinations()[0]
    project = render_at(releases, PREVIOUS_TAG, combination, tmp_path / "service")
    git(project, "init", "--quiet")
    commit_all(project, "As the previous release made it")
    make_team_edits(project)

    updated = copier("update", "--defaults", "--vcs-ref", CURRENT_TAG, str(project))

    assert updated.returncode == 0, updated.stderr
    package = project / "src" / "my_service"
    assert (package / "resources" / "ping.py").is_file()
    assert 'log_level: str = "WARNING"' in (package / "settings.py").read_text()
    assert '"tenacity>=9"' in (project / "pyproject.toml").read_text()
    assert (package / "resources" / "items" / "router.py").is_file()  # the release's change
    texts = [p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts]
    leftovers = [p.name for p in texts if p.suffix == ".rej"]
    markers = [str(p.relative_to(project)) for p in texts if b"<<<<<<< " in p.read_bytes()]
    assert leftovers == []
    assert markers == []
    assert "    ping.router,\n" in (package / "resources" / "routers.py").read_text()
    installed = checks.install(project)
    assert installed.ok, installed.tail()
    with services.real_services(project, "release_update", slot=14) as environment:
        suite = checks.run_suite(project, environment)
    assert suite.ok, suite.report()
    assert "passed" in suite.test_counts()


TOTALS = """\"\"\"Our own module beside a generated resource, importing the platform by the paths
of the release that made it.\"\"\"

from ...clock import utcnow
from ...data import ConflictError
from ...fields import Schema


class Totals(Schema):
    orders: int


def stamp() -> str:
    return utcnow().isoformat()


def refused(error: ConflictError) -> str:
    return str(error)
"""

TEST_TOTALS = """from shop.clock import utcnow
from shop.resources.orders.totals import Totals, stamp


def test_our_own_module_still_works() -> None:
    assert Totals(orders=2).orders == 2
    assert stamp() <= utcnow().isoformat()
"""


def write_code_of_our_own(package: Path, tests: Path) -> None:
    """What a team writes by hand: a module and a test that import the platform's modules."""
    (package / "resources" / "orders" / "totals.py").write_text(TOTALS)
    (tests / "test_totals.py").write_text(TEST_TOTALS)


CREATED = "2020-02-29 12:00:00.000000+00:00"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("orm", "auth"),
    [("sqlalchemy", "none"), ("tortoise", "none"), ("sqlalchemy", "jwt")],
    ids=["sqlalchemy", "tortoise", "sqlalchemy-users"],
)
def test_a_service_with_a_teams_resources_updates_from_the_newest_release(
    releases: Path, tmp_path: Path, orm: str, auth: str
) -> None:
    """Made by the newest release (with users or without) with resources a team added (a JSON
    field, a name of two words, references) and code of its own, then `asyncforge update`: it
    lints, type-checks, migrates and passes its suite on the real services, its resources keep
    their paths, and its own imports of modules the release moved are rewritten. A database
    with rows made before it migrates too: every row's `updated_at` is its `created_at`."""
    service = tmp_path / "shop"
    made = asyncforge(
        "new", str(service), "--defaults", "--vcs-ref", PREVIOUS_TAG, "--orm", orm,
        "--auth", auth, template=releases,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    for name, *fields in (
        ["orders", "item_id:ref=items", "quantity:int", "details:json:optional"],
        ["order_tags", "order_id:ref=orders", "label:str"],
    ):
        added = asyncforge("add", "resource", name, *fields, "--project", str(service))
        assert added.returncode == 0, added.stderr
        commit_all(service, name)
    write_code_of_our_own(service / "src" / "shop", service / "tests")
    commit_all(service, "Code of our own")
    kept = tmp_path / "kept.db"
    project_tool(service, MIGRATE[orm], f"sqlite:///{kept}")
    with sqlite3.connect(kept) as database:
        database.execute(
            "INSERT INTO items (name, price, created_at) VALUES ('kept', 1, ?)", (CREATED,)
        )
        database.execute(
            "INSERT INTO orders (item_id, quantity, created_at) VALUES (1, 2, ?)", (CREATED,)
        )

    updated = asyncforge("update", str(service), "--vcs-ref", CURRENT_TAG, template=releases)

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "resource orders: updated" in updated.stdout
    assert "src/shop/resources/orders/totals.py: imports" in updated.stdout
    assert "tests/test_totals.py: imports" in updated.stdout
    assert "get updated_at, from created_at" in updated.stdout
    commit_all(service, "Update")
    installed = checks.install(service)
    assert installed.ok, installed.tail()
    project_tool(service, MIGRATE[orm], f"sqlite:///{kept}")
    with sqlite3.connect(kept) as database:
        for table in ("items", "orders"):
            times = database.execute(f"SELECT created_at, updated_at FROM {table}").fetchall()
            assert times == [(CREATED, CREATED)], table
    for phase in (checks.lint(service), checks.typecheck(service)):
        assert phase.ok, phase.tail()
    registries = service / "src" / "shop" / "resources"
    for registry in ("routers.py", "models.py"):  # the users register themselves since 0.6.0
        assert ".users" not in (registries / registry).read_text()
    router = (service / "src" / "shop" / "resources" / "order_tags" / "router.py").read_text()
    assert 'prefix=f"{V1}/order_tags"' in router  # made before dashes: its clients keep it
    with services.real_services(service, f"release_resources_{orm}_{auth}", slot=13) as environment:
        suite = checks.run_suite(service, environment)
    assert suite.ok, suite.report()
    assert "passed" in suite.test_counts()
