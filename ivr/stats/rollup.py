"""Counts kept as events are written, so a report's cost grows with what it shows, not with what is stored.

A year of a busy line is about two million events; counting them row by row took seconds and hundreds of
megabytes for every report. Two small tables are kept up to date in the same transaction as the events:

- `call_hours`: how many events of each (event, menu) in each UTC hour. Every count, the calls per day and
  the weekday × hour map of a period are sums over its hours: exact wherever the clinic's time zone is a whole
  number of hours from UTC (Copenhagen always is), since then a UTC hour is one local hour and local midnight
  is a UTC hour's start. A report in another zone falls back to counting the rows (`report.build`).
- `call_last`: each call's first and last step. A call's last step in a period is its last step overall,
  unless the call goes on after the period ends; those few calls (in progress at the period's end) are
  looked up in the events themselves.

`report.build` stays the definition: a test compares both on random data, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    case,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from ivr.line.flow import Event
from ivr.line.spoken import WEEKDAYS
from ivr.stats.report import DIAL_EVENTS, TRANSFER_EVENTS, Period, Report, ending_label


def tables(metadata: MetaData) -> tuple[Table, Table]:
    """Declare the two roll-up tables in the statistics' metadata."""
    hours = Table(
        "call_hours",
        metadata,
        Column("hour", DateTime(), primary_key=True),  # UTC, without zone, the hour's start
        Column("event", String(32), primary_key=True),
        Column("menu", String(16), primary_key=True),
        Column("n", BigInteger(), nullable=False),
    )
    last = Table(
        "call_last",
        metadata,
        Column("call", String(32), primary_key=True),
        Column("first_at", DateTime(), nullable=False),
        Column("last_at", DateTime(), nullable=False),
        Column("event", String(32), nullable=False),
        Column("menu", String(16), nullable=False),
        Index("call_last_last_at", "last_at"),
    )
    return hours, last


def hour_of(at: datetime) -> datetime:
    """The start of the UTC hour `at` (naive UTC) falls in."""
    return at.replace(minute=0, second=0, microsecond=0)


def add(connection: Connection, hours: Table, last: Table, rows: Sequence[Any]) -> None:
    """Count event rows (call, at as naive UTC, route, event, menu, key) into the roll-ups."""
    counted = Counter((hour_of(row[1]), row[3], row[4]) for row in rows)
    ends: dict[str, dict[str, Any]] = {}
    for call, at, _route, event, menu, _key in rows:  # in order: a later row of a call is a later step
        end = ends.get(call)
        if end is None:
            ends[call] = {"call": call, "first_at": at, "last_at": at, "event": event, "menu": menu}
            continue
        end["first_at"] = min(end["first_at"], at)
        if at >= end["last_at"]:
            end |= {"last_at": at, "event": event, "menu": menu}
    insert = _insert_for(connection)
    hour_rows = [{"hour": h, "event": e, "menu": m, "n": n} for (h, e, m), n in counted.items()]
    new_hours = insert(hours).values(hour_rows) if hour_rows else None
    if new_hours is not None:
        connection.execute(
            new_hours.on_conflict_do_update(
                index_elements=[hours.c.hour, hours.c.event, hours.c.menu],
                set_={"n": hours.c.n + new_hours.excluded.n},
            )
        )
    if ends:
        new_last = insert(last).values(list(ends.values()))
        later = new_last.excluded.last_at >= last.c.last_at
        connection.execute(
            new_last.on_conflict_do_update(
                index_elements=[last.c.call],
                set_={
                    "first_at": case(
                        (new_last.excluded.first_at < last.c.first_at, new_last.excluded.first_at),
                        else_=last.c.first_at,
                    ),
                    "last_at": case((later, new_last.excluded.last_at), else_=last.c.last_at),
                    "event": case((later, new_last.excluded.event), else_=last.c.event),
                    "menu": case((later, new_last.excluded.menu), else_=last.c.menu),
                },
            )
        )


def _insert_for(connection: Connection) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO UPDATE."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def prune(connection: Connection, hours: Table, last: Table, before: datetime) -> None:
    """Forget the counts of hours before `before` (an hour's start) and the calls that ended before it."""
    connection.execute(delete(hours).where(hours.c.hour < before))
    connection.execute(delete(last).where(last.c.last_at < before))


