"""The dependency versions a project is locked to. A rendered `pyproject.toml` records when the
template's dependencies were tested (`[tool.asyncforge] dependencies-as-of`, from `copier.yml`);
a new project is locked with the versions published before that moment, so what a team gets on
the day it renders is what CI proved, whatever was released since. An update locks what it
adds the same way and keeps every version the team had. The lock is the team's afterwards.

`ASYNCFORGE_NEWEST_DEPENDENCIES=1` locks the newest versions instead: the scheduled canary of
this repository, which meets a release that breaks a render before a team does."""

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import yaml

from .template import recorded_releases
from .vcs import tag_of

NEWEST = "ASYNCFORGE_NEWEST_DEPENDENCIES"
_PACKAGE = re.compile(r'^\[\[package\]\]\nname = "(?P<name>[^"]+)"', re.MULTILINE)


def newest_wanted() -> bool:
    return os.environ.get(NEWEST, "").strip().lower() not in ("", "0", "false", "no")


def tested_as_of(project: Path) -> str | None:
    """The moment the project's template tested its dependencies at: recorded in the render or,
    for a release made before renders recorded it, in docs/releases.yml (`None` when neither
    says, or when the newest versions are wanted)."""
    if newest_wanted():
        return None
    try:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    found = pyproject.get("tool", {}).get("asyncforge", {}).get("dependencies-as-of")
    return str(found) if found else _release_as_of(project)


def _release_as_of(project: Path) -> str | None:
    """docs/releases.yml's `dependencies_as_of` of the release the project was made from
    (`_commit: v0.5.0`, or a commit past it: `v0.5.0-3-g1a2b3c4`)."""
    try:
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text()) or {}
        releases = recorded_releases()
    except (OSError, yaml.YAMLError):  # no answers file, or no record of releases
        return None
    tag = tag_of(str(answers.get("_commit") or ""))
    for release in releases:
        if tag in (str(release["version"]), f"v{release['version']}"):
            as_of = release.get("dependencies_as_of")
            return str(as_of) if as_of else None
    return None


def locked_packages(project: Path) -> set[str]:
    lock = project / "uv.lock"
    return set(_PACKAGE.findall(lock.read_text())) if lock.is_file() else set()


def lock_commands(uv: str, project: Path, *held: str) -> list[list[str]]:
    """`uv lock` at the versions the project's template was tested with (every package, or the
    `held` ones only). uv records the cut-off in the lock and `--locked` would then refuse it;
    a second `uv lock` drops it and keeps every version."""
    plain = [uv, "lock", "--quiet"]
    as_of = tested_as_of(project)
    if as_of is None:
        return [plain]
    if held:
        return [[*plain, *(f"--exclude-newer-package={name}={as_of}" for name in held)], plain]
    return [[*plain, f"--exclude-newer={as_of}"], plain]


def _uv(commands: list[list[str]], project: Path) -> bool:
    return all(
        subprocess.run(
            command, cwd=project, capture_output=True, check=False, timeout=600
        ).returncode
        == 0
        for command in commands
    )


def lock(project: Path, *, kept: set[str] | None = None) -> bool:
    """Lock the project at the tested versions; `False` without uv, or when uv could not. With
    `kept` (the packages its lock had before an update), only the packages the update brings
    are held to them: every version the team had stays."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        return False
    if kept is None:
        return _uv(lock_commands(uv, project), project)
    if not _uv([[uv, "lock", "--quiet"]], project):
        return False
    brought = sorted(locked_packages(project) - kept)
    return not brought or _uv(lock_commands(uv, project, *brought), project)
