"""Each line's published content (`ivr publish`), every version kept.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
shapes = sa.MetaData()
sa.Table(
    "content_versions",
    shapes,
    sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
    sa.Column("line", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("restored_from", sa.Integer()),
    sa.UniqueConstraint("line", "version", name="content_versions_line_version"),
)


def upgrade() -> None:
    """Make the table of content versions."""
    shapes.create_all(op.get_bind(), checkfirst=True)
