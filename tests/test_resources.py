"""A team's next resources, as a user adds them: `asyncforge add resource` writes a resource's
folder, its test module, its migration and one line in each registry, and nothing else; the
project then lints, type-checks and passes its suite (on one backend; what the resources reach
on both), with nothing pending between models and migrations. A newer template release reaches
every resource through `asyncforge update`, keeping the team's edits."""

import re
from pathlib import Path

import pytest

from asyncforge.matrix import backends as services
from asyncforge.matrix import checks

from .helpers import MIGRATE, asyncforge, commit_all, committed_template, git, project_tool

PROJECTS = [
    pytest.param(
        {"orm": "sqlalchemy", "redis": True, "tasks": "celery", "prometheus": True, "auth": "jwt"},
        "embedded",
        id="sqlalchemy-all-on",
    ),
    pytest.param({"orm": "tortoise", "auth": "jwt"}, "real", id="tortoise-jwt"),
]
"""Each project with the backend its whole suite runs on; on the other backend, the modules the
resources reach run (the rest of the suite is the matrix's, which runs it on both)."""
WITH_USERS = {
    "notes": ["body:text", "tag:str:unique", "--owned"],
    "memos": ["title:str", "note_id:ref=notes", "--private"],
    "labels": ["note_id:ref=notes", "user_id:ref=users", "code:str:unique", "--owned"],
    "posts": ["title:str:unique", "--write", "owner"],
    "comments": ["post_id:ref=posts", "body:text", "--read", "role:support"],
    "audits": ["action:str", "--read", "role:admin", "--write", "role:admin"],
}
"""Resources only a service with users has: rows owned by their users (a value unique per owner),
reads signed in (embedding another's note as null), owned rows referring to owned rows and to
users (a member's own); rows everyone reads and their owners change (which a member may refer
to), read by a role the service declares, and by admins only."""
SUPPORT_ROLE = '    SUPPORT = "support"\n'
"""A role of the service's own, declared where roles are (before `comments` names it)."""
REACHED_BY_RESOURCES = [
    "tests/test_orders.py", "tests/test_shipments.py", "tests/test_items.py",
    "tests/test_openapi.py", "tests/test_migrations.py", "tests/test_integrity.py",
]  # fmt: skip
ORDERS = ["item_id:ref=items", "quantity:int:index", "status:str:index", "note:text:optional"]
"""As the README adds them (its repository of orders is copied over the generated one)."""
SHIPMENTS = [
    "order_id:ref=orders", "item_id:ref=items", "carrier:str", "tracking:uuid:unique",
    "weight:decimal", "fragile:bool", "due:date", "sent_at:datetime:optional",
    "details:json:optional",
]  # fmt: skip
"""Every field type and modifier, between them; shipments refer to two tables (SQLite does not say
which reference of a refused write is missing)."""
ORDER_TAGS = ["order_id:ref=orders", "tag:str", "--unique", "order_id,tag"]
"""A join resource: one tag once per order (the README's many-to-many)."""
PACKAGE = "src/shop"
QUERIES_TEST = "tests/test_order_queries.py"
RESOURCE_FILES = ["__init__.py", "models.py", "repository.py", "router.py", "schemas.py"]


def _flags(answers: dict[str, object]) -> list[str]:
    flags = []
    for name, value in answers.items():
        if isinstance(value, bool):
            flags.append(f"--{name}" if value else f"--no-{name}")
        else:
            flags += [f"--{name}", str(value)]
    return flags


def _add(service: Path, name: str, *fields: str) -> list[str]:
    added = asyncforge("add", "resource", name, *fields, "--project", str(service))
    assert added.returncode == 0, added.stderr
    return added.stdout.splitlines()[:-1]


def _files_shown_in_the_readme(service: Path) -> dict[str, str]:
    """The README's whole-file examples: Python blocks whose first line names their path."""
    readme = (service / "README.md").read_text()
    blocks = re.findall(r"```python\n# (\S+\.py)\n(.*?)```", readme, re.DOTALL)
    return dict(blocks)


def _status(service: Path) -> list[str]:
    return sorted(git(service, "status", "--porcelain", "--untracked-files=all").splitlines())


def _nothing_pending(service: Path, orm: str, scratch: Path) -> None:
    """The models and the migrations agree: Alembic's check at head, Aerich's offline diff."""
    if orm == "sqlalchemy":
        commands = [MIGRATE[orm], ["alembic", "check"]]
    else:
        commands = [["aerich", "migrate", "--offline", "--name", "pending"]]
    for command in commands:
        output = project_tool(service, command, f"sqlite:///{scratch}/check.db")
    if orm == "tortoise":
        assert "No changes detected" in output, output


