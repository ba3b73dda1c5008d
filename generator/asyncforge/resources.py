"""A team's resources: `asyncforge add resource`, `asyncforge resources`, and their updates.

A resource is rendered by the template's resource half (`resource/`, selected by the answer
`template_kind: resource`) with its own answers file, so Copier can update it like the service.
This adds what Copier cannot do: check the command line before anything is written, put one line
in each registry the team owns, and write the migration with the project's own tool (Alembic's
autogenerate, Aerich's migrate), so that it is the team's file from then on and no update rewrites
it."""

import ast
import json
import keyword
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .collisions import READ_ATTRIBUTES, BaseRef, ReadAttributes, collisions
from .errors import GeneratorError
from .migrations import AERICH_UPGRADE, aerich_offline
from .processes import run_phase, uv_executable
from .project import (
    ANSWERS_FILE,
    commit_for_now,
    conflicts_in,
    copy_template,
    package_dir,
    read_answers,
    run_copier_update,
)
from .registries import register, registered_models
from .template import fact, resource_default
from .vcs import dirty_files, git, local_path

MODIFIERS = ("optional", "unique", "index")
SHARED_ANSWERS = ("package_name", "orm", "redis", "tasks", "prometheus", "auth")
"""The service's answers a resource is rendered with; an update renders it with the current ones."""
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_ANSWERS_PREFIX = ".copier-answers.resource-"


def answers_file(name: str) -> str:
    return f"{_ANSWERS_PREFIX}{name}.yml"


def answers_files(project: Path) -> list[Path]:
    """The answers file of every resource `add resource` made, by name."""
    return sorted(project.glob(answers_file("*")))


def _shared(service: dict[str, Any]) -> dict[str, Any]:
    """The service's answers a resource is rendered with."""
    return {key: service[key] for key in SHARED_ANSWERS if key in service}


@dataclass(frozen=True)
class Resource:
    """A resource found in a project: made by the command (with answers), by the template
    (items), or by hand."""

    name: str
    singular: str
    model: str
    path: str = ""
    """Under /api/v1; its name by default."""
    fields: tuple["Field", ...] = ()
    release: str | None = None
    origin: str = "hand"
    """Who made it: `asyncforge add resource`, `the template`, or `hand`."""
    access: "Access | None" = None
    """Its policy: as the command recorded it, the template's for items and users; unknown for a
    resource made by hand."""

    @property
    def owned(self) -> bool:
        """Only their owners read its rows (`--read owner`; users, each their own account): a
        member may refer to their own only."""
        return self.access is not None and self.access.read == "owner"

    @property
    def public(self) -> bool:
        """Anyone may read its rows (`--read public`, the default; items)."""
        return self.access is not None and self.access.read == "public"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    ref: str | None = None
    ref_model: str | None = None
    ref_singular: str | None = None
    ref_path: str | None = None
    ref_owned: bool = False
    """The rows it refers to have owners: a member may name their own only."""
    ref_public: bool = False
    """Anyone may read the rows it refers to: `include=` embeds them in any reader's answer."""
    optional: bool = False
    unique: bool = False
    index: bool = False

    def answer(self) -> dict[str, Any]:
        """As the resource's answers file records it."""
        return {key: value for key, value in vars(self).items() if value not in (None, False)}

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> "Field":
        return cls(**answer)

    def spec(self) -> str:
        """As it was typed: `item_id:ref=items:optional`."""
        kind = f"ref={self.ref}" if self.type == "ref" else self.type
        modifiers = [name for name in MODIFIERS if getattr(self, name)]
        return ":".join([self.name, kind, *modifiers])


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def singular_of(name: str) -> str:
    """`copier.yml`'s rule (`resource_singular`'s default); `--singular` for what it misses."""
    return resource_default("resource_singular", {"resource_name": name})


def find_resources(project: Path) -> dict[str, Resource]:
    """The project's resources: every folder of `resources/` that its model registry names
    (by the model named like the folder's singular, where it lists several)."""
    models: dict[str, str] = {}
    for folder, model in registered_models(package_dir(project)):
        if folder not in models or _snake(model) == singular_of(folder):
            models[folder] = model
    found = {}
    for name, model in models.items():
        recorded = project / answers_file(name)
        if recorded.is_file():
            answers = yaml.safe_load(recorded.read_text()) or {}
            found[name] = Resource(
                name=name,
                singular=str(answers.get("resource_singular") or _snake(model)),
                model=model,
                path=str(answers.get("resource_path") or name),
                fields=tuple(Field.from_answer(f) for f in answers.get("resource_fields") or []),
                release=str(answers.get("_commit")),
                origin="asyncforge add resource",
                access=Access(_rule("resource_read", answers), _rule("resource_write", answers)),
            )
        else:
            origin = "the template" if name in TEMPLATE_POLICIES else "hand"
            found[name] = Resource(
                name=name,
                singular=_snake(model),
                model=model,
                path=name,
                origin=origin,
                access=TEMPLATE_POLICIES.get(name),
            )
    return found


