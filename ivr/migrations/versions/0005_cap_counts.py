"""The caps shared by every node: SMS per line per hour and day, callback requests per line and per call.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"

shapes = sa.MetaData()
sa.Table(
    "cap_counts",
    shapes,
    sa.Column("cap", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("window", sa.DateTime(), primary_key=True),
    sa.Column("count", sa.Integer(), nullable=False),
)


def upgrade() -> None:
    """Make the caps' table."""
    shapes.create_all(op.get_bind(), checkfirst=True)
