"""`asyncforge update`: Copier's three-way update of a service and then of each resource, made
safe: a clean work tree first, no switch of a locked option, no silent deletion of files when an
option changes, conflicts reported, registries joined, migrations kept in one line."""

import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import dependencies
from .errors import GeneratorError, warn
from .migrations import (
    UPDATED_AT_NAME,
    aerich_offline,
    aerich_updated_at,
    alembic_versions,
    heads,
    tables_without_updated_at,
    write_jsonb_conversion,
    write_merge,
    write_updated_at,
)
from .processes import run_phase, uv_executable
from .project import (
    commit_for_now,
    conflicts_in,
    copy_template,
    lock,
    package_dir,
    read_answers,
    run_copier_update,
    status,
)
from .registries import join_registry_additions
from .relayout import rewrite_imports
from .resources import answers_files, find_resources, update_all
from .vcs import git, is_past, local_path, release_tags

LOCKED_OPTIONS: dict[tuple[str, str | None], str] = {
    ("orm", None): "would replace the project's whole data layer (models, repository, "
    "migrations) and drop your changes to it; render a new project with --orm and move your "
    "code over instead",
    ("auth", "none"): "would delete the users resource and the migration that made its tables, "
    "which your database has applied and your later migrations follow, and every resource "
    "whose rows have owners; keep auth=jwt (with AUTH_OPEN_REGISTRATION off, nobody new gets "
    "an account), or render a new service without users and move your code over",
}
"""Changes of an option an update refuses, and why: (option, to which value, or `None` for
any)."""


@dataclass
class UpdateReport:
    changed: list[str]
    conflicts: list[str]
    resources: dict[str, list[str]] = field(default_factory=dict)
    """Each resource made by `add resource`, and the conflicts its own update left."""
    merge: str | None = None
    """The migration written to join the template's migrations and the team's (see
    `migrations`), relative to the project."""
    jsonb: str | None = None
    """The migration written to make the JSON columns of resources made before jsonb."""
    updated_at: str | None = None
    """The migration written to give `updated_at` to the tables of resources made before it."""
    imports: list[str] = field(default_factory=list)
    """The team's files whose imports of moved platform modules were rewritten (`relayout`)."""


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
        warn(f"updating to the HEAD of the template at {source}: {why}")
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
    if status(project):
        raise GeneratorError(
            f"{project} has uncommitted changes; commit or stash them first, so that the update "
            "can be reviewed and undone"
        )
    for (option, to), why in LOCKED_OPTIONS.items():
        wanted = changes.get(option, current.get(option))
        if wanted != current.get(option) and to in (None, wanted):
            raise GeneratorError(f"switching {option} from {current.get(option)} to {wanted} {why}")
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
    aerich_before = set(_aerich_migrations(project).glob("*.py"))
    locked_before = dependencies.locked_packages(project)
    run_copier_update(project, changes, vcs_ref=vcs_ref, quiet=quiet)
    join_registry_additions(package_dir(project))
    conflicts = conflicts_in(project)
    resources: dict[str, list[str]] = {}
    if not conflicts and answers_files(project):
        # Copier updates a clean project only: the service's update is committed for as long as
        # the resources' updates run, then left uncommitted with theirs, for review.
        commit_for_now(project, "asyncforge update: the service")
        try:
            resources = update_all(project, vcs_ref, quiet=quiet)
        finally:
            git(project, "reset", "--quiet", start)
        conflicts = conflicts_in(project)
    merge = jsonb = updated_at = None
    imports: list[Path] = []
    if not conflicts:
        lock(project, quiet=quiet, kept=locked_before)  # options bring dependencies
        merge = _join_new_migration_heads(project, heads_before)
        jsonb = _convert_json_columns(project)
        updated_at = _give_updated_at(project, aerich_before)
        imports = _rewrite_moved_imports(project, quiet=quiet)
    return UpdateReport(
        changed=status(project), conflicts=conflicts, resources=resources, merge=merge,
        jsonb=jsonb, updated_at=updated_at,
        imports=[str(path.relative_to(project)) for path in imports],
    )  # fmt: skip