def _rule(question: str, answers: dict[str, Any]) -> str:
    """A policy's answer; for a resource made before 0.6.0, what its shorthands stand for."""
    return str(answers.get(question) or resource_default(question, answers))


def field_types() -> list[str]:
    """The types a field can have besides a reference, from the template (`copier.yml`'s
    `resource_field_types`, which also says how each layer writes one)."""
    return [name for name in fact("resource_field_types") if name != "ref"]


def parse_field(text: str, resources: dict[str, Resource]) -> Field:
    """One `NAME:TYPE[:MODIFIER...]` of the command line, or a one-line error naming it."""
    types = field_types()
    allowed_types = ", ".join([*types, "ref=<resource>"])
    name, _, rest = text.partition(":")
    kind, *modifiers = rest.split(":") if rest else [""]
    where = f"field {text!r}"
    if not _IDENTIFIER.match(name) or keyword.iskeyword(name) or name in ("match", "case", "type"):
        raise GeneratorError(
            f"{where}: the name must be a lowercase identifier that is not a Python keyword, "
            "e.g. quantity:int"
        )
    if name.startswith("model_"):
        raise GeneratorError(
            f"{where}: {name!r} is taken: pydantic keeps names starting with model_ for itself"
        )
    if not kind:
        raise GeneratorError(f"{where}: a type is missing; allowed: {allowed_types}")
    ref = ref_model = ref_singular = None
    ref_owned, ref_public, ref_path = False, False, None
    if kind.startswith("ref="):
        ref = kind.removeprefix("ref=")
        if ref not in resources:
            known = ", ".join(sorted(resources)) or "none"
            raise GeneratorError(
                f"{where}: there is no resource {ref!r} to refer to (resources: {known})"
            )
        if not name.endswith("_id") or name == "_id":
            raise GeneratorError(
                f"{where}: a reference's name ends in _id, e.g. {singular_of(ref)}_id:ref={ref}"
            )
        kind, ref_model, ref_singular = "ref", resources[ref].model, resources[ref].singular
        ref_owned, ref_path = resources[ref].owned, resources[ref].path
        ref_public = resources[ref].public
    elif kind not in types:
        raise GeneratorError(f"{where}: unknown type {kind!r}; allowed: {allowed_types}")
    for modifier in modifiers:
        if modifier not in MODIFIERS:
            raise GeneratorError(
                f"{where}: unknown modifier {modifier!r}; allowed: {', '.join(MODIFIERS)}"
            )
    if kind == "bool" and "unique" in modifiers:
        raise GeneratorError(f"{where}: a bool cannot be unique (it has two values)")
    return Field(
        name=name,
        type=kind,
        ref=ref,
        ref_model=ref_model,
        ref_singular=ref_singular,
        ref_path=ref_path,
        ref_owned=ref_owned,
        ref_public=ref_public,
        optional="optional" in modifiers,
        unique="unique" in modifiers,
        index="index" in modifiers,
    )


def _modules(folder: Path) -> set[str]:
    """The modules and packages in `folder`: Python files, and folders that hold any (what a
    removed resource leaves behind, `__pycache__`, is none)."""
    return {
        path.stem
        for path in folder.iterdir()
        if (path.suffix == ".py" and path.is_file())
        or (path.is_dir() and path.name != "__pycache__" and any(path.rglob("*.py")))
    }


@dataclass
class Plan:
    """What `add resource` will write, checked before anything is."""

    name: str
    singular: str
    fields: list[Field]
    package: Path
    service: dict[str, Any]
    """The service's answers file."""
    answers: dict[str, Any] = field(default_factory=dict)
    """The resource's answers."""


