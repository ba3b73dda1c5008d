"""The `asyncforge` command as a user runs it: a subprocess with no terminal."""

import subprocess
import sys
from pathlib import Path

import yaml

ASYNCFORGE = str(Path(sys.executable).parent / "asyncforge")


def asyncforge(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ASYNCFORGE, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        timeout=120,
    )


def test_new_without_a_terminal_uses_flags_and_defaults(tmp_path: Path) -> None:
    destination = tmp_path / "orders"

    result = asyncforge("new", str(destination), "--name", "orders", "--no-redis")

    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "orders"
    assert answers["package_name"] == "orders"
    assert answers["orm"] == "sqlalchemy"
    assert Path(answers["_src_path"]).is_absolute()
    assert (destination / "src" / "orders" / "main.py").is_file()


def test_new_makes_a_first_commit_so_updates_can_merge(tmp_path: Path) -> None:
    destination = tmp_path / "svc"

    assert asyncforge("new", str(destination), "--defaults").returncode == 0

    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=destination, capture_output=True, text=True
    )
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=destination, capture_output=True, text=True
    )
    assert log.stdout.strip() == "Create the service from the asyncforge template"
    assert status.stdout == ""
    tracked = subprocess.run(["git", "ls-files"], cwd=destination, capture_output=True, text=True)
    assert "uv.lock" in tracked.stdout.split()


def test_new_refuses_an_invalid_answer_with_one_line(tmp_path: Path) -> None:
    destination = tmp_path / "bad"

    result = asyncforge("new", str(destination), "--name", "Bad Name")

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("asyncforge:")]
    assert len(errors) == 1
    assert "'project_name'" in errors[0]
    assert "Traceback" not in result.stderr
    assert not destination.exists()


def test_new_refuses_an_unknown_orm_naming_the_question(tmp_path: Path) -> None:
    result = asyncforge("new", str(tmp_path / "bad"), "--orm", "mongo")

    assert result.returncode == 1
    assert "'orm'" in result.stderr
    assert "Traceback" not in result.stderr


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")

    result = asyncforge("new", str(tmp_path), "--defaults")

    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_options_lists_every_question_with_its_values() -> None:
    result = asyncforge("options")

    assert result.returncode == 0
    for question in ("project_name", "package_name", "orm", "redis", "tasks", "prometheus"):
        assert question in result.stdout
    assert "sqlalchemy | tortoise" in result.stdout
    assert "background_tasks | celery" in result.stdout
