"""A render resolves the dependency versions the template was tested with, whatever was
published since: `asyncforge new` locks at the template's `dependencies_as_of`, and an update
holds what it brings to the same moment while the team's own upgrades stay."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from asyncforge.matrix import checks

from .helpers import (
    RELEASES,
    asyncforge,
    commit_all,
    committed_template,
    git,
    template_with_releases,
)

BEFORE_REDIS_8_2 = "2026-11-20T00:00:00Z"
"""redis-py 8.2.0 was published on 2026-11-23: a template tested before then knows 8.1.0."""


def locked_version(project: Path, package: str) -> str:
    found = re.search(
        rf'^name = "{package}"\nversion = "([^"]+)"', (project / "uv.lock").read_text(), re.M
    )
    assert found is not None, f"{package} is not in {project / 'uv.lock'}"
    return found[1]


def uv(project: Path, *arguments: str) -> None:
    completed = subprocess.run(
        [checks.uv_executable(), *arguments], cwd=project, capture_output=True, text=True,
        timeout=600, check=False, env=checks.child_environment(),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr


@pytest.fixture
def tested_before_redis_8_2(tmp_path: Path) -> Path:
    template = committed_template(tmp_path / "template")
    config = template / "copier.yml"
    text = config.read_text()
    as_of = re.search(r'(?m)^  default: "(\d{4}-\d\d-\d\dT[^"]+)"$', text)
    assert as_of is not None
    config.write_text(text.replace(as_of[0], f'  default: "{BEFORE_REDIS_8_2}"'))
    commit_all(template, "Tested before redis-py 8.2")
    git(template, "tag", "v2")
    return template


@pytest.mark.slow
def test_new_locks_the_tested_versions_and_an_update_holds_only_what_it_brings(
    tested_before_redis_8_2: Path, tmp_path: Path
) -> None:
    service = tmp_path / "service"

    made = asyncforge(
        "new", str(service), "--defaults", "--redis", template=tested_before_redis_8_2
    )

    assert made.returncode == 0, made.stderr
    assert f'dependencies-as-of = "{BEFORE_REDIS_8_2}"' in (service / "pyproject.toml").read_text()
    assert locked_version(service, "redis") == "8.1.0"
    uv(service, "sync", "--locked", "--quiet")  # the lock is a plain one: CI's --locked takes it
    assert git(service, "status", "--porcelain") == ""

    uv(service, "lock", "--upgrade-package", "redis", "--quiet")  # the team's own upgrade
    upgraded = locked_version(service, "redis")
    commit_all(service, "Newer redis-py")
    updated = asyncforge("update", str(service), "--prometheus", template=tested_before_redis_8_2)

    assert updated.returncode == 0, updated.stderr
    assert upgraded != "8.1.0"
    assert locked_version(service, "redis") == upgraded
    oracle = tmp_path / "oracle"
    shutil.copytree(service, oracle, ignore=shutil.ignore_patterns(".venv", ".git"))
    (oracle / "uv.lock").unlink()
    uv(oracle, "lock", f"--exclude-newer={BEFORE_REDIS_8_2}", "--quiet")
    assert locked_version(service, "prometheus-client") == locked_version(
        oracle, "prometheus-client"
    )
    uv(service, "sync", "--locked", "--quiet")


@pytest.mark.slow
def test_a_release_made_before_the_record_locks_at_the_moment_releases_yml_gives(
    tmp_path: Path,
) -> None:
    """0.5.0's render records no `dependencies-as-of`: made today it locked redis-py 8.2 and
    failed its own mypy (the generative test, seed 2034)."""
    template = template_with_releases(tmp_path / "template")
    [release] = [r for r in RELEASES if r["version"] == "0.5.0"]
    service = tmp_path / "service"

    made = asyncforge(
        "new", str(service), "--defaults", "--vcs-ref", "v0.5.0", "--redis", template=template
    )

    assert made.returncode == 0, made.stderr
    assert "dependencies-as-of" not in (service / "pyproject.toml").read_text()
    oracle = tmp_path / "oracle"
    shutil.copytree(service, oracle, ignore=shutil.ignore_patterns(".venv", ".git"))
    (oracle / "uv.lock").unlink()
    uv(oracle, "lock", f"--exclude-newer={release['dependencies_as_of']}", "--quiet")
    assert locked_version(service, "redis") == locked_version(oracle, "redis") == "8.1.0"
