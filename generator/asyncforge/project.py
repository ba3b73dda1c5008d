"""Creating and updating a project. Copier renders and merges; this adds what Copier lacks: a
template source a teammate can reach, no made-up commits, a first git commit and a lock file,
no silent deletions, no ORM switch, and conflicts reported instead of left for later."""

import re
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from copier import run_copy, run_update
from copier.errors import DirtyLocalWarning

from . import dependencies
from .template import template_root

ANSWERS_FILE = ".copier-answers.yml"


class GeneratorError(Exception):
    """A failure with a message meant for the person at the terminal."""


def release_tags(source: str) -> list[str]:
    """The template's release tags, newest first, as Copier orders them (PEP 440, no
    pre-releases)."""
    from packaging.version import InvalidVersion, Version

    path = local_path(source)
    url = str(path.resolve()) if path is not None else source.removeprefix("git+")
    listed = subprocess.run(
        ["git", "ls-remote", "--tags", "--refs", "--", url],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    tags = []
    for line in listed.stdout.splitlines():
        tag = line.partition("\t")[2].removeprefix("refs/tags/")
        try:
            if not Version(tag).is_prerelease:
                tags.append((Version(tag), tag))
        except InvalidVersion:
            continue
    return [tag for _, tag in sorted(tags, reverse=True)]


_DESCRIBED = re.compile(r"^(?P<tag>.+)-(?P<count>\d+)-g[0-9a-f]+$")
"""`git describe`'s name of a commit past a tag, which Copier records as `_commit`."""


def is_past(commit: str, release: str) -> bool:
    """Whether a project's `_commit` (`v0.5.0`, `v0.5.0-3-g1a2b3c4`, a hash) is a commit after
    the release tag `release`: Copier would call an update to that release a downgrade."""
    from packaging.version import InvalidVersion, Version

    described = _DESCRIBED.match(commit)
    if described is None or int(described["count"]) == 0:
        return False
    try:
        return Version(described["tag"]) >= Version(release)
    except InvalidVersion:
        return False


def _update_ref(source: str, vcs_ref: str | None, commit: str) -> str:
    """The ref an update goes to: the one asked for, checked before Copier runs (it would say
    only "Unknown revision"), or the newest release tag, or HEAD with one warning when the
    template has no tags (Copier would print its own warning once per render) or when the
    project was made from a commit past its newest release (Copier refuses to go back)."""
    if vcs_ref is None:
        tags = release_tags(source)
        if tags and not is_past(commit, tags[0]):
            return tags[0]
        why = (
            f"the project was made from {commit}, past the newest release {tags[0]}"
            if tags
            else "it has no release tags"
        )
        _warn(f"updating to the HEAD of the template at {source}: {why}")
        return "HEAD"
    path = local_path(source)
    if path is not None:
        found = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{vcs_ref}^{{commit}}"],
            cwd=path, capture_output=True, check=False,
        )  # fmt: skip
        if found.returncode != 0:
            known = ", ".join(release_tags(source)[:8]) or "none"
            raise GeneratorError(
                f"--vcs-ref {vcs_ref} is not a tag, branch or commit of the template at "
                f"{source} (release tags there: {known})"
            )
    return vcs_ref


def _warn(message: str) -> None:
    print(f"asyncforge: warning: {' '.join(message.split())}", file=sys.stderr)


