"""The interpreters the matrix runs on: those installed on this machine, never a download.

uv does not see pyenv's versions through its shims (a shim only runs the version pyenv has
selected), so pyenv's own folders are searched first, then PATH, then uv's search with downloads
off. A supported Python that is missing is an error that says so, never a silent skip."""

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path


class PythonMissing(Exception):
    """An advertised Python has no interpreter here."""


def _reports(executable: Path | str, version: str) -> bool:
    try:
        completed = subprocess.run(
            [str(executable), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0 and completed.stdout.strip() == version


def _pyenv_candidates(version: str) -> list[Path]:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(
        (root / "versions").glob(f"{version}.*/bin/python{version}"),
        key=lambda path: [int(p) for p in path.parts[-3].split(".") if p.isdigit()],
        reverse=True,  # the newest patch release first
    )
    found += sorted((root / "versions").glob(f"{version}/bin/python{version}"))
    return found


def _uv_candidate(version: str) -> list[str]:
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        return []
    completed = subprocess.run(
        [uv, "python", "find", "--no-python-downloads", "--python-preference", "only-system",
         version],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return [completed.stdout.strip()] if completed.returncode == 0 else []


@cache
def interpreter(version: str) -> str:
    """The path of an installed Python `version` (e.g. `3.13`)."""
    override = os.environ.get(f"ASYNCFORGE_PYTHON_{version.replace('.', '_')}")
    candidates: list[Path | str] = [override] if override else []
    candidates += _pyenv_candidates(version)
    on_path = shutil.which(f"python{version}")
    if on_path and "shims" not in Path(on_path).parts:
        candidates.append(on_path)
    candidates += _uv_candidate(version)
    for candidate in candidates:
        if _reports(candidate, version):
            return str(candidate)
    raise PythonMissing(
        f"Python {version} is a supported version of the rendered projects (python_versions in "
        f"copier.yml) but no interpreter was found: install it (e.g. `pyenv install {version}`) "
        f"or point ASYNCFORGE_PYTHON_{version.replace('.', '_')} at one"
    )
