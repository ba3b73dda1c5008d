"""Living with the template: `asyncforge update` (and plain `copier update`) merges a newer
template into a service without losing its owner's edits, and options can be turned on later.

Each test builds its own tagged git repository of the template: v1 is this tree, v2 a realistic
change (a new question with a default, a changed shared file, a new file)."""

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from asyncforge.matrix import checks
from asyncforge.project import CONFLICT_MARKER, read_answers

from .helpers import (
    BIN,
    MIGRATE,
    RELEASES,
    ROOT,
    add_a_router_and_change_a_setting,
    commit_all,
    committed_template,
    git,
    project_tool,
    template_with_releases,
)
from .helpers import asyncforge as run_asyncforge


@pytest.fixture
def template_repo(tmp_path: Path) -> Path:
    return committed_template(tmp_path / "template-repo")


def release_v2(repo: Path) -> None:
    with (repo / "copier.yml").open("a") as config:
        config.write("\ncontact_url:\n  type: str\n  help: Support page\n")
        config.write("  default: https://example.com/support\n")
    readme = repo / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nSupport: {{ contact_url }}\n")
    clock = repo / "template" / "src" / "{{package_name}}" / "db" / "clock.py"
    clock.write_text(
        clock.read_text().replace('"""One source of "now"', '"""The one source of "now"')
    )
    (repo / "template" / "CHANGELOG.md").write_text("# Changelog\n\n## v2\n- Support link\n")
    commit_all(repo, "v2")
    git(repo, "tag", "v2")


