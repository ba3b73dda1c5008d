"""What an update does to migrations that Copier cannot, both written as Alembic would and
numbered after the team's last, so that the service starts and migrates as before:

- When an option turned on later brings a migration (auth's `users_0001`) and the team has
  written its own since, both follow the same parent and Alembic refuses a graph with two heads:
  the update writes the merge migration `alembic merge heads` would write.
- The template's `json` fields became jsonb on PostgreSQL (as Tortoise's always were): a team's
  tables made earlier by `add resource` get a migration that converts their columns."""

import re
from datetime import UTC, datetime
from pathlib import Path

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