@dataclass(frozen=True)
class Access:
    """Who may read and who may write a resource's rows (`--read`, `--write`), in a service with
    users (`auth=jwt`): `public` (reads only), `user`, `owner` or `role:NAME`."""

    read: str = "public"
    write: str = "user"

    @classmethod
    def of_flags(
        cls, read: str | None, write: str | None, *, private: bool = False, owned: bool = False
    ) -> "Access":
        """From the command line: `--private` is `--read user`, `--owned` is `--read owner
        --write owner`; either beside the flag it stands for is refused."""
        if owned and (private or read or write):
            raise GeneratorError("--owned is --read owner --write owner: give one or the other")
        if private and read:
            raise GeneratorError("--private is --read user: give one or the other")
        if owned:
            return cls("owner", "owner")
        return cls(read or ("user" if private else "public"), write or "user")

    def check(self, service: dict[str, Any], project: Path) -> None:
        """A one-line error naming the flag, or nothing."""
        for flag, rule, allowed in (("--read", self.read, _READ), ("--write", self.write, _WRITE)):
            if not allowed.match(rule):
                choices = "public, user, owner or role:NAME" if flag == "--read" else (
                    "user, owner or role:NAME")  # fmt: skip
                raise GeneratorError(f"{flag} {rule}: must be {choices}, e.g. role:support")
        if self != Access() and service.get("auth", "none") != "jwt":
            raise GeneratorError(
                "--read, --write, --private and --owned need a service with users; turn them on "
                "first: asyncforge update --auth jwt"
            )
        if self.read == "owner" and self.write != "owner":
            raise GeneratorError(
                f"--write {self.write}: a row only its owner reads is changed by its owner only "
                "(--read owner needs --write owner)"
            )
        roles = declared_roles(package_dir(project))
        for flag, rule in (("--read", self.read), ("--write", self.write)):
            if rule.startswith("role:") and rule[5:] not in roles:
                raise GeneratorError(
                    f"{flag} {rule}: the service declares no role {rule[5:]!r} (roles: "
                    f"{', '.join(roles)}); add it to the Role class of auth/roles.py first"
                )

    def flags(self) -> list[str]:
        """As a command line gives it: what differs from the defaults."""
        default = Access()
        return [
            *(["--read", self.read] if self.read != default.read else []),
            *(["--write", self.write] if self.write != default.write else []),
        ]

    def answers(self) -> dict[str, Any]:
        """As the resource's answers file records them, with the shorthands' answers too, which
        resources made before 0.6.0 recorded."""
        return {
            "resource_private": self.read != "public",
            "resource_owned": self.read == "owner",
            "resource_read": self.read,
            "resource_write": self.write,
        }


TEMPLATE_POLICIES = {"items": Access("public", "user"), "users": Access("owner", "owner")}
"""The resources the service template renders (users with `auth=jwt`), and their policies: items
are everyone's to read; a user is their own."""
_READ = re.compile(r"^(public|user|owner|role:[a-z][a-z0-9_]*)$")
_WRITE = re.compile(r"^(user|owner|role:[a-z][a-z0-9_]*)$")


def declared_roles(package: Path) -> list[str]:
    """The values of the service's `Role` (auth/roles.py), as a policy names them."""
    roles = package / "auth" / "roles.py"
    if not roles.is_file():
        return []
    found = []
    for node in ast.walk(ast.parse(roles.read_text())):
        if isinstance(node, ast.ClassDef) and node.name == "Role":
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str)
                ):
                    found.append(statement.value.value)
    return found


UNIQUE_TOGETHER_REFUSED = ("text", "json")
"""Types a group unique together may not hold (their values are long or not comparable)."""


def parse_unique_together(groups: list[str], fields: list["Field"]) -> list[list[str]]:
    """`--unique a,b` (repeatable) as the answer records it, or a one-line error naming it."""
    types = {f.name: f.type for f in fields}
    found: list[list[str]] = []
    for text in groups:
        names = [name.strip() for name in text.split(",")]
        where = f"--unique {text}"
        if len(names) < 2 or len(set(names)) < len(names):
            raise GeneratorError(
                f"{where}: name two or more different fields, e.g. --unique order_id,tag_id "
                "(one field is unique by itself: NAME:TYPE:unique)"
            )
        for name in names:
            if name not in types:
                known = ", ".join(types)
                raise GeneratorError(f"{where}: there is no field {name!r} (fields: {known})")
            if types[name] in UNIQUE_TOGETHER_REFUSED:
                raise GeneratorError(
                    f"{where}: {name!r} is {types[name]}, which cannot be part of a unique group"
                )
        if sorted(names) in (sorted(group) for group in found):
            raise GeneratorError(f"{where}: that group is given twice")
        found.append(names)
    return found


