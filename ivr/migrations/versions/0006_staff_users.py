"""Named staff accounts, and what the callback list says of each request: keyed in or not, who rang, an undo.

Revision ID: 0006
Revises: 0005

A database made before the revisions were marked may hold the accounts' table already (a SQLite file is made
at the head): it is kept as it is. Requests asked before this revision have `keyed` unknown (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"

shapes = sa.MetaData()
sa.Table(
    "staff_users",
    shapes,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("added_at", sa.DateTime(), nullable=False),
    sa.Column("added_by", sa.String(64), nullable=False),
)


def new_columns() -> list[sa.Column[object]]:
    """The callback list's new columns, all NULL for the requests already there."""
    return [
        sa.Column("last_attempt_by", sa.String(64)),
        sa.Column("keyed", sa.Boolean()),
        sa.Column("done_at", sa.DateTime()),
        sa.Column("done_by", sa.String(64)),
    ]


def upgrade() -> None:
    """Make the accounts' table; give the callback list its new columns where they are missing."""
    bind = op.get_bind()
    shapes.create_all(bind, checkfirst=True)
    there = {column["name"] for column in sa.inspect(bind).get_columns("callback_requests")}
    for column in new_columns():
        if column.name not in there:
            op.add_column("callback_requests", column)
