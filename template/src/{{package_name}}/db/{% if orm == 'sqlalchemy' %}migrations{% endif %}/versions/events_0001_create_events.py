"""The outbox: every committed change of a resource is an event, written in its transaction and
delivered from here (webhooks), then pruned.

Its id is not a number, so that it cannot collide with the team's own migrations (numbered by
env.py); an update that brings it joins the two lines with a merge. It follows `items_0003`
whichever options are on (auth's line joins it in `users_0006`): an option turned on later never
changes the parent of a migration a database has applied.

Revision ID: events_0001
Revises: items_0003
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "events_0001"
down_revision: str | Sequence[str] | None = "items_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("undelivered", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sqlite_autoincrement=True,
    )
    for name, column in (("ix_events_due", "due_at"), ("ix_events_parked", "parked_at")):
        where = sa.text(f"{column} IS NOT NULL")  # the few in flight or parked only
        op.create_index(
            name, "events", [column], unique=False, postgresql_where=where, sqlite_where=where
        )
    op.create_index(op.f("ix_events_occurred_at"), "events", ["occurred_at"], unique=False)


def downgrade() -> None:
    op.drop_table("events")
