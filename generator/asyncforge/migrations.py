"""What an update does to migrations that Copier cannot: when an option turned on later brings a
migration (auth's `users_0001`) and the team has written its own since, both follow the same
parent and Alembic refuses to upgrade a graph with two heads. The update then writes the merge
migration Alembic's `merge heads` would write, numbered after the team's last, so the service
starts and migrates as before."""

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
    numbers = [int(revision) for revision in _revisions(versions) if revision.isdigit()]
    revision = f"{max(numbers, default=0) + 1:04d}"
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
