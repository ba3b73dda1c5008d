"""The template's and a project's git: where a template source is, its release tags and which
one a project was made from, what a checkout has not committed. The bottom layer, with
`processes`: everything else asks git through here."""

import re
import subprocess
from pathlib import Path

from .errors import GeneratorError, warn

_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*://|^gh:|^gl:|^[^/]+@[^/]+:")
"""A template source that is a URL (`file://` included) or a `gh:`/`gl:`/ssh shorthand."""


def local_path(source: str) -> Path | None:
    """The folder a template source names when it is a plain path, else `None`."""
    return None if _REMOTE.match(source) else Path(source).expanduser()


def _is_local(source: str) -> bool:
    """A source only this machine can reach: a path or a `file://` URL."""
    return local_path(source) is not None or source.startswith(("file://", "git+file://"))


def local_checkout(source: str) -> Path | None:
    """The folder of a template given as a local path that is a git checkout, else `None`."""
    path = local_path(source)
    if path is None or not path.is_dir():
        return None
    inside = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"],
        cwd=path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return path.resolve() if inside.returncode == 0 else None


def git(project: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False, timeout=120
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise GeneratorError(f"git {args[0]} failed: {detail[-1] if detail else 'no output'}")
    return completed.stdout


def dirty_files(checkout: Path) -> list[str]:
    """Uncommitted changes (untracked files included) that would end up in a render."""
    return [line[3:] for line in git(checkout, "status", "--porcelain").splitlines() if line]


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


def tag_of(commit: str) -> str:
    """The tag a project's `_commit` names (`v0.5.0`) or follows (`v0.5.0-3-g1a2b3c4`); a hash
    is returned as it is."""
    described = _DESCRIBED.match(commit)
    return described["tag"] if described else commit


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
        warn(
            f"the template checkout {checkout} is recorded by its absolute path because {why}: "
            "`copier update` works on this machine only; pass --template with a git URL to let "
            "teammates and CI update the project"
        )
        return str(checkout)
    published = git(checkout, "branch", "--remotes", "--contains", commit).strip()
    if not published:
        warn(
            f"template commit {commit[:12]} is not on origin yet; push it before teammates or "
            "CI update this project"
        )
    return remote.stdout.strip()
