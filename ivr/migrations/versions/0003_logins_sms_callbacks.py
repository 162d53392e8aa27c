"""The staff login's throttle, the SMS ledger and the callback list, in the one schema.

Revision ID: 0003
Revises: 0002

Before the revisions, each of these was made on its first use (the SMS and callback tables only where the
deployment sends SMS or takes callbacks), so a database may hold any of them already: those are kept as
they are, the missing ones made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"

SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
shapes = sa.MetaData()
sa.Table(
    "staff_login_failures",
    shapes,
    sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Index("staff_login_failures_client_at", "client", "at"),
)
sa.Table(
    "sms_calls",
    shapes,
    sa.Column("call", sa.String(32), primary_key=True),
    sa.Column("at", sa.DateTime(), nullable=False, index=True),
)
sa.Table(
    "sms_numbers",
    shapes,
    sa.Column("number", sa.String(32), primary_key=True),
    sa.Column("day", sa.Date(), primary_key=True),
    sa.Column("slot", sa.SmallInteger(), primary_key=True),
    sa.Column("at", sa.DateTime(), nullable=False),
)
sa.Table(
    "callback_requests",
    shapes,
    sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
    sa.Column("line", sa.String(40), nullable=False),
    sa.Column("number", sa.String(200), nullable=False),
    sa.Column("number_hash", sa.String(64), nullable=False),
    sa.Column("asked_at", sa.DateTime(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_attempt_at", sa.DateTime()),
    sa.UniqueConstraint("line", "number_hash", name="callback_requests_one_per_number"),
)
sa.Table(
    "callback_access",
    shapes,
    sa.Column("id", SERIAL, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("request", sa.BigInteger()),
    sa.Column("line", sa.String(40)),
    sa.Column("hours", sa.Float()),
)


def upgrade() -> None:
    """Make each of the tables that is not there yet."""
    shapes.create_all(op.get_bind(), checkfirst=True)
