"""What an update does to migrations that Copier cannot, both written as Alembic would and
numbered after the team's last, so that the service starts and migrates as before:

- When an option turned on later brings a migration (auth's `users_0001`) and the team has
  written its own since, both follow the same parent and Alembic refuses a graph with two heads:
  the update writes the merge migration `alembic merge heads` would write.
- The template's `json` fields became jsonb on PostgreSQL (as Tortoise's always were): a team's
  tables made earlier by `add resource` get a migration that converts their columns.
- Every resource has `updated_at` (0.6.0): the template's migrations give it to its own tables;
  a team's tables made earlier by `add resource` get a migration that does the same, after the
  team's last, each row's value its `created_at`."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import GeneratorError
from .processes import run_phase, uv_executable

_REVISION = re.compile(r'^revision: str = "(?P<id>[^"]+)"$', re.MULTILINE)
_DOWN = re.compile(r"^down_revision: [^=]+= (?P<value>.+)$", re.MULTILINE)
_QUOTED = re.compile(r'"([^"]+)"')

MERGE = '''"""Join the template's migrations and this service's own

Revision ID: {revision}
Revises: {parents}
Create Date: {created}
"""

from collections.abc import Sequence

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = ({quoted})
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def alembic_versions(package: Path) -> Path:
    return package / "db" / "migrations" / "versions"


def _revisions(versions: Path) -> dict[str, list[str]]:
    """Each revision of the migration files and the revisions it follows."""
    found = {}
    for path in versions.glob("*.py"):
        text = path.read_text()
        revision = _REVISION.search(text)
        if revision is not None:
            down = _DOWN.search(text)
            found[revision["id"]] = _QUOTED.findall(down["value"]) if down else []
    return found


def heads(versions: Path) -> list[str]:
    """The revisions no other revision follows (none where the service has no Alembic
    migrations)."""
    revisions = _revisions(versions)
    followed = {parent for parents in revisions.values() for parent in parents}
    return sorted(set(revisions) - followed)


def write_merge(versions: Path, found: list[str]) -> Path:
    """The merge migration of the heads `found`, numbered as the service's env.py numbers a new
    migration: after the greatest numeric revision id."""
    revision = _next_revision(versions)
    merge = versions / f"{revision}_join_the_template_s_migrations_and_ours.py"
    merge.write_text(
        MERGE.format(
            revision=revision,
            parents=", ".join(found),
            quoted=", ".join(f'"{head}"' for head in found),
            created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        )
    )
    return merge


JSONB = '''"""The JSON fields' columns become jsonb on PostgreSQL, as the models now say

Revision ID: {revision}
Revises: {parent}
Create Date: {created}
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy.dialects.postgresql import JSON, JSONB

revision: str = "{revision}"
down_revision: str | None = "{parent}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
{columns}]
"""(table, column) of each JSON field that asyncforge add resource made before jsonb."""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # elsewhere the type is JSON still
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=JSONB(), postgresql_using=f'"{{column}}"::jsonb')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.alter_column(table, column, type_=JSON(), postgresql_using=f'"{{column}}"::json')
'''
JSONB_NAME = "json_columns_as_jsonb"
_PLAIN_JSON = re.compile(r"sa\.JSON\(\)(?!\.with_variant)")


def _next_revision(versions: Path) -> str:
    numbers = [int(revision) for revision in _revisions(versions) if revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def write_jsonb_conversion(versions: Path, columns: list[tuple[str, str]]) -> Path | None:
    """The migration that converts `columns` (the resources' JSON fields) to jsonb, when a
    migration made them plain JSON and none has converted them yet; else `None`."""
    if not columns or any(versions.glob(f"*_{JSONB_NAME}.py")):
        return None
    if not any(_PLAIN_JSON.search(path.read_text()) for path in versions.glob("*.py")):
        return None
    [parent] = heads(versions)
    revision = _next_revision(versions)
    migration = versions / f"{revision}_{JSONB_NAME}.py"
    migration.write_text(
        JSONB.format(
            revision=revision,
            parent=parent,
            created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            columns="".join(f'    ("{table}", "{column}"),\n' for table, column in columns),
        )
    )
    return migration


UPDATED_AT_NAME = "updated_at_of_our_tables"
TEMPLATE_UPDATED_AT = "items_0003_updated_at.py"
"""The template's migration that gives items `updated_at`: the team's is the same, for its
tables."""
_TABLES = re.compile(r"^TABLES = \[[^\]]*\]$", re.MULTILINE)


def tables_without_updated_at(migrations: Path, tables: list[str]) -> list[str]:
    """Of `tables`, those made by a migration (Alembic's or Aerich's) without `updated_at`,
    unless the migration that gives them it was written already."""
    if any(migrations.glob(f"*_{UPDATED_AT_NAME}.py")):
        return []
    texts = [path.read_text() for path in migrations.glob("*.py")]
    missing = []
    for table in tables:
        made = re.compile(rf'op\.create_table\(\s*"{table}"|CREATE TABLE IF NOT EXISTS "{table}"')
        creating = [text for text in texts if made.search(text)]
        if creating and not any('"updated_at"' in text for text in creating):
            missing.append(table)
    return missing


def write_updated_at(versions: Path, tables: list[str]) -> Path | None:
    """The Alembic migration that gives `tables` `updated_at` as the template's gives items,
    after the single head; `None` when there are none."""
    template = versions / TEMPLATE_UPDATED_AT
    if not tables or not template.is_file():
        return None
    [parent] = heads(versions)
    revision = _next_revision(versions)
    _, body = template.read_text().split("depends_on: str | Sequence[str] | None = None\n", 1)
    header = f'''"""The tables this service made before every resource had `updated_at` get it; both
times are indexed, so that lists sort and filter by them (as the template's `items_0003` does).

Revision ID: {revision}
Revises: {parent}
Create Date: {datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | None = "{parent}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
'''
    listed = ", ".join(f'"{table}"' for table in tables)
    migration = versions / f"{revision}_{UPDATED_AT_NAME}.py"
    migration.write_text(header + _TABLES.sub(f"TABLES = [{listed}]", body, count=1))
    return migration


AERICH_UPGRADE = re.compile(
    r'async def upgrade\(db: BaseDBAsyncClient\) -> str:\n    return """(?P<sql>.*?)"""', re.S
)
"""The statements of a migration as `aerich migrate` writes it."""


@dataclass(frozen=True)
class AerichMigration:
    """A migration as `aerich migrate` wrote it for one dialect."""

    name: str
    text: str
    sql: str
    """Its upgrade's statements."""


