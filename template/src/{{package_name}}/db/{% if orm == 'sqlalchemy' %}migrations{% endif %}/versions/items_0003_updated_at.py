"""Rows keep the time of their last change; both times are indexed, so that lists sort and
filter by them.

Its id is not a number, so that it cannot collide with the team's own migrations (numbered
0003, 0004, ... by env.py); an update that brings it joins the two lines with a merge.

Revision ID: items_0003
Revises: 0002
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "items_0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["items"]
"""The tables given `updated_at`: each row's is its `created_at` until it next changes."""


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        # SQLite cannot make a column NOT NULL once added without copying the table (and its
        # AUTOINCREMENT and partial indexes): there it is added NOT NULL with a placeholder.
        op.add_column(
            table,
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=postgresql,
                server_default=None if postgresql else sa.text("'1970-01-01 00:00:00'"),
            ),
        )
        op.execute(sa.text(f'UPDATE "{table}" SET "updated_at" = "created_at"'))
        if postgresql:
            op.alter_column(table, "updated_at", nullable=False)
        op.create_index(op.f(f"ix_{table}_created_at"), table, ["created_at"])
        op.create_index(op.f(f"ix_{table}_updated_at"), table, ["updated_at"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(op.f(f"ix_{table}_updated_at"), table_name=table)
        op.drop_index(op.f(f"ix_{table}_created_at"), table_name=table)
        op.drop_column(table, "updated_at")