def plan(
    project: Path,
    name: str,
    specs: list[str],
    singular: str | None = None,
    access: Access = Access(),
    unique_together: list[str] | None = None,
) -> Plan:
    """Every check of the command line and of the project, before anything is written."""
    project = project.resolve()
    answers = read_answers(project)
    access.check(answers, project)
    if not (project / ".git").exists():
        raise GeneratorError(
            f"{project} is not a git repository; the command needs one to be undone"
        )
    dirty = dirty_files(project)
    if dirty:
        raise GeneratorError(
            f"{project} has uncommitted changes ({', '.join(dirty[:5])}); commit or stash them "
            "first, so that what the command writes can be reviewed and undone"
        )
    source = str(answers.get("_src_path", ""))
    local = local_path(source)
    if local is not None and not local.is_absolute():
        raise GeneratorError(
            f"{project / ANSWERS_FILE} names its template by a relative path ({source}), which "
            "cannot be found again; set _src_path to the template's git URL or absolute path"
        )
    if not _IDENTIFIER.match(name) or keyword.iskeyword(name):
        raise GeneratorError(
            f"resource {name!r}: the name must be a plural, lowercase identifier, e.g. orders"
        )
    package = package_dir(project)
    resources = find_resources(project)
    if name in resources or name in _modules(package / "resources"):
        raise GeneratorError(f"resource {name!r} exists already in {package / 'resources'}")
    if name in _modules(package) or name in {"health", "metrics", "auth", "users"}:
        raise GeneratorError(
            f"resource {name!r} would shadow the service's own module or path {name!r}; "
            "pick another name"
        )
    singular = singular or singular_of(name)
    if not _IDENTIFIER.match(singular) or singular == name or keyword.iskeyword(singular):
        raise GeneratorError(
            f"resource {name!r}: name it in the plural, or give its singular with --singular"
        )
    if not specs:
        raise GeneratorError(f"resource {name!r}: give at least one field, e.g. title:str")
    fields = [parse_field(spec, resources) for spec in specs]
    names = [f.name for f in fields]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise GeneratorError(f"field {repeated[0]!r} is given twice")
    together = parse_unique_together(unique_together or [], fields)
    return Plan(name, singular, fields, package, answers, {
        **_shared(answers),
        "template_kind": "resource",
        "resource_name": name,
        "resource_singular": singular,
        "resource_path": name.replace("_", "-"),  # URLs' words are joined with dashes
        "resource_fields": [f.answer() for f in fields],
        **access.answers(),
        "resource_unique_together": together,
    })  # fmt: skip


def _render(chosen: Plan, scratch: Path) -> list[str]:
    """Render the resource into `scratch` (the files, relative to it): a template release that
    has no resource half (older than 0.5.0) renders a whole service there, which is refused."""
    source, release = str(chosen.service["_src_path"]), str(chosen.service["_commit"])
    package = f"src/{chosen.service['package_name']}"
    expected = {
        answers_file(chosen.name),
        f"{package}/resources/{chosen.name}",
        f"tests/test_{chosen.name}.py",
    }
    copy_template(source, scratch, chosen.answers, vcs_ref=release,
                  answers_file=answers_file(chosen.name))  # fmt: skip
    written = sorted(
        str(path.relative_to(scratch)) for path in scratch.rglob("*") if path.is_file()
    )
    if not written or any(
        not any(name == top or name.startswith(f"{top}/") for top in expected) for name in written
    ):
        raise GeneratorError(
            f"the project's template release ({release}) has no resource template; take a "
            "newer one first with `asyncforge update`"
        )
    return written


def _copy(project: Path, scratch: Path, written: list[str]) -> None:
    for name in written:
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scratch / name, target)


def _run(project: Path, commands: list[list[str]], database_url: str | None = None) -> str:
    """The project's own tools, in its environment; what they printed."""
    uv = uv_executable()
    ran = run_phase(
        "add resource",
        [[uv, "run", "--frozen", *command] for command in commands],
        project,
        {"DATABASE_URL": database_url} if database_url else None,
    )
    if not ran.ok:
        *_, last = ran.output.strip().splitlines() or ["no output"]
        raise GeneratorError(f"a command of `add resource` failed in {project}: {last}")
    return ran.output


def _base_attributes(project: Path) -> ReadAttributes:
    """The public attributes of base classes, read with the project's own libraries."""

    def read(bases: list[BaseRef]) -> dict[BaseRef, set[str]]:
        if not bases:
            return {}
        printed = _run(project, [["python", "-c", READ_ATTRIBUTES, json.dumps(bases)]])
        [line] = [line for line in printed.splitlines() if line.startswith("attributes: ")]
        found = json.loads(line.removeprefix("attributes: "))
        return {base: set(found[f"{base[0]}:{base[1]}"]) for base in bases}

    return read