def asyncforge(template: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_asyncforge(*args, template=template)


@pytest.fixture
def new_service(template_repo: Path, tmp_path: Path) -> Callable[..., Path]:
    def create(*flags: str) -> Path:
        destination = tmp_path / "my-service"  # `new` names the project after its folder
        result = asyncforge(template_repo, "new", str(destination), "--vcs-ref", "v1", *flags)
        assert result.returncode == 0, result.stderr
        return destination

    return create


def make_user_edits(service: Path) -> None:
    """What a team does in its first weeks: an endpoint, a setting, the README, a template file."""
    package = service / "src" / "my_service"
    add_a_router_and_change_a_setting(package)
    readme = service / "README.md"
    readme.write_text(readme.read_text().replace("## Run it", "## Run it (see our wiki too)"))
    health = package / "api" / "health.py"
    health.write_text(health.read_text() + "\n\n# Probed by our load balancer every 5 s.\n")
    commit_all(service, "Our changes")


def answers(service: Path) -> dict[str, Any]:
    return read_answers(service)


@pytest.mark.slow
def test_update_keeps_the_users_edits_and_brings_the_templates_changes(
    template_repo: Path, new_service: Callable[..., Path]
) -> None:
    service = new_service("--defaults")
    make_user_edits(service)
    release_v2(template_repo)

    result = asyncforge(template_repo, "update", str(service), "--vcs-ref", "v2")

    assert result.returncode == 0, result.stderr
    package = service / "src" / "my_service"
    assert (package / "resources" / "ping.py").is_file()
    assert "    ping.router,\n" in (package / "resources" / "routers.py").read_text()
    assert 'log_level: str = "WARNING"' in (package / "settings.py").read_text()
    readme = (service / "README.md").read_text()
    assert "## Run it (see our wiki too)" in readme
    assert "Support: https://example.com/support" in readme
    assert "# Probed by our load balancer every 5 s." in (package / "api" / "health.py").read_text()
    assert '"""The one source of "now"' in (package / "db" / "clock.py").read_text()
    assert (service / "CHANGELOG.md").is_file()
    assert answers(service)["_commit"] == "v2"
    assert answers(service)["contact_url"] == "https://example.com/support"
    install = checks.install(service)
    assert install.ok, install.tail()
    suite = checks.run_suite(service)
    assert suite.ok, suite.tail()


def test_plain_copier_update_works_on_a_project_made_by_asyncforge(
    template_repo: Path, new_service: Callable[..., Path]
) -> None:
    service = new_service("--defaults")
    release_v2(template_repo)

    result = subprocess.run(
        [str(BIN / "copier"), "update", "--defaults", "--vcs-ref", "v2", str(service)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )

    assert result.returncode == 0, result.stderr
    assert answers(service)["_commit"] == "v2"
    assert (service / "CHANGELOG.md").is_file()


def rename_one_heading_two_ways(service: Path, template_repo: Path) -> None:
    """The service and release v2 rename the same README heading differently: a conflict."""
    readme = service / "README.md"
    marker = "## Updating from the template"
    readme.write_text(readme.read_text().replace(marker, "## Updating (ask the platform team)"))
    commit_all(service, "Our heading")
    template_readme = template_repo / "template" / "README.md.jinja"
    template_readme.write_text(template_readme.read_text().replace(marker, "## Keeping up to date"))
    commit_all(template_repo, "v2")
    git(template_repo, "tag", "v2")


def test_a_conflicting_edit_is_reported_with_a_non_zero_exit(
    template_repo: Path, new_service: Callable[..., Path]
) -> None:
    service = new_service("--defaults")
    rename_one_heading_two_ways(service, template_repo)

    result = asyncforge(template_repo, "update", str(service), "--vcs-ref", "v2")

    assert result.returncode == 1
    assert "conflicts to resolve" in result.stderr
    assert "README.md" in result.stderr
    assert "<<<<<<<" in (service / "README.md").read_text()


def test_update_refuses_a_dirty_work_tree(
    new_service: Callable[..., Path], template_repo: Path
) -> None:
    service = new_service("--defaults")
    (service / "README.md").write_text("work in progress\n")

    result = asyncforge(template_repo, "update", str(service))

    assert result.returncode == 1
    assert "uncommitted changes" in result.stderr
    assert (service / "README.md").read_text() == "work in progress\n"


def test_update_refuses_to_switch_the_orm(
    new_service: Callable[..., Path], template_repo: Path
) -> None:
    service = new_service("--defaults")

    result = asyncforge(template_repo, "update", str(service), "--orm", "tortoise")

    assert result.returncode == 1
    assert "would replace the project's whole data layer" in result.stderr
    assert answers(service)["orm"] == "sqlalchemy"


@pytest.mark.parametrize("orm", ["sqlalchemy", "tortoise"])
def test_update_refuses_to_turn_users_off_and_leaves_the_tree_untouched(
    template_repo: Path, tmp_path: Path, orm: str
) -> None:
    """With resources made since (owned ones too), turning auth off would delete the users
    migration later ones follow and the owners of owned rows: refused, as switching the ORM."""
    service = tmp_path / "my-service"
    made = asyncforge(template_repo, "new", str(service), "--defaults", "--orm", orm,
                      "--auth", "jwt", "--vcs-ref", "v1")  # fmt: skip
    assert made.returncode == 0, made.stderr
    for name, *arguments in (["notes", "body:text", "--owned"], ["tags", "label:str"]):
        added = asyncforge(template_repo, "add", "resource", name, *arguments,
                           "--project", str(service))  # fmt: skip
        assert added.returncode == 0, added.stderr
        commit_all(service, name)
    head = git(service, "rev-parse", "HEAD")

    result = asyncforge(template_repo, "update", str(service), "--auth", "none")

    assert result.returncode == 1
    assert "switching auth from jwt to none would delete the users resource" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert answers(service)["auth"] == "jwt"
    assert git(service, "status", "--porcelain") == ""
    assert git(service, "rev-parse", "HEAD") == head


def test_turning_an_option_off_lists_the_files_and_needs_yes(
    new_service: Callable[..., Path], template_repo: Path
) -> None:
    service = new_service("--redis")
    cache = service / "src" / "my_service" / "cache" / "redis" / "client.py"
    cache.write_text(cache.read_text() + "\n# our tuning notes\n")
    commit_all(service, "Our notes")

    refused = asyncforge(template_repo, "update", str(service), "--no-redis", "--vcs-ref", "v1")
    assert refused.returncode == 1
    assert "src/my_service/cache/redis/client.py" in refused.stderr
    assert "--yes" in refused.stderr
    assert cache.is_file()

    confirmed = asyncforge(
        template_repo, "update", str(service), "--no-redis", "--vcs-ref", "v1", "--yes"
    )
    assert confirmed.returncode == 0, confirmed.stderr
    assert not cache.exists()
    assert answers(service)["redis"] is False


def contents(project: Path) -> dict[str, bytes]:
    files = (path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts)
    return {str(path.relative_to(project)): path.read_bytes() for path in files}


TURN_ON = {
    "redis": ["--redis"],
    "prometheus": ["--prometheus"],
    "celery": ["--tasks", "celery"],
    "auth": ["--auth", "jwt"],
}


@pytest.mark.parametrize("orm", ["sqlalchemy", "tortoise"])
@pytest.mark.parametrize("axis", list(TURN_ON))
def test_an_option_turned_on_later_gives_what_a_new_project_with_it_and_the_edits_is(
    template_repo: Path, tmp_path: Path, axis: str, orm: str
) -> None:
    """The update equals a fresh render with the option on plus the same edits, lock included;
    that render's own suite runs in the matrix, so it is not run again here."""
    service, fresh = tmp_path / "my-service", tmp_path / "fresh" / "my-service"
    made = asyncforge(template_repo, "new", str(service), "--orm", orm, "--vcs-ref", "v1")
    assert made.returncode == 0, made.stderr
    make_user_edits(service)
    flags = ["--orm", orm, *TURN_ON[axis], "--vcs-ref", "v1"]
    made = asyncforge(template_repo, "new", str(fresh), *flags)
    assert made.returncode == 0, made.stderr
    make_user_edits(fresh)

    result = asyncforge(template_repo, "update", str(service), *TURN_ON[axis], "--vcs-ref", "v1")

    assert result.returncode == 0, result.stderr
    assert " M uv.lock" in result.stdout  # the option's dependencies are locked too
    updated, expected = contents(service), contents(fresh)
    assert sorted(updated) == sorted(expected)
    assert [name for name in expected if updated[name] != expected[name]] == []


def rename_tasks_to_background_runner(repo: Path) -> None:
    """The release that renames `tasks`, as docs/renaming-questions.md says to."""
    config = repo / "copier.yml"
    text = config.read_text()
    start = text.index("\ntasks:\n")
    end = text.index("\n\n", start + 1)
    renamed = (
        text[start:end]
        .replace("tasks:", "background_runner:", 1)
        .replace(
            "default: background_tasks", "default: \"{{ tasks | default('background_tasks') }}\""
        )
    )
    config.write_text(text[:start] + renamed + text[end:])
    uses = re.compile(r"\btasks(?= ==| !=)")
    for path in sorted((repo / "template").rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file() and path.suffix == ".jinja":
            path.write_text(uses.sub("background_runner", path.read_text()))
        if uses.search(path.name):
            path.rename(path.with_name(uses.sub("background_runner", path.name)))
    commit_all(repo, "Rename tasks to background_runner")
    git(repo, "tag", "v2")


def test_a_renamed_question_keeps_its_answer_without_trust(
    template_repo: Path, new_service: Callable[..., Path]
) -> None:
    service = new_service("--tasks", "celery", "--redis")
    before = contents(service)
    rename_tasks_to_background_runner(template_repo)

    result = subprocess.run(
        [str(BIN / "copier"), "update", "--defaults", "--vcs-ref", "v2", str(service)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    recorded = answers(service)
    assert recorded["background_runner"] == "celery"
    assert "tasks" not in recorded
    after = contents(service)
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed == {".copier-answers.yml"}  # the same service, under the new name


BOT_IDENTITY = {
    f"GIT_{role}_{field}": value
    for role in ("AUTHOR", "COMMITTER")
    for field, value in (("NAME", "template-update[bot]"), ("EMAIL", "bot@example.com"))
}
"""As the workflow configures git before it runs the script."""


def run_update_script(service: Path, summary: Path) -> subprocess.CompletedProcess[str]:
    """What the weekly workflow runs, with the copier of this environment."""
    return subprocess.run(
        [checks.uv_executable(), "run", "python", "scripts/update_from_template.py",
         "--summary", str(summary)],
        cwd=service, capture_output=True, text=True, timeout=900,
        env=checks.child_environment({"COPIER": str(BIN / "copier"), **BOT_IDENTITY}),
    )  # fmt: skip


@pytest.mark.slow
def test_the_update_script_merges_a_new_release_on_a_branch_and_checks_it(
    template_repo: Path, new_service: Callable[..., Path], tmp_path: Path
) -> None:
    service = new_service("--defaults")
    make_user_edits(service)
    release_v2(template_repo)
    summary = tmp_path / "update.md"

    result = run_update_script(service, summary)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert git(service, "branch", "--show-current").strip() == "template-update/v2"
    assert git(service, "status", "--porcelain") == ""  # committed on the branch
    report = summary.read_text()
    assert "Template update: v1 → v2" in report
    assert "- `CHANGELOG.md`" in report
    for check in ("lint", "format", "types", "tests"):
        assert f"- {check}: passed" in report
    assert "Conflicts" not in report
    assert "# Probed by our load balancer" in (service / "src/my_service/api/health.py").read_text()


def test_the_update_script_leaves_a_proposed_update_branch_alone(
    template_repo: Path, new_service: Callable[..., Path], tmp_path: Path
) -> None:
    service = new_service("--defaults")
    release_v2(template_repo)
    git(service, "switch", "--create", "template-update/v2")
    (service / "FIXES.md").write_text("fixed by hand on the proposed branch\n")
    commit_all(service, "Fix by hand")
    proposed = git(service, "rev-parse", "HEAD")
    git(service, "switch", "main")
    summary = tmp_path / "update.md"

    result = run_update_script(service, summary)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert summary.read_text() == "Template release v2 is proposed on `template-update/v2`."
    assert git(service, "branch", "--show-current").strip() == "main"
    assert git(service, "status", "--porcelain") == ""
    assert answers(service)["_commit"] == "v1"
    assert git(service, "rev-parse", "template-update/v2") == proposed


def test_the_update_script_fails_and_names_the_conflicts(
    template_repo: Path, new_service: Callable[..., Path], tmp_path: Path
) -> None:
    service = new_service("--defaults")
    rename_one_heading_two_ways(service, template_repo)
    summary = tmp_path / "update.md"

    result = run_update_script(service, summary)

    assert result.returncode == 1
    assert summary.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    report = summary.read_text()
    assert "**Conflicts to resolve by hand**" in report
    assert "- `README.md`" in report.split("**Conflicts to resolve by hand**")[1]
    assert "- tests:" not in report  # the checks do not run on a conflicted merge
    assert git(service, "branch", "--show-current").strip() == "template-update/v2"


def test_the_update_script_says_when_the_project_is_up_to_date(
    new_service: Callable[..., Path], tmp_path: Path
) -> None:
    service = new_service("--defaults")
    summary = tmp_path / "update.md"

    result = run_update_script(service, summary)

    assert result.returncode == 0, result.stderr
    assert summary.read_text() == "Up to date with template release v1."
    assert git(service, "branch", "--show-current").strip() == "main"


def test_the_generator_the_update_script_and_the_hook_find_the_same_conflicts() -> None:
    """One pattern for a conflict marker, written where each must stand alone."""
    script = (ROOT / "template" / "scripts" / "update_from_template.py").read_text()
    hook = (ROOT / "template" / ".pre-commit-config.yaml").read_text()

    assert f'CONFLICT = re.compile(r"{CONFLICT_MARKER.pattern}", re.MULTILINE)' in script
    assert f'entry: "{CONFLICT_MARKER.pattern}|' in hook


@pytest.mark.slow
def test_users_turned_on_after_the_teams_own_migrations_are_joined_to_them(
    new_service: Callable[..., Path], template_repo: Path, tmp_path: Path
) -> None:
    """`add resource` numbers a team's migrations after `0002` (the team's `0003` follows
    `schedules_0001`, after `events_0001`), and auth's migrations end in `users_0007` (which
    joins `users_0006` and `schedules_0001`): the update writes the merge migration, so that
    Alembic upgrades a new database and finds nothing pending. The registry lines of orders and
    of users, added at the same place, are both kept (Copier alone reports them as a conflict)."""
    service = new_service()
    added = run_asyncforge(
        "add", "resource", "orders", "item_id:ref=items", "quantity:int", "--project", str(service)
    )
    assert added.returncode == 0, added.stderr
    commit_all(service, "Orders")

    result = asyncforge(template_repo, "update", str(service), "--auth", "jwt", "--vcs-ref", "v1")

    assert result.returncode == 0, result.stderr
    versions = service / "src" / "my_service" / "db" / "migrations" / "versions"
    merge = versions / "0004_join_the_template_s_migrations_and_ours.py"
    assert f"{merge.relative_to(service)}: joins" in result.stdout
    assert 'down_revision: str | Sequence[str] | None = ("0003", "users_0007")' in merge.read_text()
    database_url = f"sqlite:///{tmp_path}/check.db"
    for command in (MIGRATE["sqlalchemy"], ["alembic", "check"]):
        project_tool(service, command, database_url)
    assert project_tool(service, ["alembic", "heads"], database_url).split() == ["0004", "(head)"]
    for phase in (checks.lint(service), checks.typecheck(service)):  # registries joined, too
        assert phase.ok, phase.tail()


def test_a_clone_with_release_tags_renders_its_newest_release_and_updates_from_any_commit(
    tmp_path: Path,
) -> None:
    """As a clone of this repository with its releases tagged: HEAD is past the newest one.
    `new` renders that release, as Copier does; a project made from HEAD (past every release)
    updates to HEAD, where Copier alone would call the newest release a downgrade."""
    template = template_with_releases(tmp_path / "asyncforge")
    newest = f"v{RELEASES[-1]['version']}"
    released, past = tmp_path / "released", tmp_path / "past"

    made = asyncforge(template, "new", str(released), "--defaults")
    made_past = asyncforge(template, "new", str(past), "--defaults", "--vcs-ref", "HEAD")

    assert made.returncode == 0, made.stderr
    assert made_past.returncode == 0, made_past.stderr
    assert f"rendering the newest release of the template, {newest}; its HEAD is 1 commit" in (
        made.stderr
    )
    assert answers(released)["_commit"] == newest
    assert re.fullmatch(rf"{re.escape(newest)}-1-g[0-9a-f]+", answers(past)["_commit"])
    for service in (released, past):
        updated = asyncforge(template, "update", str(service), "--redis")
        assert updated.returncode == 0, updated.stdout + updated.stderr
        assert answers(service)["redis"] is True
        commit_all(service, "Redis")
    assert answers(released)["_commit"] == newest
    assert f"past the newest release {newest}" in updated.stderr
    plain = subprocess.run(
        [str(BIN / "copier"), "update", "--defaults", "--data", "prometheus=true", str(released)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300, check=False,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert answers(released)["prometheus"] is True