def backfill(connection: Connection, events: Table, hours: Table, last: Table) -> bool:
    """Fill empty roll-ups from the events already stored (a database from before they existed)."""
    if connection.execute(select(hours.c.hour).limit(1)).first() is not None:
        return False
    if connection.execute(select(events.c.id).limit(1)).first() is None:
        return False
    for row in (
        connection.execute(select(events).order_by(events.c.at, events.c.id)).yield_per(50_000).partitions()
    ):
        add(connection, hours, last, [(r.call, r.at, r.route, r.event, r.menu, r.key) for r in row])
    return True


def build(connection: Connection, events: Table, hours: Table, last: Table, period: Period) -> Report | None:
    """The period's report from the roll-ups, or None where they cannot give it exactly (an odd time zone)."""
    since, until = (None if at is None else at.astimezone(UTC).replace(tzinfo=None) for at in period.bounds())
    if any(at is not None and at != hour_of(at) for at in (since, until)):
        return None
    query = select(hours.c.hour, hours.c.event, hours.c.menu, hours.c.n)
    query = _within(query, hours.c.hour, since, until)
    counts: Counter[str] = Counter()
    menus: dict[str, Counter[str]] = {Event.SECTION: Counter(), Event.REPEAT: Counter()}
    per_day: Counter[Any] = Counter()
    heat = [[0] * 24 for _ in WEEKDAYS]
    for hour, event, menu, n in connection.execute(query):
        counts[event] += n
        if event in menus:
            menus[event][menu] += n
        if event == Event.WELCOME:
            local = hour.replace(tzinfo=UTC).astimezone(period.zone)
            if local.utcoffset() is None or local.utcoffset() % timedelta(hours=1):
                return None
            per_day[local.date()] += n
            heat[local.weekday()][local.hour] += n
    return Report(
        since=period.since,
        until=period.until,
        calls=counts.get(Event.WELCOME, 0),
        events=sum(counts.values()),
        calls_per_day=dict(sorted(per_day.items())),
        heatmap=tuple(tuple(row) for row in heat),
        sections=dict(sorted(menus[Event.SECTION].items())),
        repeats=dict(sorted(menus[Event.REPEAT].items())),
        transfers={name: counts.get(name, 0) for name in TRANSFER_EVENTS},
        dials={name: counts.get(name, 0) for name in DIAL_EVENTS},
        counts=dict(sorted((name, n) for name, n in counts.items() if n)),
        endings=_endings(connection, events, last, since, until),
    )


def _within(query: Any, column: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def _endings(
    connection: Connection, events: Table, last: Table, since: datetime | None, until: datetime | None
) -> dict[str, int]:
    """Count each call's last step in the period: `call_last`, or the events for calls going on after."""
    ended = _within(select(last.c.event, last.c.menu, func.count()), last.c.last_at, since, until)
    endings: Counter[str] = Counter()
    for event, menu, n in connection.execute(ended.group_by(last.c.event, last.c.menu)):
        endings[ending_label(event, menu)] += n
    if until is not None:
        going_on = select(last.c.call).where(last.c.last_at >= until, last.c.first_at < until)
        calls = {row.call for row in connection.execute(going_on)}
        if calls:
            endings.update(_last_steps(connection, events, calls, since, until))
    return dict(sorted(endings.items(), key=lambda item: (-item[1], item[0])))


def _last_steps(
    connection: Connection, events: Table, calls: set[str], since: datetime | None, until: datetime
) -> Iterable[str]:
    """The last step in the period of each of these calls (a few: those in progress when the period ends)."""
    query = _within(select(events.c.call, events.c.event, events.c.menu), events.c.at, since, until)
    steps: dict[str, str] = {}
    for chunk in _chunks(sorted(calls), 500):
        ordered = query.where(events.c.call.in_(chunk)).order_by(events.c.at, events.c.id)
        for call, event, menu in connection.execute(ordered):
            steps[call] = ending_label(event, menu)
    return steps.values()


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
