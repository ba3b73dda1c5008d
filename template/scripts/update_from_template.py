"""Take the newest release of the template this project was made from, and check it.

    uv run python scripts/update_from_template.py [--summary update.md] [--vcs-ref TAG]

Asks Copier whether a newer template release exists; when one does, merges it on a branch
`template-update/<version>` (your edits are kept: Copier's three-way merge), re-locks the
dependencies, runs lint, types and tests, commits, and writes a summary for a pull request:
the versions, the files changed, the files left with conflicts, the result of each check.

Exit status: 0 when up to date or updated cleanly; 1 when the merge left conflicts (`<<<<<<<`
markers or `.rej` files) or a check failed: the branch is there to fix by hand, never merged
silently. The weekly workflow `.github/workflows/template-update.yml` runs this script.

Copier is the version uv.lock holds (the `template` dependency group) unless `COPIER` names a
copier executable.
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
    if executable:
        return [executable, *args]
    # The version locked in uv.lock (the `template` group): reviewed like every dependency.
    return ["uv", "run", "--frozen", "--group", "template", "copier", *args]


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
        path.parent.mkdir(parents=True, exist_ok=True)
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
    if options.vcs_ref is None:
        checked = run(copier("check-update", "--output-format", "json"))
        if not json.loads(checked.stdout).get("update_available"):
            write_summary(options.summary, f"Up to date with template release {current}.")
            return 0
    # Without --vcs-ref Copier takes the newest release tag; the answers file then names it.
    ref = ["--vcs-ref", options.vcs_ref] if options.vcs_ref else []
    merged = run(copier("update", "--defaults", *ref, "--conflict", "inline"), check=False)
    target = str(answers().get("_commit", "?"))
    touched = changed_files()
    if not touched:
        failure = merged.stderr.strip()[-2000:] if merged.returncode else ""
        write_summary(
            options.summary,
            f"Copier update to {options.vcs_ref or 'the newest release'} failed:\n\n{failure}\n"
            if failure
            else f"Up to date with template release {current}.",
        )
        return 1 if failure else 0
    branch = f"template-update/{target}"
    if run(["git", "rev-parse", "--verify", "--quiet", branch], check=False).returncode == 0 or (
        run(["git", "rev-parse", "--verify", "--quiet", f"origin/{branch}"], check=False).returncode
        == 0
    ):
        # Proposed already, perhaps with fixes pushed by hand: never overwrite that branch.
        run(["git", "reset", "--hard", "--quiet"])
        run(["git", "clean", "-d", "--force", "--quiet"])
        write_summary(options.summary, f"Template release {target} is proposed on `{branch}`.")
        return 0
    run(["git", "switch", "--create", branch])  # the merge's changes come along, uncommitted
    conflicts = conflicted(touched)
    results: dict[str, bool] = {"copier update": merged.returncode == 0}
    failures = {"copier update": merged.stderr} if merged.returncode else {}
    if not conflicts and merged.returncode == 0:
        for name, command in {"lock": ["uv", "lock"], **CHECKS}.items():
            done = run(command, check=False)
            results[name] = done.returncode == 0
            if done.returncode:
                failures[name] = done.stdout + done.stderr
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
    for name, output in failures.items():
        tail = "\n".join(output.strip().splitlines()[-40:])
        lines += ["", f"<details><summary>{name}</summary>", "", "```", tail, "```", "</details>"]
    write_summary(options.summary, "\n".join(lines) + "\n")
    return 0 if not conflicts and all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
