"""Counts kept as events are written, so a report's cost grows with what it shows, not with what is stored.

A year of a busy line is about two million events; counting them row by row took seconds and hundreds of
megabytes for every report. Two small tables (in ivr/db.py) are kept up to date in the same transaction as the
events, both by line (the content's id; "" for events from before there were several lines), so a report of
one line or of all of them reads only these:

- `call_hours`: how many events of each (line, event, menu) in each UTC hour (`n`), and how many of those
  came by speech (`speech`). Every count, the calls per day and the weekday × hour map of a period are sums
  over its hours: exact wherever the clinic's time zone is a whole number of hours from UTC (Copenhagen
  always is), since then a UTC hour is one local hour and local midnight is a UTC hour's start. A report in
  another zone falls back to counting the rows (`report.build`).
- `call_last`: each call's first and last step on each line (a call reaches one line; only a call in progress
  while a deployment took up lines has steps on two). A call's last step in a period is its last step overall,
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
    Connection,
    Table,
    bindparam,
    case,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ivr.line.events import SPEECH_ROUTE, Event
from ivr.line.spoken import WEEKDAYS
from ivr.stats.report import DIAL_EVENTS, TRANSFER_EVENTS, Period, Report, ending_label


def hour_of(at: datetime) -> datetime:
    """The start of the UTC hour `at` (naive UTC) falls in."""
    return at.replace(minute=0, second=0, microsecond=0)


def add(connection: Connection, hours: Table, last: Table, rows: Sequence[Any]) -> None:
    """Count event rows (call, at as naive UTC, route, event, menu, key, line) into the roll-ups."""
    counted = Counter((hour_of(row[1]), row[6], row[3], row[4]) for row in rows)
    spoken = Counter((hour_of(row[1]), row[6], row[3], row[4]) for row in rows if row[2] == SPEECH_ROUTE)
    ends: dict[tuple[str, str], dict[str, Any]] = {}
    for call, at, _route, event, menu, _key, line in rows:  # in order: a later row of a call is a later step
        end = ends.get((call, line))
        if end is None:
            ends[call, line] = {
                "call": call,
                "line": line,
                "first_at": at,
                "last_at": at,
                "event": event,
                "menu": menu,
            }
            continue
        end["first_at"] = min(end["first_at"], at)
        if at >= end["last_at"]:
            end |= {"last_at": at, "event": event, "menu": menu}
    # One statement for any number of rows (executemany), not one with a VALUES list as long as the batch:
    # each length of list is a statement of its own in SQLAlchemy's compiled cache, which grew a worker by
    # megabytes (docs/performance.md, memory).
    insert = _insert_for(connection)
    # Rows in key order: the writers of several workers and nodes then lock the rows they share in the same
    # order, so one waits for the other instead of deadlocking (in arrival order, two batches could cross).
    hour_rows = [
        {"hour": h, "line": line, "event": e, "menu": m, "n": n, "speech": spoken.get((h, line, e, m), 0)}
        for (h, line, e, m), n in sorted(counted.items())
    ]
    if hour_rows:
        new_hours = insert(hours)
        connection.execute(
            new_hours.on_conflict_do_update(
                index_elements=[hours.c.hour, hours.c.line, hours.c.event, hours.c.menu],
                set_={
                    "n": hours.c.n + new_hours.excluded.n,
                    "speech": hours.c.speech + new_hours.excluded.speech,
                },
            ),
            hour_rows,
        )
    if ends:
        new_last = insert(last)
        later = new_last.excluded.last_at >= last.c.last_at
        connection.execute(
            new_last.on_conflict_do_update(
                index_elements=[last.c.call, last.c.line],
                set_={
                    "first_at": case(
                        (new_last.excluded.first_at < last.c.first_at, new_last.excluded.first_at),
                        else_=last.c.first_at,
                    ),
                    "last_at": case((later, new_last.excluded.last_at), else_=last.c.last_at),
                    "event": case((later, new_last.excluded.event), else_=last.c.event),
                    "menu": case((later, new_last.excluded.menu), else_=last.c.menu),
                },
            ),
            [ends[key] for key in sorted(ends)],
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
        add(connection, hours, last, [(r.call, r.at, r.route, r.event, r.menu, r.key, r.line) for r in row])
    return True


def count_speech(connection: Connection, events: Table, hours: Table) -> int:
    """Set `speech` in every hour's counts from the events kept that came by speech; return how many.

    For a database from before the column: its speech events were counted in `n` only. One pass over the
    events (the route is not indexed; a year of a busy line is seconds, once), grouped here, so it is the same
    SQL in SQLite and PostgreSQL; only the few rows that came by speech reach Python.
    """
    said = select(events.c.at, events.c.line, events.c.event, events.c.menu).where(
        events.c.route == SPEECH_ROUTE
    )
    counted = Counter(
        (hour_of(at), line, event, menu)
        for at, line, event, menu in connection.execute(said.execution_options(yield_per=50_000))
    )
    if counted:
        keys = {
            "b_hour": hours.c.hour,
            "b_line": hours.c.line,
            "b_event": hours.c.event,
            "b_menu": hours.c.menu,
        }
        connection.execute(
            update(hours)
            .where(*(column == bindparam(name) for name, column in keys.items()))
            .values(speech=bindparam("b_speech")),
            [
                {"b_hour": h, "b_line": line, "b_event": e, "b_menu": m, "b_speech": n}
                for (h, line, e, m), n in counted.items()
            ],
        )
    return sum(counted.values())


def lines(connection: Connection, hours: Table) -> list[str]:
    """The lines counted in `call_hours`, in order: SELECT DISTINCT line, a few index lookups per line.

    A plain DISTINCT reads every hour of every line (the databases cannot skip through an index); this asks
    the index for the least line after the one before, once per line.
    """
    found = text(
        f"WITH RECURSIVE found(line) AS ("
        f" SELECT MIN(line) FROM {hours.name}"
        f" UNION ALL"
        f" SELECT (SELECT MIN(line) FROM {hours.name} WHERE line > found.line) FROM found"
        f" WHERE found.line IS NOT NULL"
        f") SELECT line FROM found WHERE line IS NOT NULL"
    )
    return [str(line) for line in connection.execute(found).scalars()]


def build(
    connection: Connection,
    events: Table,
    hours: Table,
    last: Table,
    period: Period,
    *,
    line: str | None = None,
) -> Report | None:
    """The period's report of one line (None: all together) from the roll-ups, or None where they cannot give
    it exactly (an odd time zone)."""
    since, until = (None if at is None else at.astimezone(UTC).replace(tzinfo=None) for at in period.bounds())
    if any(at is not None and at != hour_of(at) for at in (since, until)):
        return None
    query = select(hours.c.hour, hours.c.event, hours.c.menu, hours.c.n, hours.c.speech)
    query = _within(query, hours.c.hour, since, until)
    if line is not None:
        query = query.where(hours.c.line == line)
    counts: Counter[str] = Counter()
    speech: Counter[str] = Counter()
    menus: dict[str, Counter[str]] = {
        Event.SECTION: Counter(),
        Event.REPEAT: Counter(),
        Event.ANSWERED: Counter(),
    }
    per_day: Counter[Any] = Counter()
    heat = [[0] * 24 for _ in WEEKDAYS]
    for hour, event, menu, n, said in connection.execute(query):
        counts[event] += n
        speech[event] += said
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
        endings=_endings(connection, events, last, (since, until), line),
        speech=dict(sorted((name, n) for name, n in speech.items() if n)),
        answers=dict(sorted(menus[Event.ANSWERED].items())),
    )


def _within(query: Any, column: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def _endings(
    connection: Connection,
    events: Table,
    last: Table,
    bounds: tuple[datetime | None, datetime | None],
    line: str | None,
) -> dict[str, int]:
    """Count each call's last step in the period: `call_last`, or the events for calls going on after."""
    since, until = bounds
    ended = _within(select(last.c.event, last.c.menu, func.count()), last.c.last_at, since, until)
    if line is not None:
        ended = ended.where(last.c.line == line)
    endings: Counter[str] = Counter()
    for event, menu, n in connection.execute(ended.group_by(last.c.event, last.c.menu)):
        endings[ending_label(event, menu)] += n
    if until is not None:
        going_on = select(last.c.call, last.c.line).where(last.c.last_at >= until, last.c.first_at < until)
        if line is not None:
            going_on = going_on.where(last.c.line == line)
        calls = {(row.call, row.line) for row in connection.execute(going_on)}
        if calls:
            endings.update(_last_steps(connection, events, calls, since, until))
    return dict(sorted(endings.items(), key=lambda item: (-item[1], item[0])))


def _last_steps(
    connection: Connection,
    events: Table,
    calls: set[tuple[str, str]],
    since: datetime | None,
    until: datetime,
) -> Iterable[str]:
    """The last step in the period of each of these (call, line)s: a few, those in progress at its end."""
    columns = select(events.c.call, events.c.line, events.c.event, events.c.menu)
    query = _within(columns, events.c.at, since, until)
    steps: dict[tuple[str, str], str] = {}
    for chunk in _chunks(sorted({call for call, _line in calls}), 500):
        ordered = query.where(events.c.call.in_(chunk)).order_by(events.c.at, events.c.id)
        for call, line, event, menu in connection.execute(ordered):
            if (call, line) in calls:
                steps[call, line] = ending_label(event, menu)
    return steps.values()


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
