"""Creating a project: Copier renders it, then the project gets its own git history so that
`copier update` can three-way merge template changes into it later."""

import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from copier import run_copy, run_update
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
    _lock(destination, quiet=quiet)
    git(destination, "init", "--quiet")
    _commit_all(destination, "Create the service from the asyncforge template")
    return destination


def _lock(project: Path, *, quiet: bool) -> None:
    """Resolve the dependencies into uv.lock, so that the first commit pins them (and the work tree
    stays clean after the first `uv run`). Without uv or a package index the project still works."""
    uv = shutil.which("uv")
    locked = (
        uv is not None
        and (
            subprocess.run([uv, "lock", "--quiet"], cwd=project, capture_output=True, check=False)
        ).returncode
        == 0
    )
    if not locked and not quiet:
        print(
            "note: could not run `uv lock`; run it in the project and commit uv.lock",
            file=sys.stderr,
        )


OPTIONS_THAT_TURN_OFF = {"redis": False, "prometheus": False, "tasks": "background_tasks"}
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7}) ", re.MULTILINE)


@dataclass
class UpdateReport:
    changed: list[str]
    conflicts: list[str]


def _status(project: Path) -> list[str]:
    return [line for line in git(project, "status", "--porcelain").splitlines() if line.strip()]


def _rendered_files(answers: dict[str, Any], vcs_ref: str | None) -> set[str]:
    with tempfile.TemporaryDirectory() as scratch:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DirtyLocalWarning)
            run_copy(
                str(answers["_src_path"]),
                scratch,
                data={k: v for k, v in answers.items() if not k.startswith("_")},
                defaults=True,
                vcs_ref=vcs_ref,
                quiet=True,
            )
        root = Path(scratch)
        return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def files_removed_by(project: Path, current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """Files of the project that the template only renders with the current answers."""
    commit = current.get("_commit")
    only_now = _rendered_files(current, commit) - _rendered_files(wanted, commit)
    return sorted(path for path in only_now if (project / path).exists())


def _conflicts(project: Path) -> list[str]:
    touched = {line[3:].strip() for line in _status(project)}
    found = []
    for name in sorted(touched):
        path = project / name
        if name.endswith(".rej"):
            found.append(name)
        elif path.is_file():
            try:
                if CONFLICT_MARKER.search(path.read_text()):
                    found.append(name)
            except UnicodeDecodeError:
                continue
    return found


def update(
    project: Path,
    changes: dict[str, Any],
    *,
    vcs_ref: str | None = None,
    assume_yes: bool = False,
    quiet: bool = False,
) -> UpdateReport:
    """Copier's three-way update, made safe: a clean work tree first, no ORM switch, no silent
    deletion of files when an option is turned off, and conflicts reported, not left for later."""
    project = project.resolve()
    current = read_answers(project)
    if _status(project):
        raise GeneratorError(
            f"{project} has uncommitted changes; commit or stash them first, so that the update "
            "can be reviewed and undone"
        )
    if "orm" in changes and changes["orm"] != current.get("orm"):
        raise GeneratorError(
            f"switching the ORM from {current.get('orm')} to {changes['orm']} would replace the "
            "project's whole data layer (models, repository, migrations) and drop your changes to "
            "it; render a new project with --orm and move your code over instead"
        )
    turned_off = [
        option
        for option, off_value in OPTIONS_THAT_TURN_OFF.items()
        if option in changes and changes[option] == off_value and current.get(option) != off_value
    ]
    if turned_off:
        doomed = files_removed_by(project, current, {**current, **changes})
        if doomed and not assume_yes:
            raise GeneratorError(
                f"turning off {', '.join(turned_off)} deletes these files, your edits to them "
                f"included: {', '.join(doomed)}; run again with --yes to go ahead"
            )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        run_update(
            str(project),
            data=changes,
            defaults=True,
            overwrite=True,
            vcs_ref=vcs_ref,
            quiet=quiet,
        )
    conflicts = _conflicts(project)
    if not conflicts:
        _lock(project, quiet=quiet)  # options bring dependencies: keep uv.lock in step
    return UpdateReport(changed=_status(project), conflicts=conflicts)
