"""The baseline: the call events as the oldest databases still in use keep them (before lines).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None


def upgrade() -> None:
    """Make the call events' table."""
    op.create_table(
        "call_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("call", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("menu", sa.String(16), nullable=False),
        sa.Column("key", sa.String(1)),
    )
    op.create_index("ix_call_events_at", "call_events", ["at"])
