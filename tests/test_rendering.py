"""What every rendered project must be, before anything is installed: complete, clean Python."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

from asyncforge import checks

# Jinja's delimiters as a template writes them; a Python dict such as {1: {"a": 2}} does not match.
JINJA_SYNTAX = re.compile(r"\{\{-?\s|\s-?\}\}|\{%|%\}|\{#|#\}")


def rendered_files(project: Path) -> list[Path]:
    return [path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts]


def test_no_jinja_leftovers_in_contents_or_names(default_project: Path) -> None:
    leftovers = [
        str(path.relative_to(default_project))
        for path in rendered_files(default_project)
        if JINJA_SYNTAX.search(path.read_text()) or JINJA_SYNTAX.search(str(path))
    ]

    assert leftovers == []


def test_jinja_syntax_pattern_tells_leftovers_from_python() -> None:
    assert JINJA_SYNTAX.search("name = '{{ package_name }}'")
    assert JINJA_SYNTAX.search("{% if redis %}")
    assert not JINJA_SYNTAX.search('responses={503: {"model": Readiness}}')


def test_no_empty_files(default_project: Path) -> None:
    empty = [
        str(path.relative_to(default_project))
        for path in rendered_files(default_project)
        if not path.read_text().strip()
    ]

    assert empty == []


def test_package_and_entry_point_follow_the_answers(default_project: Path) -> None:
    package = default_project / "src" / "my_service"

    assert (package / "main.py").read_text().count("def create_app(") == 1
    assert (package / "db" / "migrations" / "versions").is_dir()
    assert (default_project / "alembic.ini").is_file()


def test_answers_file_records_every_question(default_project: Path) -> None:
    answers = yaml.safe_load((default_project / ".copier-answers.yml").read_text())

    assert answers["orm"] == "sqlalchemy"
    assert answers["redis"] is False
    assert answers["tasks"] == "background_tasks"
    assert answers["prometheus"] is False
    assert answers["package_name"] == "my_service"
    assert Path(answers["_src_path"]).is_absolute()


def test_ruff_check_and_format_pass(default_project: Path) -> None:
    ruff = [sys.executable, "-m", "ruff"]
    checked = subprocess.run(
        [*ruff, "check", "--no-cache", "."], cwd=default_project, capture_output=True, text=True
    )
    formatted = subprocess.run(
        [*ruff, "format", "--check", "--no-cache", "."],
        cwd=default_project,
        capture_output=True,
        text=True,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_compose_file_is_valid(default_project: Path) -> None:
    compose = Path(sys.executable).parent / "docker-compose"
    result = subprocess.run(
        [str(compose), "config", "--quiet"], cwd=default_project, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


def test_compose_runs_the_api_after_migrating_postgres(default_project: Path) -> None:
    compose = Path(sys.executable).parent / "docker-compose"
    result = subprocess.run(
        [str(compose), "config", "--format", "json"],
        cwd=default_project,
        capture_output=True,
        text=True,
        check=True,
    )
    services = yaml.safe_load(result.stdout)["services"]

    assert set(services) == {"api", "migrate", "postgres"}
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["api"]["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_combination_ids_name_every_option() -> None:
    ids = {combination.id for combination in checks.ALL_COMBINATIONS}

    assert len(ids) == 16
    assert "sqlalchemy-redis-celery-prometheus" in ids
    assert "tortoise-noredis-bgtasks-noprom" in ids
