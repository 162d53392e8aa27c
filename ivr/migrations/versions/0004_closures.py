"""Staff's closures of a line's secretariat (`ivr closed`, the staff page) and their log.

Revision ID: 0004
Revises: 0003

A database made before the revisions were marked may hold them already (a SQLite file is made at the head):
those are kept as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
shapes = sa.MetaData()
sa.Table(
    "closures",
    shapes,
    sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
    sa.Column("line", sa.String(40), nullable=False),
    sa.Column("starts", sa.DateTime(), nullable=False),
    sa.Column("ends", sa.DateTime(), nullable=False),
    sa.Column("reason", sa.String(60), nullable=False),
    sa.Column("made_by", sa.String(64), nullable=False),
    sa.Column("made_at", sa.DateTime(), nullable=False),
    sa.Column("removed_by", sa.String(64)),
    sa.Column("removed_at", sa.DateTime()),
    sa.Index("closures_line_ends", "line", "ends"),
)
sa.Table(
    "closure_log",
    shapes,
    sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("closure", sa.BigInteger(), nullable=False),
    sa.Column("line", sa.String(40), nullable=False),
    sa.Column("what", sa.String(200), nullable=False),
)


def upgrade() -> None:
    """Make the closures and their log, where they are not there yet."""
    shapes.create_all(op.get_bind(), checkfirst=True)
