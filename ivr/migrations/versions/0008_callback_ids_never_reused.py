"""Callback requests' ids never given again in SQLite, so the access log names one request by one id.

Revision ID: 0008
Revises: 0007

Requests are deleted when done or expired. SQLite without AUTOINCREMENT gives the next request the highest id
not in the table, which may be a deleted request's id that the access log (and the time-to-callback figures)
already name. The table is made again with AUTOINCREMENT, every row kept, and its counter starts after every
id the access log names. PostgreSQL's sequence never gives an id twice: nothing to do there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"


def upgrade() -> None:
    """Make the SQLite callback list again with AUTOINCREMENT where it has not got it."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or _counts_up(bind):
        return
    with op.batch_alter_table(
        "callback_requests", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    used = bind.execute(
        sa.text(
            "SELECT max(used) FROM (SELECT max(id) AS used FROM callback_requests"
            " UNION ALL SELECT max(request) FROM callback_access)"
        )
    ).scalar()
    if used is not None:
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'callback_requests'"))
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('callback_requests', :used)"),
            {"used": used},
        )


def _counts_up(bind: sa.Connection) -> bool:
    """Tell whether the SQLite table gives ids with AUTOINCREMENT (made at the head after this revision)."""
    made = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'callback_requests'")
    ).scalar()
    return "AUTOINCREMENT" in str(made).upper()
