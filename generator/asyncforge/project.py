"""A project made from the template: its answers, its render (Copier's, from a template source a
teammate can reach, with no made-up commit), its lock and first commit, and the git states an
update and `add resource` work between."""

import re
import subprocess
import warnings
from pathlib import Path
from typing import Any

import yaml
from copier import run_copy, run_update
from copier.errors import DirtyLocalWarning

from . import dependencies
from .errors import GeneratorError, warn
from .template import template_root
from .vcs import commits, dirty_files, git, local_checkout, newest_release, reachable_source

ANSWERS_FILE = ".copier-answers.yml"
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)
"""The same pattern as the rendered `scripts/update_from_template.py` (a test keeps them equal)."""


def copy_template(
    source: str,
    destination: Path,
    answers: dict[str, Any],
    *,
    vcs_ref: str | None,
    defaults: bool = True,
    quiet: bool = True,
    answers_file: str | None = None,
    user_defaults: dict[str, Any] | None = None,
) -> None:
    """Copier's `run_copy`; a dirty local template is rendered as it is (callers that must not
    do so check first, see `dirty_files`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        run_copy(
            source,
            destination,
            data=answers,
            defaults=defaults,
            vcs_ref=vcs_ref,
            quiet=quiet,
            answers_file=answers_file,
            user_defaults=user_defaults,
        )


def read_answers(project: Path) -> dict[str, Any]:
    answers_file = project / ANSWERS_FILE
    if not answers_file.is_file():
        raise GeneratorError(f"{project} has no {ANSWERS_FILE}: not made from this template")
    loaded: dict[str, Any] = yaml.safe_load(answers_file.read_text()) or {}
    return loaded


def package_dir(project: Path) -> Path:
    return project / "src" / str(read_answers(project)["package_name"])


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


def _record_source(project: Path, source: str, commit: str | None) -> None:
    """Rewrite the answers file's `_src_path` (and `_commit`) lines, keeping the rest as Copier
    wrote it."""
    answers_file = project / ANSWERS_FILE
    text = re.sub(r"(?m)^_src_path: .*$", f"_src_path: {source}", answers_file.read_text())
    if commit is not None:
        text = re.sub(r"(?m)^_commit: .*$", f"_commit: {commit}", text)
    answers_file.write_text(text)


def _newest_or_head(checkout: Path) -> str:
    """What a new project renders from a checkout: its newest release, as Copier would, or HEAD
    when it has none. Rendering a release that HEAD has gone past is said once."""
    release, past = newest_release(checkout)
    if release is None:
        return "HEAD"
    if past:
        warn(
            f"rendering the newest release of the template, {release}; its HEAD is "
            f"{commits(past)} past it, which --vcs-ref HEAD renders"
        )
    return release


_NOT_IN_A_NAME = re.compile(r"[^a-z0-9-]+")


def _named_after(destination: Path) -> dict[str, str]:
    """The project name a folder suggests (`../orders_api`: `orders-api`), as the default of the
    question, when it makes a valid one."""
    name = _NOT_IN_A_NAME.sub("-", destination.name.lower().replace("_", "-"))
    name = re.sub(r"-{2,}", "-", name).strip("-").lstrip("0123456789-")
    return {"project_name": name} if name else {}


def next_steps(project: Path) -> str:
    """What to do in a project `create` made (locked and committed already)."""
    serve = f"uv run uvicorn {read_answers(project)['package_name']}.main:app --reload"
    return "\n".join(
        [
            f"cd {project}",
            f"{serve}   # serve on http://127.0.0.1:8000 (SQLite, no setup)",
            f"{'uv run pytest'.ljust(len(serve))}   # run the service's own tests",
        ]
    )


def create(
    destination: Path,
    answers: dict[str, Any],
    *,
    defaults: bool,
    template: str | None = None,
    vcs_ref: str | None = None,
    allow_dirty: bool = False,
    quiet: bool = False,
) -> Path:
    """Render into `destination` (absent or empty), lock, and make the first commit.

    A template is rendered at `vcs_ref`, by default its newest release tag as Copier does (a
    local checkout without release tags: its HEAD). A local checkout (this asyncforge by default)
    with uncommitted changes is refused, because Copier would record a commit that does not
    exist, unless `allow_dirty`: then the working tree is rendered on HEAD and the project records
    HEAD, so that updates merge from a real commit and treat the uncommitted part as the
    project's own edits."""
    destination = destination.resolve()
    if destination.exists() and any(destination.iterdir()):
        raise GeneratorError(f"{destination} exists and is not empty")
    source = template if template is not None else str(template_root())
    checkout = local_checkout(source)
    commit, note = None, ""
    if checkout is not None:
        dirty = dirty_files(checkout)
        vcs_ref = vcs_ref or ("HEAD" if dirty and allow_dirty else _newest_or_head(checkout))
        if dirty and not allow_dirty:
            raise GeneratorError(
                f"the template at {checkout} has uncommitted changes: {', '.join(dirty)}; commit "
                "them (a project must record a template commit that exists) or pass "
                "--allow-dirty to render the working tree for template development"
            )
        commit = git(checkout, "rev-parse", f"{vcs_ref}^{{commit}}").strip()
        if dirty:
            warn(
                f"rendering uncommitted template changes on top of {commit[:12]}; the project "
                "records that commit, and updates treat the difference as the project's edits"
            )
            note = f"\n\nRendered with uncommitted template changes on top of {commit}."
        source = str(checkout)  # rendered locally; the answers file then names a reachable source
    copy_template(
        source, destination, answers, vcs_ref=vcs_ref, defaults=defaults,
        user_defaults=_named_after(destination),
    )  # fmt: skip
    if checkout is not None and commit is not None:
        _record_source(destination, reachable_source(checkout, commit), commit if note else None)
    lock(destination, quiet=quiet)
    git(destination, "init", "--quiet", "--initial-branch", "main")
    _commit_all(destination, "Create the service from the asyncforge template" + note)
    return destination


def lock(project: Path, *, quiet: bool, kept: set[str] | None = None) -> None:
    """Resolve the dependencies into uv.lock at the versions the template was tested with
    (`dependencies`), so that the first commit pins them and the work tree stays clean after the
    first `uv run`. Without uv or a package index the project still works."""
    if not dependencies.lock(project, kept=kept) and not quiet:
        warn("could not run `uv lock`; run it in the project and commit uv.lock")


def status(project: Path) -> list[str]:
    return [line for line in git(project, "status", "--porcelain").splitlines() if line.strip()]


def conflicts_in(project: Path) -> list[str]:
    touched = {line[3:].strip() for line in status(project)}
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


def commit_for_now(project: Path, message: str) -> None:
    """A commit that `update` removes again (`git reset`) before it returns."""
    git(project, "add", "--all")
    identity = ["-c", "user.name=asyncforge", "-c", "user.email=asyncforge@localhost"]
    git(project, *identity, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", message)


def run_copier_update(
    project: Path,
    changes: dict[str, Any],
    *,
    vcs_ref: str,
    quiet: bool,
    answers_file: str | None = None,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DirtyLocalWarning)
        run_update(
            str(project),
            data=changes,
            defaults=True,
            overwrite=True,
            vcs_ref=vcs_ref,
            quiet=quiet,
            answers_file=answers_file,
        )
