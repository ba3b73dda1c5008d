"""What every rendered project must be, before anything is installed: complete, clean Python."""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from asyncforge.matrix import all_combinations
from asyncforge.project import read_answers

from .helpers import MIGRATE, ROOT, docker_compose

# Jinja's delimiters as a template writes them; a Python dict such as {1: {"a": 2}} does not match.
JINJA_SYNTAX = re.compile(r"\{\{-?\s|\s-?\}\}|\{%|%\}|\{#|#\}")
# GitHub Actions' expressions (`${{ github.ref }}`) are meant to reach the rendered workflows.
ACTIONS_EXPRESSION = re.compile(r"\$\{\{[^}]*\}\}")


def jinja_leftover(text: str) -> bool:
    return JINJA_SYNTAX.search(ACTIONS_EXPRESSION.sub("", text)) is not None


def rendered_files(project: Path) -> list[Path]:
    return [path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts]


def code_files(project: Path) -> list[Path]:
    """What a user reads and runs; the answers file names every option, on or off, by design."""
    return [path for path in rendered_files(project) if path.name != ".copier-answers.yml"]


def test_no_jinja_leftovers_in_contents_or_names(project: Path) -> None:
    leftovers = [
        str(path.relative_to(project))
        for path in rendered_files(project)
        if jinja_leftover(path.read_text()) or jinja_leftover(str(path))
    ]

    assert leftovers == []


def test_jinja_syntax_pattern_tells_leftovers_from_python() -> None:
    assert JINJA_SYNTAX.search("name = '{{ package_name }}'")
    assert JINJA_SYNTAX.search("{% if redis %}")
    assert not JINJA_SYNTAX.search('responses={503: {"model": Readiness}}')
    assert not jinja_leftover("python-version: ${{ matrix.python }}")
    assert jinja_leftover("group: ci-${{ github.ref }}-{{ project_name }}")


def test_no_empty_files(project: Path) -> None:
    empty = [
        str(path.relative_to(project))
        for path in rendered_files(project)
        if not path.read_text().strip()
    ]

    assert empty == []


def answers_of(project: Path) -> dict[str, Any]:
    return read_answers(project)


def dependency_names(project: Path) -> set[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    requirements = pyproject["project"]["dependencies"]
    return {re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0] for requirement in requirements}


ORM_TRACES = {
    "sqlalchemy": {"dependencies": {"sqlalchemy", "alembic"}, "words": ("sqlalchemy", "alembic")},
    "tortoise": {"dependencies": {"tortoise-orm", "aerich"}, "words": ("tortoise", "aerich")},
}


def test_the_platform_and_each_resource_have_their_own_folders(project: Path) -> None:
    package = project / "src" / "my_service"
    items = package / "resources" / "items"

    assert (package / "main.py").read_text().count("def create_app(") == 1
    assert (package / "db" / "repository.py").is_file()
    assert sorted(path.name for path in items.glob("*.py")) == [
        "__init__.py",
        "jobs.py",
        "models.py",
        "repository.py",
        "router.py",
        "schemas.py",
    ]


ROOT_MODULES = {"__init__.py", "main.py", "settings.py", "runtime.py", "serve.py", "users.py"}
"""The package root: the entry points and what every concern folder reads (settings, runtime);
`users.py` (the create-admin command, the contract's name) only with auth."""
CONCERN_FOLDERS = {
    "api",
    "auth",
    "cache",
    "db",
    "events",
    "jobs",
    "observability",
    "outbound",
    "resources",
}
"""`auth` with users only."""


def test_the_package_root_holds_a_handful_of_modules_and_the_concern_folders(
    project: Path,
) -> None:
    package = project / "src" / "my_service"
    modules = {path.name for path in package.glob("*.py")}
    folders = {path.name for path in package.iterdir() if path.is_dir()} - {"__pycache__"}

    assert modules <= ROOT_MODULES
    assert folders <= CONCERN_FOLDERS
    assert folders >= CONCERN_FOLDERS - {"auth"}