def _rewrite_moved_imports(project: Path, *, quiet: bool) -> list[Path]:
    """The team's imports of modules 0.6.0 moved, rewritten and sorted as ruff sorts them."""
    rewritten = rewrite_imports(project, package_dir(project))
    if rewritten:
        files = [str(path.relative_to(project)) for path in rewritten]
        sort = [uv_executable(), "run", "ruff", "check", "--select", "I", "--fix", "--quiet"]
        if not run_phase("sort imports", [[*sort, *files]], project).ok and not quiet:
            warn("could not sort the rewritten imports; run `uv run ruff check --fix`")
    return rewritten


def _migration_heads(project: Path) -> list[str]:
    return heads(alembic_versions(package_dir(project)))


def _join_new_migration_heads(project: Path, heads_before: list[str]) -> str | None:
    """A merge migration when the update left Alembic heads it did not find, more than one."""
    versions = alembic_versions(package_dir(project))
    found = heads(versions)
    if found == heads_before or len(found) < 2:
        return None
    return str(write_merge(versions, found).relative_to(project))


def _convert_json_columns(project: Path) -> str | None:
    """The jsonb migration of the JSON fields of resources made before jsonb (see
    `migrations`), relative to the project."""
    versions = alembic_versions(package_dir(project))
    if not versions.is_dir():
        return None
    columns = [
        (resource.name, field.name)
        for resource in find_resources(project).values()
        for field in resource.fields
        if field.type == "json"
    ]
    written = write_jsonb_conversion(versions, columns)
    return None if written is None else str(written.relative_to(project))


def _aerich_migrations(project: Path) -> Path:
    return package_dir(project) / "db" / "migrations" / "models"


def _give_updated_at(project: Path, aerich_before: set[Path]) -> str | None:
    """The migration that gives `updated_at` to the team's tables made before it (see
    `migrations`), relative to the project; `aerich_before`: the Aerich migrations before the
    update (those it brought are the template's own)."""
    made = find_resources(project).values()  # by hand: its model says whether it has the column
    team = sorted(r.name for r in made if r.origin == "asyncforge add resource")
    versions, models = alembic_versions(package_dir(project)), _aerich_migrations(project)
    if versions.is_dir():
        written = write_updated_at(versions, tables_without_updated_at(versions, team))
    elif models.is_dir() and (tables := tables_without_updated_at(models, team)):
        written = _write_aerich_updated_at(project, models, tables, aerich_before)
    else:
        return None
    if written is None:
        return None
    ruff = [uv_executable(), "run", "--frozen", "ruff", "format", "--quiet", str(written)]
    run_phase("format the migration", [ruff], project)
    return str(written.relative_to(project))


def _write_aerich_updated_at(
    project: Path, models: Path, tables: list[str], before: set[Path]
) -> Path:
    """Aerich compares the models with its newest migration's state: the template's migrations
    this update brought are set aside meanwhile, so that it compares with the team's newest and
    writes, for each dialect, what the team's tables need; that, filled from `created_at`, is
    numbered after every migration and keeps the models' whole state."""
    arrived = sorted(set(models.glob("*.py")) - before)
    with tempfile.TemporaryDirectory() as scratch:
        for path in arrived:
            path.rename(Path(scratch) / path.name)
        try:
            generated = aerich_offline(project, models, UPDATED_AT_NAME, Path(scratch))
        finally:
            for path in arrived:
                (Path(scratch) / path.name).rename(path)
    numbers = [int(path.name.split("_", 1)[0]) for path in models.glob("*.py")]
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    migration = models / f"{max(numbers, default=-1) + 1}_{stamp}_{UPDATED_AT_NAME}.py"
    migration.write_text(aerich_updated_at(generated, tables))
    return migration