def release_v2(template: Path) -> None:
    """A newer release that improves the resource template's router."""
    router = template / "resource" / "src" / "{{package_name}}" / "resources"
    router = router / "{{resource_name}}" / "router.py.jinja"
    text = router.read_text()
    old = '"""One page of {{ resource_name }}, filtered and sorted as the parameters say'
    assert old in text
    router.write_text(text.replace(old, old.replace("One page", "A page")))
    commit_all(template, "v2")
    git(template, "tag", "v2")


@pytest.mark.slow
@pytest.mark.parametrize(("answers", "whole_suite_on"), PROJECTS)
def test_resources_added_by_the_command_pass_everywhere_and_take_the_next_release(
    answers: dict[str, object], whole_suite_on: str, tmp_path: Path, selected_backends: list[str]
) -> None:
    orm = str(answers["orm"])
    template = committed_template(tmp_path / "template-repo")
    service = tmp_path / "shop"
    made = asyncforge(
        "new", str(service), "--vcs-ref", "v1", "--defaults", "--name", "shop", *_flags(answers),
        template=template, timeout=600,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr

    orders = _add(service, "orders", *ORDERS)
    assert _status(service) == sorted(
        [
            f" M {PACKAGE}/resources/models.py",
            f" M {PACKAGE}/resources/routers.py",
            "?? .copier-answers.resource-orders.yml",
            *(f"?? {PACKAGE}/resources/orders/{name}" for name in RESOURCE_FILES),
            "?? tests/test_orders.py",
            *(f"?? {name}" for name in orders if "/migrations/" in name),
        ]
    )
    assert sum("/migrations/" in name for name in orders) == 1
    commit_all(service, "Orders")
    # The README's query of one's own (a join, on the ORM's own terms) and its test, as a team
    # copies them into orders.
    shown = _files_shown_in_the_readme(service)
    assert sorted(shown) == [f"{PACKAGE}/resources/orders/repository.py", QUERIES_TEST]
    for path, text in shown.items():
        (service / path).write_text(text)
    commit_all(service, "Orders with their items' names")
    _add(service, "shipments", *SHIPMENTS)
    commit_all(service, "Shipments")
    _add(service, "order_tags", *ORDER_TAGS)
    commit_all(service, "Tags of orders")
    reached = [*REACHED_BY_RESOURCES, QUERIES_TEST, "tests/test_order_tags.py"]
    if answers.get("auth") == "jwt":
        roles = service / PACKAGE / "auth" / "roles.py"
        declared = roles.read_text().replace(
            '    MEMBER = "member"\n', f'    MEMBER = "member"\n{SUPPORT_ROLE}'
        )
        roles.write_text(declared)
        commit_all(service, "A support role")
        for name, arguments in WITH_USERS.items():
            _add(service, name, *arguments)
            commit_all(service, name)
            reached.append(f"tests/test_{name}.py")

    for phase in (checks.lint(service), checks.typecheck(service)):
        assert phase.ok, phase.tail()
    _nothing_pending(service, orm, tmp_path)
    if whole_suite_on not in selected_backends:  # --backend: the whole suite on that one
        whole_suite_on = selected_backends[0]
    for backend in selected_backends:
        modules = [] if backend == whole_suite_on else reached
        with services.backend_environment(backend, service, f"resources-{orm}", slot=15) as env:
            suite = checks.run_suite(service, env, modules)
        assert suite.ok, f"{backend}: {suite.report()}"
        assert "passed" in suite.test_counts(), suite.tail()
    listed = asyncforge("resources", "--project", str(service))
    assert listed.returncode == 0, listed.stderr
    assert " ".join(SHIPMENTS) in listed.stdout
    assert "items" in listed.stdout
    if answers.get("auth") == "jwt":  # the policy as the command line gave it
        for arguments in WITH_USERS.values():
            if "--read" in arguments or "--write" in arguments:
                assert " ".join(arguments) in listed.stdout, listed.stdout
        assert " ".join([*WITH_USERS["notes"][:-1], "--read owner --write owner"]) in listed.stdout

    router = service / PACKAGE / "resources" / "orders" / "router.py"
    edited = router.read_text().replace('"""Create an order."""', '"""Place an order."""')
    router.write_text(edited)
    commit_all(service, "Our wording")
    release_v2(template)

    updated = asyncforge("update", str(service), "--vcs-ref", "v2", template=template, timeout=600)

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "resource orders: updated" in updated.stdout
    assert "resource shipments: updated" in updated.stdout
    for name in ("orders", "shipments"):
        text = (service / PACKAGE / "resources" / name / "router.py").read_text()
        assert f'"""A page of {name}, filtered and sorted' in text
    assert '"""Place an order."""' in router.read_text()
    assert all(
        line.startswith(" M ") and (line.endswith("router.py") or ".copier-answers" in line)
        for line in _status(service)
        if "uv.lock" not in line
    ), _status(service)