def refuse_collisions(project: Path, chosen: Plan, package: Path) -> None:
    """Refuse a field whose name the rendered resource (under `package`, a scratch render)
    would break: see `collisions`."""
    defined = {}
    for f in chosen.fields:
        defined[f.name] = f.spec()
        if f.type == "ref":
            defined.setdefault(f.name.removesuffix("_id"), f.spec())  # Tortoise's relation
    module = f"{chosen.service['package_name']}.resources.{chosen.name}"
    found = collisions(
        package / "resources" / chosen.name, module, defined, _base_attributes(project)
    )
    if found:
        raise GeneratorError(found[0].message())


def _migrate(project: Path, chosen: Plan) -> Path:
    """The resource's migration, written by the project's own tool on a scratch SQLite database:
    Alembic's autogenerate at head; Aerich offline, once per dialect the service runs on, the
    statements kept side by side (as the template's first migration does)."""
    with tempfile.TemporaryDirectory() as scratch:
        sqlite_url = f"sqlite:///{scratch}/migrate.db"
        message = f"create {chosen.name}"
        if chosen.service["orm"] == "sqlalchemy":
            folder = chosen.package / "db" / "migrations" / "versions"
            before = set(folder.glob("*.py"))
            _run(
                project,
                [
                    ["alembic", "upgrade", "head"],
                    ["alembic", "revision", "--autogenerate", "-m", message],
                ],
                sqlite_url,
            )
            [written] = set(folder.glob("*.py")) - before
        else:
            folder = chosen.package / "db" / "migrations" / "models"
            generated = aerich_offline(project, folder, f"create_{chosen.name}", Path(scratch))
            by_dialect = "".join(f'    "{d}": """{m.sql}""",\n' for d, m in generated.items())
            upgrade = (
                f"SCHEMA_BY_DIALECT = {{\n{by_dialect}}}\n\n\n"
                "async def upgrade(db: BaseDBAsyncClient) -> str:\n"
                "    return SCHEMA_BY_DIALECT[db.capabilities.dialect]"
            )
            postgres = generated["postgres"]
            written = folder / postgres.name
            written.write_text(AERICH_UPGRADE.sub(lambda _: upgrade, postgres.text))
        _run(project, [["ruff", "format", "--quiet", str(written)]], sqlite_url)
    return written


def add(
    project: Path,
    name: str,
    specs: list[str],
    *,
    singular: str | None = None,
    access: Access = Access(),
    unique_together: list[str] | None = None,
) -> list[str]:
    """Write the resource, its registry lines and its migration; the files written, relative to
    the project. Nothing is committed: the team reviews it with `git status` and `git diff`."""
    project = project.resolve()
    chosen = plan(project, name, specs, singular, access, unique_together)
    with tempfile.TemporaryDirectory() as scratch:
        written = _render(chosen, Path(scratch))
        refuse_collisions(project, chosen, Path(scratch) / chosen.package.relative_to(project))
        try:
            _copy(project, Path(scratch), written)
            model = "".join(part.capitalize() for part in chosen.singular.split("_"))
            registries = register(chosen.package, chosen.name, model)
            migration = _migrate(project, chosen)
        except BaseException:
            _undo(project)
            raise
    touched = [*registries, migration]
    return sorted([*written, *(str(path.relative_to(project)) for path in touched)])


def _undo(project: Path) -> None:
    """Back to the committed state the command started from (it refused a dirty tree)."""
    git(project, "checkout", "--", ".")
    git(project, "clean", "-fdq", "--", ".")


def update_all(project: Path, vcs_ref: str, quiet: bool = True) -> dict[str, list[str]]:
    """Update every resource made by the command to `vcs_ref` with the service's current answers,
    each on its own Copier update; the conflicts of each. The service's own update must be
    committed or stashed before (Copier refuses a dirty project): the caller commits it
    temporarily and the changes are left uncommitted afterwards."""
    shared = _shared(read_answers(project))
    found: dict[str, list[str]] = {}
    for recorded in answers_files(project):
        name = recorded.name.removeprefix(_ANSWERS_PREFIX).removesuffix(".yml")
        run_copier_update(project, shared, vcs_ref=vcs_ref, answers_file=recorded.name, quiet=quiet)
        found[name] = conflicts_in(project)
        commit_for_now(project, f"asyncforge update: {name}")
    return found


def describe(project: Path) -> list[Resource]:
    return sorted(find_resources(project.resolve()).values(), key=lambda r: r.name)


__all__ = [
    "ANSWERS_FILE",
    "Field",
    "Resource",
    "add",
    "answers_file",
    "answers_files",
    "describe",
    "update_all",
]
