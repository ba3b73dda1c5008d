"""docs/interface.md is the contract users and their scripts rely on: it names every question,
command, setting and endpoint the template has, and nothing it does not have."""

import ast
import re
from pathlib import Path

import pytest

from asyncforge.cli import app as cli
from asyncforge.matrix import all_combinations
from asyncforge.template import questions

from .helpers import rendered

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = (ROOT / "docs" / "interface.md").read_text()


def section(title: str) -> str:
    start = CONTRACT.index(f"## {title}") if f"## {title}" in CONTRACT else CONTRACT.index(title)
    rest = CONTRACT[start + len(title) :]
    end = re.search(r"^#{2,3} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def first_column(table: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)`", table, re.MULTILINE))


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return [rendered(c, tmp_path_factory) for c in all_combinations()]


def settings_of(project: Path) -> set[str]:
    """The environment variables `Settings` reads: its annotated fields, upper-cased."""
    tree = ast.parse((project / "src" / "my_service" / "settings.py").read_text())
    settings = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    return {
        node.target.id.upper()
        for node in settings.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        and node.target.id != "model_config"
    }  # fmt: skip


def routes_of(project: Path) -> set[str]:
    """`METHOD /path` of every route: each router's prefix (with `paths.V1` put in), its routes,
    and the metrics route; the platform's routers in `api/`, the resources' in `resources/`."""
    package = project / "src" / "my_service"
    v1 = re.search(r'V1 = "([^"]+)"', (package / "api" / "paths.py").read_text())
    found = set()
    for module in [*package.glob("api/*.py"), *package.glob("resources/*/*.py")]:
        text = module.read_text()
        prefix = re.search(r'router = APIRouter\(prefix=f?"([^"]+)"', text)
        if prefix is None:
            continue
        full = prefix[1].replace("{V1}", v1[1] if v1 else "")
        for method, path in re.findall(r'@router\.(get|post|patch|delete)\(\s*"([^"]*)"', text):
            found.add(f"{method.upper()} {full}{path}")
    if (project / "src" / "my_service" / "observability" / "metrics.py").is_file():
        found.add("GET /metrics")
    return found


def test_every_question_is_in_the_contract_and_no_other() -> None:
    documented = first_column(section("Copier questions"))

    assert documented == {q.name for q in questions()}


def test_every_command_is_in_the_contract_and_no_other() -> None:
    documented = {
        " ".join(word for word in name.split()[1:3] if word.isalpha() and word.islower())
        for name in first_column(section("The `asyncforge` command"))
    }
    registered = {
        command.name or (command.callback.__name__ if command.callback else "")
        for command in cli.registered_commands
    } | {
        f"{group.name} {command.name}"
        for group in cli.registered_groups
        if group.typer_instance is not None
        for command in group.typer_instance.registered_commands
    }

    assert documented == registered


def test_every_setting_of_every_render_is_in_the_contract_and_no_other(
    renders: list[Path],
) -> None:
    documented = first_column(section("### Settings"))
    read = set().union(*(settings_of(project) for project in renders))

    assert documented == read


def test_every_endpoint_is_in_the_contract(renders: list[Path]) -> None:
    endpoints = section("### Endpoints")
    routes = set().union(*(routes_of(project) for project in renders))
    documented = {
        f"{method} {path}"
        for method, path in re.findall(r"`(GET|POST|PATCH|DELETE) ([^`?]+)", endpoints)
    }

    assert {re.sub(r"\{\w+_id\}", "{id}", route) for route in routes} == documented - {
        "GET /docs",
        "GET /openapi.json",
    }
