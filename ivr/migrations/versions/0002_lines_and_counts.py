"""The statistics by line, with their counts: what the hand-written upgrade did at every start before.

Revision ID: 0002
Revises: 0001

Databases of before the revisions are in one of several states, each the schema of some earlier version;
this looks at which, as that upgrade did, and brings any of them to one schema:

- the events get the `line` column ("" for every event kept: they were all of the one line);
- the roll-ups (`call_hours`, `call_last`) are made keyed by line, with the `speech` count: old ones keyed
  without a line are made anew, their counts copied as the line "" when the events have only just got the
  column (well under a second for a year of a busy line), else counted again from the events (half a minute);
- `call_hours` gets its `speech` column, and the events kept that came by speech are counted into it;
- empty roll-ups beside stored events (made, but not yet filled) are filled from the events.

The counting is ivr/stats/rollup.py's, on this revision's own declaration of the tables.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from ivr.stats import rollup

revision = "0002"
down_revision: str | None = "0001"

log = logging.getLogger(__name__)
LINE = 40
shapes = sa.MetaData()
events = sa.Table(
    "call_events",
    shapes,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("call", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("route", sa.String(32), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("menu", sa.String(16), nullable=False),
    sa.Column("key", sa.String(1)),
    sa.Column("line", sa.String(LINE), nullable=False, server_default=""),
)
hours = sa.Table(
    "call_hours",
    shapes,
    sa.Column("hour", sa.DateTime(), primary_key=True),
    sa.Column("line", sa.String(LINE), primary_key=True),
    sa.Column("event", sa.String(32), primary_key=True),
    sa.Column("menu", sa.String(16), primary_key=True),
    sa.Column("n", sa.BigInteger(), nullable=False),
    sa.Column("speech", sa.BigInteger(), nullable=False, server_default="0"),
    sa.Index("call_hours_line_hour", "line", "hour"),
)
last = sa.Table(
    "call_last",
    shapes,
    sa.Column("call", sa.String(32), primary_key=True),
    sa.Column("line", sa.String(LINE), primary_key=True),
    sa.Column("first_at", sa.DateTime(), nullable=False),
    sa.Column("last_at", sa.DateTime(), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("menu", sa.String(16), nullable=False),
    sa.Index("call_last_last_at", "last_at"),
    sa.Index("call_last_line_last_at", "line", "last_at"),
)


def upgrade() -> None:
    """Bring the statistics tables of any earlier version to lines, roll-ups and the speech count."""
    connection = op.get_bind()
    events_knew_lines = "line" in _columns(connection, events.name)
    if not events_knew_lines:
        op.add_column(events.name, sa.Column("line", sa.String(LINE), nullable=False, server_default=""))
    counted = _columns(connection, hours.name)
    if "line" not in counted:
        _remake_counts(connection, old=bool(counted), copy=bool(counted) and not events_knew_lines)
    elif "speech" not in counted:
        op.add_column(hours.name, sa.Column("speech", sa.BigInteger(), nullable=False, server_default="0"))
        said = rollup.count_speech(connection, events, hours)
        log.info("statistics: the counts now say which events came by speech (%d so far)", said)
    elif rollup.backfill(connection, events, hours, last):
        log.info("statistics: counted the stored events into the roll-up tables")


def _remake_counts(connection: sa.Connection, *, old: bool, copy: bool) -> None:
    """Make the roll-ups keyed by line; copy the old counts as the line "", or count the events anew."""
    aside = {table.name: f"{table.name}_before_lines" for table in (hours, last)}
    if old:
        # Index names are the schema's, not the table's: the old one goes before the new table makes its own.
        connection.exec_driver_sql("DROP INDEX IF EXISTS call_last_last_at")
        for name, renamed in aside.items():
            op.rename_table(name, renamed)
    shapes.create_all(connection, tables=[hours, last])
    if copy:
        # Every event is of the line "" (the column is new), so the old counts are exactly that line's.
        connection.exec_driver_sql(
            f"INSERT INTO {hours.name} (hour, line, event, menu, n)"
            f" SELECT hour, '', event, menu, n FROM {aside[hours.name]}"
        )
        connection.exec_driver_sql(
            f"INSERT INTO {last.name} (call, line, first_at, last_at, event, menu)"
            f" SELECT call, '', first_at, last_at, event, menu FROM {aside[last.name]}"
        )
        rollup.count_speech(connection, events, hours)
    else:
        rollup.backfill(connection, events, hours, last)
    if old:
        for renamed in aside.values():
            op.drop_table(renamed)
    log.info("statistics: the counts are now kept by line")


def _columns(connection: sa.Connection, table: str) -> set[str]:
    """The columns of a table, none when it is not there."""
    inspector = sa.inspect(connection)
    if not inspector.has_table(table):
        return set()
    return {column["name"] for column in inspector.get_columns(table)}
