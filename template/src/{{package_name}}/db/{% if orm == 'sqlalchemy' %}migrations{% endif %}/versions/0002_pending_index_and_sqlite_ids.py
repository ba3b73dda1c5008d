"""Index the items whose job has not run; on SQLite, never reuse a deleted item's id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("processed_at IS NULL")


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # AUTOINCREMENT can only be given when a table is created: copy the table.
        with op.batch_alter_table(
            "items", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass
    op.create_index(
        "ix_items_pending",
        "items",
        ["created_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_items_pending", table_name="items")