def git(project: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False, timeout=120
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise GeneratorError(f"git {args[0]} failed: {detail[-1] if detail else 'no output'}")
    return completed.stdout


def copy_template(
    source: str,
    destination: Path,
    answers: dict[str, Any],
    *,
    vcs_ref: str | None,
    defaults: bool = True,
    quiet: bool = True,
    answers_file: str | None = None,
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


_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*://|^gh:|^gl:|^[^/]+@[^/]+:")
"""A template source that is a URL (`file://` included) or a `gh:`/`gl:`/ssh shorthand."""


def local_path(source: str) -> Path | None:
    """The folder a template source names when it is a plain path, else `None`."""
    return None if _REMOTE.match(source) else Path(source).expanduser()


def _is_local(source: str) -> bool:
    """A source only this machine can reach: a path or a `file://` URL."""
    return local_path(source) is not None or source.startswith(("file://", "git+file://"))


def _local_checkout(source: str) -> Path | None:
    """The folder of a template given as a local path that is a git checkout, else `None`."""
    path = local_path(source)
    if path is None or not path.is_dir():
        return None
    inside = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"],
        cwd=path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return path.resolve() if inside.returncode == 0 else None


def dirty_files(checkout: Path) -> list[str]:
    """Uncommitted changes (untracked files included) that would end up in a render."""
    return [line[3:] for line in git(checkout, "status", "--porcelain").splitlines() if line]


def reachable_source(checkout: Path, commit: str) -> str:
    """What the answers file should name: the checkout's `origin` remote, which a teammate can
    clone, or else the checkout's own absolute path (which works on this machine only). An
    `origin` that is itself a local path is not recorded: its tags and branches are not the
    ones this checkout shows, so `update --vcs-ref` would look for a ref in the wrong place."""
    remote = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=checkout, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    origin = remote.stdout.strip() if remote.returncode == 0 else ""
    if not origin or _is_local(origin):
        why = f"its 'origin' is a local path ({origin})" if origin else "it has no 'origin' remote"
        _warn(
            f"the template checkout {checkout} is recorded by its absolute path because {why}: "
            "`copier update` works on this machine only; pass --template with a git URL to let "
            "teammates and CI update the project"
        )
        return str(checkout)
    published = git(checkout, "branch", "--remotes", "--contains", commit).strip()
    if not published:
        _warn(
            f"template commit {commit[:12]} is not on origin yet; push it before teammates or "
            "CI update this project"
        )
    return remote.stdout.strip()


def _record_source(project: Path, source: str, commit: str | None) -> None:
    """Rewrite the answers file's `_src_path` (and `_commit`) lines, keeping the rest as Copier
    wrote it."""
    answers_file = project / ANSWERS_FILE
    text = re.sub(r"(?m)^_src_path: .*$", f"_src_path: {source}", answers_file.read_text())
    if commit is not None:
        text = re.sub(r"(?m)^_commit: .*$", f"_commit: {commit}", text)
    answers_file.write_text(text)


def commits(count: int) -> str:
    return f"{count} commit{'' if count == 1 else 's'}"


def newest_release(checkout: Path) -> tuple[str | None, int]:
    """The checkout's newest release tag (`None` without one) and how many commits its HEAD is
    past that tag."""
    tags = release_tags(str(checkout))
    if not tags:
        return None, 0
    past = git(checkout, "rev-list", "--count", f"{tags[0]}..HEAD").strip()
    return tags[0], int(past or 0)


def _newest_or_head(checkout: Path) -> str:
    """What a new project renders from a checkout: its newest release, as Copier would, or HEAD
    when it has none. Rendering a release that HEAD has gone past is said once."""
    release, past = newest_release(checkout)
    if release is None:
        return "HEAD"
    if past:
        _warn(
            f"rendering the newest release of the template, {release}; its HEAD is "
            f"{commits(past)} past it, which --vcs-ref HEAD renders"
        )
    return release


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
    checkout = _local_checkout(source)
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
            _warn(
                f"rendering uncommitted template changes on top of {commit[:12]}; the project "
                "records that commit, and updates treat the difference as the project's edits"
            )
            note = f"\n\nRendered with uncommitted template changes on top of {commit}."
        source = str(checkout)  # rendered locally; the answers file then names a reachable source
    copy_template(source, destination, answers, vcs_ref=vcs_ref, defaults=defaults, quiet=quiet)
    if checkout is not None and commit is not None:
        _record_source(destination, reachable_source(checkout, commit), commit if note else None)
    _lock(destination, quiet=quiet)
    git(destination, "init", "--quiet", "--initial-branch", "main")
    _commit_all(destination, "Create the service from the asyncforge template" + note)
    return destination


def _lock(project: Path, *, quiet: bool, kept: set[str] | None = None) -> None:
    """Resolve the dependencies into uv.lock at the versions the template was tested with
    (`dependencies`), so that the first commit pins them and the work tree stays clean after the
    first `uv run`. Without uv or a package index the project still works."""
    if not dependencies.lock(project, kept=kept) and not quiet:
        _warn("could not run `uv lock`; run it in the project and commit uv.lock")


CONFLICT_MARKER = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)
"""The same pattern as the rendered `scripts/update_from_template.py` (a test keeps them equal)."""
LOCKED_OPTIONS = {
    "orm": "would replace the project's whole data layer (models, repository, migrations) and "
    "drop your changes to it; render a new project with --orm and move your code over instead"
}
"""Options that cannot change after creation, and why."""


@dataclass
class UpdateReport:
    changed: list[str]
    conflicts: list[str]
    resources: dict[str, list[str]] = field(default_factory=dict)
    """Each resource made by `add resource`, and the conflicts its own update left."""
    merge: str | None = None
    """The migration written to join the template's migrations and the team's (see
    `migrations`), relative to the project."""


def _status(project: Path) -> list[str]:
    return [line for line in git(project, "status", "--porcelain").splitlines() if line.strip()]


def _rendered_files(answers: dict[str, Any], vcs_ref: str | None) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as scratch:
        copy_template(
            str(answers["_src_path"]),
            Path(scratch),
            {k: v for k, v in answers.items() if not k.startswith("_")},
            vcs_ref=vcs_ref,
        )
        root = Path(scratch)
        return {
            str(path.relative_to(root)): path.read_bytes()
            for path in root.rglob("*")
            if path.is_file()
        }


def edited_files_removed_by(
    project: Path, current: dict[str, Any], wanted: dict[str, Any]
) -> list[str]:
    """Files the template renders with the current answers only and that their owner edited:
    the rest are the template's own and go without asking, as Copier removes them."""
    commit = current.get("_commit")
    now = _rendered_files(current, commit)
    only_now = now.keys() - _rendered_files(wanted, commit).keys()
    return sorted(
        name
        for name in only_now
        if (project / name).is_file() and (project / name).read_bytes() != now[name]
    )


def conflicts_in(project: Path) -> list[str]:
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
    """Copier's three-way update, made safe: a clean work tree first, no switch of a locked
    option, no silent deletion of files when an option changes, and conflicts reported."""
    project = project.resolve()
    current = read_answers(project)
    if _status(project):
        raise GeneratorError(
            f"{project} has uncommitted changes; commit or stash them first, so that the update "
            "can be reviewed and undone"
        )
    for option, why in LOCKED_OPTIONS.items():
        if option in changes and changes[option] != current.get(option):
            raise GeneratorError(
                f"switching {option} from {current.get(option)} to {changes[option]} {why}"
            )
    vcs_ref = _update_ref(str(current.get("_src_path", "")), vcs_ref, str(current["_commit"]))
    changed_answers = [name for name, value in changes.items() if current.get(name) != value]
    if changed_answers:
        doomed = edited_files_removed_by(project, current, {**current, **changes})
        if doomed and not assume_yes:
            raise GeneratorError(
                f"changing {', '.join(changed_answers)} deletes these files you edited: "
                f"{', '.join(doomed)}; run again with --yes to go ahead"
            )
    start = git(project, "rev-parse", "HEAD").strip()
    heads_before = _migration_heads(project)
    locked_before = dependencies.locked_packages(project)
    run_copier_update(project, changes, vcs_ref=vcs_ref, quiet=quiet)
    _join_registry_additions(project)
    conflicts = conflicts_in(project)
    resources: dict[str, list[str]] = {}
    from .resources import answers_files, update_all

    if not conflicts and answers_files(project):
        # Copier updates a clean project only: the service's update is committed for as long as
        # the resources' updates run, then left uncommitted with theirs, for review.
        commit_for_now(project, "asyncforge update: the service")
        try:
            resources = update_all(project, vcs_ref, quiet=quiet)
        finally:
            git(project, "reset", "--quiet", start)
        conflicts = conflicts_in(project)
    merge = None
    if not conflicts:
        _lock(project, quiet=quiet, kept=locked_before)  # options bring dependencies
        merge = _join_new_migration_heads(project, heads_before)
    return UpdateReport(
        changed=_status(project), conflicts=conflicts, resources=resources, merge=merge
    )


_CONFLICT = re.compile(
    r"^<{7} [^\n]*\n(?P<ours>(?:.*\n)*?)={7}\n(?P<theirs>(?:.*\n)*?)>{7} [^\n]*\n", re.MULTILINE
)
_REGISTRY_LINE = re.compile(r"^(from \.[\w.]+ import [\w ,]+|    [\w.]+,)$")
REGISTRIES = ("models.py", "routers.py", "jobs.py")
"""The files of `resources/` where each resource adds its lines (`add resource` among others)."""


def _join_registry_additions(project: Path) -> None:
    """The registries' conflicts that only add lines on both sides, resolved by keeping both:
    a resource the team added and one an option brings (auth's users) land on the same line of
    `resources/models.py`, which Copier reports as a conflict although nothing is lost."""
    registries = package_dir(project) / "resources"
    for name in REGISTRIES:
        path = registries / name
        if path.is_file():
            text = path.read_text()
            joined = _CONFLICT.sub(_both_sides_of_additions, text)
            if joined != text:
                path.write_text(joined)


def _both_sides_of_additions(block: re.Match[str]) -> str:
    """Both sides of a conflict made only of registry lines (imports sorted); others as found."""
    ours, theirs = block["ours"].splitlines(), block["theirs"].splitlines()
    if not all(_REGISTRY_LINE.match(line) for line in ours + theirs):
        return block[0]
    kept = list(dict.fromkeys(ours + theirs))
    imports = all(line.startswith("from ") for line in kept)
    return "\n".join(sorted(kept) if imports else kept) + "\n"


def _migration_heads(project: Path) -> list[str]:
    from .migrations import alembic_versions, heads

    return heads(alembic_versions(package_dir(project)))


def _join_new_migration_heads(project: Path, heads_before: list[str]) -> str | None:
    """A merge migration when the update left Alembic heads it did not find, more than one."""
    from .migrations import alembic_versions, heads, write_merge

    versions = alembic_versions(package_dir(project))
    found = heads(versions)
    if found == heads_before or len(found) < 2:
        return None
    return str(write_merge(versions, found).relative_to(project))


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
