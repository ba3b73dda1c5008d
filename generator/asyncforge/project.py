"""Creating a project: Copier renders it, then the project gets its own git history so that
`copier update` can three-way merge template changes into it later."""

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import yaml
from copier import run_copy
from copier.errors import DirtyLocalWarning

from .template import template_root


class GeneratorError(Exception):
    """A failure with a message meant for the person at the terminal."""


def git(project: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise GeneratorError(f"git {args[0]} failed: {detail[-1] if detail else 'no output'}")
    return completed.stdout


def read_answers(project: Path) -> dict[str, Any]:
    answers_file = project / ".copier-answers.yml"
    if not answers_file.is_file():
        raise GeneratorError(f"{project} has no .copier-answers.yml: not made from this template")
    loaded: dict[str, Any] = yaml.safe_load(answers_file.read_text()) or {}
    return loaded


def _commit_all(project: Path, message: str) -> None:
    """Commit as the configured git user, or as the project's author when git has none."""
    identity: list[str] = []
    configured = subprocess.run(
        ["git", "config", "user.email"], cwd=project, capture_output=True, check=False
    )
    if configured.returncode != 0:
        answers = read_answers(project)
        identity = [
            "-c",
            f"user.name={answers.get('author_name', 'asyncforge')}",
            "-c",
            f"user.email={answers.get('author_email', 'asyncforge@localhost')}",
        ]
    git(project, "add", "--all")
    git(project, *identity, "commit", "--quiet", "--no-verify", "-m", message)


def create(
    destination: Path,
    answers: dict[str, Any],
    *,
    defaults: bool,
    vcs_ref: str = "HEAD",
    quiet: bool = False,
) -> Path:
    """Render into `destination` (absent or empty). `vcs_ref` defaults to the template as it is
    checked out here, not its latest tag: the CLI renders the template it ships with."""
    destination = destination.resolve()
    if destination.exists() and any(destination.iterdir()):
        raise GeneratorError(f"{destination} exists and is not empty")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DirtyLocalWarning)
        run_copy(
            str(template_root()),  # absolute: a relative _src_path breaks later updates
            destination,
            data=answers,
            defaults=defaults,
            vcs_ref=vcs_ref,
            quiet=quiet,
        )
    if any(issubclass(w.category, DirtyLocalWarning) for w in caught) and not quiet:
        print("note: the template has uncommitted changes; they were included", file=sys.stderr)
    git(destination, "init", "--quiet")
    _commit_all(destination, "Create the service from the asyncforge template")
    return destination
