"""Take the newest release of the template this project was made from, and check it.

    uv run python scripts/update_from_template.py [--summary update.md] [--vcs-ref TAG]

Asks Copier whether a newer template release exists; when one does, merges it on a branch
`template-update/<version>` (your edits are kept: Copier's three-way merge), re-locks the
dependencies, runs lint, types and tests, commits, and writes a summary for a pull request:
the versions, the files changed, the files left with conflicts, the result of each check.

Exit status: 0 when up to date or updated cleanly; 1 when the merge left conflicts (`<<<<<<<`
markers or `.rej` files) or a check failed: the branch is there to fix by hand, never merged
silently. The weekly workflow `.github/workflows/template-update.yml` runs this script.

Copier runs as `uvx copier` unless `COPIER` names a copier executable.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFLICT = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)
CHECKS = {
    "lint": ["uv", "run", "--frozen", "ruff", "check", "."],
    "format": ["uv", "run", "--frozen", "ruff", "format", "--check", "."],
    "types": ["uv", "run", "--frozen", "mypy"],
    "tests": ["uv", "run", "--frozen", "pytest", "-q"],
}


def run(command: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    print(f"$ {shlex.join(command)}", flush=True)
    return subprocess.run(command, cwd=ROOT, check=check, capture_output=True, text=True)


def copier(*args: str) -> list[str]:
    executable = os.environ.get("COPIER")
    return (
        [executable, *args]
        if executable
        else ["uvx", "--from", "copier>=9.10,<10", "copier", *args]
    )


def answers() -> dict[str, object]:
    lines = (ROOT / ".copier-answers.yml").read_text().splitlines()
    pairs = (line.split(": ", 1) for line in lines if ": " in line and not line.startswith("#"))
    return {key: value.strip().strip("'\"") for key, value in pairs}


def conflicted(paths: list[str]) -> list[str]:
    found = []
    for name in paths:
        path = ROOT / name
        if name.endswith(".rej"):
            found.append(name)
        elif path.is_file():
            try:
                if CONFLICT.search(path.read_text()):
                    found.append(name)
            except UnicodeDecodeError:
                continue
    return sorted(found)


def changed_files() -> list[str]:
    status = run(["git", "status", "--porcelain", "--untracked-files=all"]).stdout
    return sorted({line[3:].strip() for line in status.splitlines() if line.strip()})


def write_summary(path: Path | None, text: str) -> None:
    print(text)
    if path is not None:
        path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--summary", type=Path, help="write the pull request's text here")
    parser.add_argument("--vcs-ref", help="this template release instead of the newest")
    options = parser.parse_args()
    if changed_files():
        print("the work tree has uncommitted changes: commit or stash them first", file=sys.stderr)
        return 1
    current = str(answers().get("_commit", "?"))
    target = options.vcs_ref
    if target is None:
        checked = run(copier("check-update", "--output-format", "json"))
        report = json.loads(checked.stdout)
        if not report.get("update_available"):
            write_summary(options.summary, f"Up to date with template release {current}.")
            return 0
        target = str(report["latest_version"])
    branch = f"template-update/{target}"
    run(["git", "switch", "--create", branch])
    merged = run(
        copier("update", "--defaults", "--vcs-ref", target, "--conflict", "inline"), check=False
    )
    touched = changed_files()
    conflicts = conflicted(touched)
    results: dict[str, bool] = {"copier update": merged.returncode == 0}
    if not conflicts and merged.returncode == 0:
        results["lock"] = run(["uv", "lock"], check=False).returncode == 0
        for name, command in CHECKS.items():
            results[name] = run(command, check=False).returncode == 0
        touched = changed_files()
    run(["git", "add", "--all"])
    run(
        [
            "git",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            f"Update from the template: {current} → {target}",
        ]
    )
    lines = [
        f"Template update: {current} → {target}",
        "",
        "Merged with Copier's three-way update: your edits are kept where they do not overlap the"
        " template's changes.",
        "",
        "**Files changed**" if touched else "No file changed.",
        *(f"- `{name}`" for name in touched),
    ]
    if conflicts:
        lines += [
            "",
            "**Conflicts to resolve by hand** (markers or `.rej` files; the checks did not run):",
            *(f"- `{name}`" for name in conflicts),
        ]
    lines += [
        "",
        "**Checks**",
        *(f"- {name}: {'passed' if ok else 'FAILED'}" for name, ok in results.items()),
    ]
    write_summary(options.summary, "\n".join(lines) + "\n")
    return 0 if not conflicts and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
