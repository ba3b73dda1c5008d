"""The template as its users meet it: a git repository whose history is every release recorded
in docs/releases.yml, each tagged `v<version>` as where it is published, with this checkout
(uncommitted edits included) on top. Updates from each release are tested against it."""

import shutil
import subprocess
from pathlib import Path

from ..template import recorded_releases, template_root

TEMPLATE_PATHS = ("copier.yml", "template", "resource", "includes")
"""What a release of the template is made of (older releases have only some of them)."""
IDENTITY = ["-c", "user.name=asyncforge", "-c", "user.email=asyncforge@localhost"]


class HistoryMissing(Exception):
    """A recorded release's commit is not in this clone (a shallow one)."""


def _git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *IDENTITY, *args], cwd=repo, check=True, capture_output=True, input=data,
        timeout=120,
    ).stdout  # fmt: skip


def _commit_tree(repo: Path, message: str, tag: str | None) -> None:
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "--no-verify", "--allow-empty", "-m", message)
    if tag is not None:
        _git(repo, "tag", tag)


def template_with_releases(
    repo: Path, *, current_tag: str | None = None, releases: bool = True
) -> Path:
    """Build that repository at `repo` (without `releases`, only the checkout); the checkout on
    top is tagged `current_tag` if given."""
    root = template_root()
    repo.mkdir(parents=True)
    _git(repo, "init", "--quiet", "--initial-branch", "main")
    for release in recorded_releases() if releases else []:
        commit = str(release["commit"])
        try:
            listed = _git(root, "ls-tree", "--name-only", commit).decode().split()
        except subprocess.CalledProcessError:
            raise HistoryMissing(
                f"release {release['version']} ({commit}) is not in this clone's history: "
                "clone without --depth to test updates across releases"
            ) from None
        for name in TEMPLATE_PATHS:
            target = repo / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        archive = _git(root, "archive", commit, *(n for n in listed if n in TEMPLATE_PATHS))
        subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True, timeout=120)
        _commit_tree(repo, f"Release {release['version']}", f"v{release['version']}")
    for name in TEMPLATE_PATHS:
        target = repo / name
        if target.is_dir():
            shutil.rmtree(target)
        if (root / name).is_dir():
            shutil.copytree(root / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "copier.yml", repo)
    (repo / "docs").mkdir(exist_ok=True)  # the releases' own record, which `new` reads
    shutil.copy(root / "docs" / "releases.yml", repo / "docs")
    _commit_tree(repo, "This checkout", current_tag)
    return repo
