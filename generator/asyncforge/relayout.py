"""0.6.0 moved the platform's modules from the package root into concern folders (`api/`, `db/`,
`jobs/`, `cache/`, `observability/`, `auth/`). A team's own code still imports the old paths;
`asyncforge update` rewrites them, in `src/` and `tests/`, once the template's files have moved.

A reference is rewritten only when the old module is gone and the new one is there, so a module
a team later names like an old one (its own `metrics.py`) is left alone, and a second run
changes nothing."""

import re
from pathlib import Path

MOVED = {
    "errors": "api.errors",
    "middleware": "api.middleware",
    "fields": "api.fields",
    "readiness": "api.readiness",
    "cache_policy": "cache.policy",
    "data": "db.data",
    "changes": "db.changes",
    "integrity": "db.integrity",
    "unavailable": "db.unavailable",
    "clock": "db.clock",
    "wait_for_migrations": "db.wait_for_migrations",
    "processing": "jobs.processing",
    "pending": "jobs.pending",
    "logging_config": "observability.logs",
    "metrics": "observability.metrics",
    "metrics_processes": "observability.metrics_processes",
    "counters": "cache.counters",
    "auth.counters": "cache.counters",
    "cache.client": "cache.redis.client",
    "cache.clients": "cache.redis.clients",
    "cache.local": "cache.redis.local",
    "cache.routes": "cache.redis.routes",
    "cache.metrics": "cache.redis.metrics",
}
"""Old module -> new module, dotted from the package."""

_RELATIVE = re.compile(r"^(?P<indent>[ \t]*)from (?P<dots>\.+)(?P<module>[\w.]*) import ", re.M)


def _exists(package: Path, module: str) -> bool:
    path = package.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _moved(package: Path) -> dict[str, str]:
    """The moves that apply to this package: the old module gone, the new one there."""
    return {
        old: new
        for old, new in MOVED.items()
        if not _exists(package, old) and _exists(package, new)
    }


def _rewrite_relative(text: str, here: list[str], moved: dict[str, str]) -> str:
    def rewritten(found: re.Match[str]) -> str:
        up = len(found["dots"]) - 1
        if up > len(here):
            return found[0]
        base = here[: len(here) - up]
        target = ".".join([*base, *filter(None, [found["module"]])])
        new = moved.get(target)
        if new is None:
            return found[0]
        parts = new.split(".")
        common = 0
        while common < min(len(parts), len(here)) and parts[common] == here[common]:
            common += 1
        relative = "." * (len(here) - common + 1) + ".".join(parts[common:])
        return f"{found['indent']}from {relative} import "

    return _RELATIVE.sub(rewritten, text)


def _rewrite_absolute(text: str, package_name: str, moved: dict[str, str]) -> str:
    if not moved:
        return text
    names = "|".join(re.escape(old) for old in sorted(moved, key=len, reverse=True))
    pattern = re.compile(rf"\b{re.escape(package_name)}\.({names})(?![\w])")
    return pattern.sub(lambda found: f"{package_name}.{moved[found[1]]}", text)


def rewrite_imports(project: Path, package: Path) -> list[Path]:
    """Rewrite the old paths in the project's Python files; the files rewritten."""
    moved = _moved(package)
    if not moved:
        return []
    rewritten = []
    for root in (package, project / "tests"):
        for path in sorted(root.rglob("*.py")) if root.is_dir() else []:
            text = path.read_text()
            new = _rewrite_absolute(text, package.name, moved)
            if root == package:
                module = list(path.relative_to(package).with_suffix("").parts)
                new = _rewrite_relative(new, module[:-1], moved)
            if new != text:
                path.write_text(new)
                rewritten.append(path)
    return rewritten