def aerich_offline(
    project: Path, folder: Path, name: str, scratch: Path
) -> dict[str, AerichMigration]:
    """What `aerich migrate --offline --name NAME` writes in `folder` for each dialect the
    service runs on (on a SQLite file in `scratch`; at a PostgreSQL address it never connects
    to), each file removed once read."""
    written = {}
    for dialect, url in (
        ("sqlite", f"sqlite:///{scratch}/migrate.db"),
        ("postgres", "postgresql://migrations@127.0.0.1:9/offline"),
    ):
        present = set(folder.glob("*.py"))
        aerich = [uv_executable(), "run", "--frozen", "aerich", "migrate", "--offline"]
        ran = run_phase(
            "aerich migrate", [[*aerich, "--name", name]], project, {"DATABASE_URL": url}
        )
        found = sorted(set(folder.glob("*.py")) - present)
        if not ran.ok or len(found) != 1:
            raise GeneratorError(f"aerich could not write a migration in {project}: {ran.tail(5)}")
        text = found[0].read_text()
        found[0].unlink()
        upgrade = AERICH_UPGRADE.search(text)
        if upgrade is None:
            raise GeneratorError(f"aerich wrote a migration of an unknown shape: {found[0]}")
        written[dialect] = AerichMigration(found[0].name, text, upgrade["sql"])
    return written


_ADDED = re.compile(r'ALTER TABLE "(?P<table>\w+)" ADD "updated_at" (?P<type>\w+) NOT NULL;')
_INDEXED = re.compile(
    r'CREATE INDEX (?:IF NOT EXISTS )?"(?P<name>\w+)" ON "(?P<table>\w+)" '
    r'\("(?:created|updated)_at"\);'
)
_STATE = re.compile(r"^MODELS_STATE = \(.*?^\)$", re.MULTILINE | re.DOTALL)

AERICH_UPDATED_AT = '''"""The tables this service made before every resource had `updated_at` get it
(each row's is its `created_at` until it next changes); both times are indexed, so that lists
sort and filter by them (as the template's `3_..._updated_at` does for items)."""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SCHEMA_BY_DIALECT = {{
{by_dialect}}}


async def upgrade(db: BaseDBAsyncClient) -> str:
    return SCHEMA_BY_DIALECT[db.capabilities.dialect]


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
{downgrade}"""


{state}
'''


def _aerich_updated_at(sql: str, tables: list[str], dialect: str) -> list[str]:
    """Aerich's statements for `tables`' `updated_at` and their timestamps' indexes, the column
    filled from `created_at` before it is NOT NULL (Aerich adds it NOT NULL with no value, which
    a table with rows refuses)."""
    kept = []
    for line in sql.strip().splitlines():
        statement = line.strip()
        added, indexed = _ADDED.fullmatch(statement), _INDEXED.fullmatch(statement)
        if added and added["table"] in tables:
            table, kind = added["table"], added["type"]
            if dialect == "postgres":
                kept += [
                    f'ALTER TABLE "{table}" ADD "updated_at" {kind};',
                    f'UPDATE "{table}" SET "updated_at" = "created_at";',
                    f'ALTER TABLE "{table}" ALTER COLUMN "updated_at" SET NOT NULL;',
                ]
            else:  # a column is made NOT NULL only when added: with a placeholder, replaced
                kept += [
                    f'ALTER TABLE "{table}" ADD "updated_at" {kind} NOT NULL DEFAULT '
                    "'1970-01-01 00:00:00';",
                    f'UPDATE "{table}" SET "updated_at" = "created_at";',
                ]
        elif indexed and indexed["table"] in tables:
            kept.append(statement.replace('CREATE INDEX "', 'CREATE INDEX IF NOT EXISTS "', 1))
    return kept


def aerich_updated_at(generated: dict[str, AerichMigration], tables: list[str]) -> str:
    """The Aerich migration of `tables`' `updated_at`, from what `aerich migrate` wrote for each
    dialect: its statements for those tables, and its models' state (what the next `aerich
    migrate` compares the models with)."""
    by_dialect = ""
    for dialect, migration in generated.items():
        kept = _aerich_updated_at(migration.sql, tables, dialect)
        statements = "".join(f"    {s}\n" for s in kept)
        by_dialect += f'    "{dialect}": """\n{statements}""",\n'
    postgres = generated["postgres"]
    dropped = [
        f'    DROP INDEX IF EXISTS "{found["name"]}";'
        for line in postgres.sql.splitlines()
        if (found := _INDEXED.fullmatch(line.strip())) and found["table"] in tables
    ]
    dropped += [f'    ALTER TABLE "{table}" DROP COLUMN "updated_at";' for table in tables]
    state = _STATE.search(postgres.text)
    if state is None:
        raise ValueError("aerich wrote a migration without MODELS_STATE")
    return AERICH_UPDATED_AT.format(
        by_dialect=by_dialect, downgrade="\n".join(dropped) + "\n", state=state[0]
    )