def module_imports(package: Path) -> dict[str, set[str]]:
    """Every module of `package` (dotted, relative to it) and the package's modules it imports
    relatively, type-only and function-local imports included: `from .x import y` is an import
    of `x.y` when that is a module."""
    modules = {
        ".".join(path.relative_to(package).with_suffix("").parts)
        .removesuffix(".__init__")
        .removesuffix("__init__"): path
        for path in package.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        here = [part for part in name.split(".") if part]
        if path.name != "__init__.py":
            here = here[:-1]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = here[: len(here) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{target}.{alias.name}" if target else alias.name
                imported.add(submodule if submodule in modules else target)
        graph[name] = imported & modules.keys() - {name}
    return graph


def test_no_module_of_the_package_imports_itself_through_others(project: Path) -> None:
    """No import circle, not even a type-only one: each layer reads only those below it."""
    graph = module_imports(project / "src" / "my_service")
    circles: list[list[str]] = []

    def walk(module: str, trail: list[str], done: set[str]) -> None:
        for imported in sorted(graph.get(module, ())):
            if imported in trail:
                circles.append([*trail[trail.index(imported) :], imported])
            elif imported not in done:
                walk(imported, [*trail, imported], done)
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            walk(module, [module], done)

    assert circles == []


TEMPLATE_PACKAGE = ROOT / "template" / "src" / "{{package_name}}"


@pytest.mark.parametrize("registry", ["routers.py", "models.py", "jobs.py", "schedules.py"])
def test_no_option_touches_the_teams_registries(project: Path, registry: str) -> None:
    """What an option brings registers itself elsewhere (auth's users in their own folder), so
    the lists a team edits are the same in every render and no update of an option merges
    into them."""
    rendered = project / "src" / "my_service" / "resources" / registry

    assert rendered.read_text() == (TEMPLATE_PACKAGE / "resources" / registry).read_text()


def test_the_platform_never_imports_a_resource(project: Path) -> None:
    """Below `resources/` (the data layer, the API's own routes, the options' modules), no
    module names a resource: a team's resources come and go without touching the platform.
    The entry points read the registries: the app factory, the migrations, the Celery tasks."""
    package = project / "src" / "my_service"
    allowed = {"main.py", "env.py", "tasks.py", "users.py"}
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "resources" not in path.relative_to(package).parts
        and path.name not in allowed
        and re.search(r"^from \.+resources|^from my_service\.resources", path.read_text(), re.M)
    ]
    assert offenders == []


def test_dependencies_are_those_of_the_chosen_orm_only(project: Path) -> None:
    orm = answers_of(project)["orm"]
    other = next(name for name in ORM_TRACES if name != orm)
    names = dependency_names(project)

    assert ORM_TRACES[orm]["dependencies"] <= names
    assert not ORM_TRACES[other]["dependencies"] & names
    assert {"fastapi", "pydantic-settings", "asyncpg", "aiosqlite"} <= names


def test_no_file_or_import_of_the_other_orm(project: Path) -> None:
    orm = answers_of(project)["orm"]
    other = next(name for name in ORM_TRACES if name != orm)
    mentions = [
        str(path.relative_to(project))
        for path in code_files(project)
        if any(
            word in path.read_text().lower() or word in str(path.relative_to(project)).lower()
            for word in ORM_TRACES[other]["words"]
        )
    ]

    assert mentions == []


def test_redis_appears_only_when_chosen(project: Path) -> None:
    redis_on = answers_of(project)["redis"]
    mentions = [
        str(path.relative_to(project))
        for path in code_files(project)
        if "redis" in path.read_text().lower() or "redis" in str(path.relative_to(project)).lower()
    ]
    settings = (project / "src" / "my_service" / "settings.py").read_text()

    assert ("redis" in dependency_names(project)) is redis_on
    assert ("redis_url" in settings) is redis_on
    assert (project / "src" / "my_service" / "cache" / "redis" / "client.py").is_file() is redis_on
    serving = [path for path in code_files(project) if "response_cache" in path.read_text()]
    assert bool(serving) is redis_on  # without a cache, no store and nothing that serves from one
    if redis_on:
        assert {"compose.yaml", "pyproject.toml", ".env.example"} <= set(mentions)
    else:
        assert mentions == []


def test_prometheus_appears_only_when_chosen(project: Path) -> None:
    prometheus_on = answers_of(project)["prometheus"]
    mentions = [
        str(path.relative_to(project))
        for path in code_files(project)
        if "prometheus" in path.read_text().lower()
    ]
    main = (project / "src" / "my_service" / "main.py").read_text()
    settings = (project / "src" / "my_service" / "settings.py").read_text()
    server = (project / "src" / "my_service" / "serve.py").read_text()

    assert ("prometheus-client" in dependency_names(project)) is prometheus_on
    assert ("install_metrics(app, settings)" in main) is prometheus_on
    assert ('metrics_path: OptionalPath = "/metrics"' in settings) is prometheus_on
    assert (
        project / "src" / "my_service" / "observability" / "metrics.py"
    ).is_file() is prometheus_on
    assert ("share_metrics(server, settings)" in server) is prometheus_on  # the server: always
    if not prometheus_on:
        assert mentions == []


def test_celery_appears_only_when_chosen(project: Path) -> None:
    answers = answers_of(project)
    celery_on = answers["tasks"] == "celery"
    mentions = [
        str(path.relative_to(project))
        for path in code_files(project)
        if "celery" in path.read_text().lower()
    ]
    jobs = project / "src" / "my_service" / "jobs"

    assert ("celery" in dependency_names(project)) is celery_on
    assert (jobs / "worker.py").is_file() is celery_on
    assert (jobs / "tasks.py").is_file() is celery_on
    if celery_on:
        assert {"compose.yaml", "pyproject.toml", "README.md", ".env.example"} <= set(mentions)
    else:
        assert mentions == []
        assert "BackgroundTasks" in (jobs / "scheduler.py").read_text()


def test_migration_tooling_matches_the_orm(project: Path) -> None:
    migrations = project / "src" / "my_service" / "db" / "migrations"
    if answers_of(project)["orm"] == "sqlalchemy":
        assert (project / "alembic.ini").is_file()
        assert list((migrations / "versions").glob("*.py"))
    else:
        assert "[tool.aerich]" in (project / "pyproject.toml").read_text()
        assert list((migrations / "models").glob("0_*_init.py"))


def test_answers_file_records_every_question(project: Path) -> None:
    answers = answers_of(project)

    assert answers["orm"] in ORM_TRACES
    assert isinstance(answers["redis"], bool)
    assert answers["tasks"] in ("background_tasks", "celery")
    assert isinstance(answers["prometheus"], bool)
    assert answers["package_name"] == "my_service"
    assert Path(answers["_src_path"]).is_absolute()


def test_ruff_check_and_format_pass(project: Path) -> None:
    ruff = [sys.executable, "-m", "ruff"]
    checked = subprocess.run(
        [*ruff, "check", "--no-cache", "."], cwd=project, capture_output=True, text=True
    )
    formatted = subprocess.run(
        [*ruff, "format", "--check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_compose_file_is_valid(project: Path) -> None:
    result = docker_compose(project, "config", "--quiet")

    assert result.returncode == 0, result.stderr


def test_compose_runs_the_api_after_migrating_postgres(project: Path) -> None:
    result = docker_compose(project, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]

    answers = answers_of(project)
    celery = answers["tasks"] == "celery"
    expected = {"api", "migrate", "postgres", "jaeger"}  # Jaeger: the traces' viewer
    expected |= {"redis"} if answers["redis"] else set()
    expected |= {"worker"} if celery else set()
    expected |= {"rabbitmq"} if celery and not answers["redis"] else set()
    expected |= {"prometheus"} if answers["prometheus"] else set()
    expected |= {"mailpit"} if answers["auth"] == "jwt" else set()  # where its mail goes
    assert set(services) == expected
    if celery:
        broker = services["worker"]["environment"].get("CELERY_BROKER_URL", "")
        assert broker.startswith("amqp://") is (not answers["redis"])
        assert services["worker"]["command"][:3] == ["celery", "-A", "my_service.jobs.worker"]
    assert services["migrate"]["command"] == MIGRATE[answers_of(project)["orm"]]
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["api"]["environment"]["DATABASE_URL"].startswith("postgresql://")
    if answers["auth"] == "jwt":
        assert services["api"]["environment"]["SMTP_URL"] == "smtp://mailpit:1025"
    for traced in ("api", "worker") if celery else ("api",):
        assert (
            services[traced]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
        )


def test_combination_ids_name_every_option() -> None:
    ids = {combination.id for combination in all_combinations()}

    assert len(ids) == 32
    assert "sqlalchemy-redis-celery-prometheus-jwt" in ids
    assert "tortoise-noredis-background_tasks-noprometheus-none" in ids


def test_users_and_tokens_appear_only_with_auth(project: Path) -> None:
    auth_on = answers_of(project)["auth"] == "jwt"
    package = project / "src" / "my_service"
    settings = (package / "settings.py").read_text()

    expected = {"pyjwt", "pwdlib"} if auth_on else set()
    assert {"pyjwt", "pwdlib"} & dependency_names(project) == expected
    assert (package / "auth").is_dir() is auth_on
    assert (package / "resources" / "users").is_dir() is auth_on
    assert ("auth_secret_key" in settings) is auth_on
    assert ("AUTH_" in (project / "README.md").read_text()) is auth_on


def test_the_readme_documents_every_setting_of_the_render(project: Path) -> None:
    from .test_docs import settings_of

    readme = (project / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("**Sizing the database pool.**")]
    documented = set(re.findall(r"^\| `([A-Z_]+)`", table, re.MULTILINE))

    assert documented == settings_of(project)
