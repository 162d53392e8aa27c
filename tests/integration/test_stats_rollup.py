"""The counts kept as events are written give exactly what counting the rows gives, SQLite and PostgreSQL,
for every line together and for each line alone."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, delete

from ivr import migrations
from ivr.db import Database, call_hours, call_last
from ivr.line.events import SPEECH_ROUTE, CallEvent, Event
from ivr.stats import report
from ivr.stats.store import Store, as_row

CPH = ZoneInfo("Europe/Copenhagen")
# Around the moments that make counting by hour hard: the summer-time changes and local midnights.
EDGES = [
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 → 03:30 in Copenhagen (an hour that does not exist)
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 twice
    datetime(2026, 6, 30, 21, 50, tzinfo=UTC),  # ten minutes before midnight in Copenhagen
    datetime(2026, 12, 31, 22, 55, tzinfo=UTC),  # New Year's Eve
]
STEPS = [
    ("voice.key", Event.SECTION, "3", "3"),
    ("voice.key", Event.SECTION, "1", "1"),
    ("voice.key", Event.REPEAT, "3", "*"),
    ("voice.key", Event.REPEAT, "main", "*"),
    ("voice.key", Event.MAIN_MENU, "main", "#"),
    ("voice.key", Event.INVALID, "2", "9"),
    ("voice.key", Event.SILENCE, "main", None),
    ("voice.key", Event.SILENCE_GOODBYE, "main", None),
    ("voice.key", Event.TRANSFER_CLOSED, "main", "0"),
    ("voice.key", Event.TRANSFER_OPEN, "main", "0"),
    ("voice.dial", Event.DIAL_BUSY, "main", None),
    ("voice.dial", Event.DIAL_COMPLETED, "main", None),
    ("voice.fallback", Event.ERROR, "main", None),
    # Choices said rather than pressed: counted as their key, on the speech route.
    (SPEECH_ROUTE, Event.SECTION, "3", "3"),
    (SPEECH_ROUTE, Event.REPEAT, "main", "*"),
    (SPEECH_ROUTE, Event.TRANSFER_OPEN, "main", "0"),
    (SPEECH_ROUTE, Event.INVALID, "2", "4"),
]


# The lines of a deployment; "" for events recorded before there were several lines.
LINES = ["", "rodblokade", "knae-operation"]
# What each report is asked for: all lines together, each line, and a line without calls.
ASKED: list[str | None] = [None, *LINES, "ukendt"]


def random_calls(rng: random.Random, count: int) -> list[CallEvent]:
    """Calls of one to eight steps, seconds to hours apart, many near an edge; some steps share a moment.

    Each call is on one of LINES; a few go on to a second line midway (a call in progress while the
    deployment took up lines: its first steps without a line).
    """
    events = []
    for n in range(count):
        base = rng.choice(EDGES) if rng.random() < 0.5 else datetime(2026, 1, 1, tzinfo=UTC)
        at = base + timedelta(minutes=rng.randrange(-90, 90) if base in EDGES else rng.randrange(0, 525_600))
        call = f"{n:08x}{rng.getrandbits(32):08x}"
        line = rng.choice(LINES)
        moves = rng.random() < 0.05
        events.append(CallEvent(call, at, "voice.welcome", Event.WELCOME, "main", None, line))
        for _ in range(rng.randrange(0, 8)):
            at += timedelta(seconds=rng.choice([0, 5, 40, 600, 7200]))  # 0: two steps at the same moment
            route, event, menu, key = rng.choice(STEPS)
            if moves and rng.random() < 0.5:
                line = rng.choice(LINES)
            events.append(CallEvent(call, at, route, event, menu, key, line))
    return events


def assert_counts_equal(store: Store, period: report.Period) -> None:
    """The counts kept equal counting the rows, for every line together and each line alone."""
    for line in ASKED:
        expected = report.build(store.rows(*period.bounds(), line=line), period)
        assert store.summary(period, line=line) == expected, (period, line)


def periods(rng: random.Random) -> Iterator[report.Period]:
    """Everything, open-ended, one day, a month, and random spans, some ending on an edge."""
    yield report.Period(None, None, CPH)
    yield report.Period(date(2026, 3, 29), None, CPH)
    yield report.Period(None, date(2026, 10, 25), CPH)
    yield report.Period(date(2026, 6, 30), date(2026, 6, 30), CPH)
    yield report.Period(date(2026, 12, 1), date(2026, 12, 31), CPH)
    for _ in range(6):
        since = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 365))
        yield report.Period(since, since + timedelta(days=rng.randrange(0, 60)), CPH)


def stored(store: Store, events: list[CallEvent], rng: random.Random) -> None:
    """Write the events as writers would: in order, in batches of random sizes (a call across several)."""
    rows = [as_row(event) for event in events]
    rows.sort(key=lambda row: row.at)  # the writer stores what calls made, roughly in time order
    while rows:
        size = rng.randrange(1, 400)
        store.add(rows[:size])
        rows = rows[size:]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counts_kept_equal_counting_every_row(database_url: str, seed: int) -> None:
    rng = random.Random(seed)
    store = Store(Database(database_url))
    try:
        stored(store, random_calls(rng, 400), rng)
        for period in periods(rng):
            assert_counts_equal(store, period)
        assert_speech_counted(store)
    finally:
        store.dispose()


def assert_speech_counted(store: Store) -> None:
    """The choices by speech kept are the speech route's events, and the rest of each choice's are keys."""
    rows = store.rows()
    everything = store.summary(report.Period(None, None, CPH))
    assert everything is not None
    said = Counter(row.event for row in rows if row.route == SPEECH_ROUTE)
    assert everything.speech == dict(said) != {}
    pressed = Counter(row.event for row in rows if row.route == "voice.key")
    choices = {
        name: (said[name], pressed[name]) for name in report.CHOICE_EVENTS if said[name] + pressed[name]
    }
    assert everything.choices == choices
    assert everything.choices_in_all == tuple(map(sum, zip(*choices.values(), strict=True)))


def test_pruning_keeps_the_counts_equal(database_url: str) -> None:
    rng = random.Random(9)
    store = Store(Database(database_url))
    try:
        stored(store, random_calls(rng, 300), rng)
        store.prune(datetime(2026, 7, 1, 12, 30, tzinfo=UTC))
        for period in periods(rng):
            assert_counts_equal(store, period)
        assert_speech_counted(store)
    finally:
        store.dispose()


def _without_counts(connection: Connection) -> None:
    """As a database written before the roll-ups existed."""
    connection.execute(delete(call_hours))
    connection.execute(delete(call_last))


def _without_speech(connection: Connection) -> None:
    """As the roll-ups were before they counted speech."""
    connection.exec_driver_sql("ALTER TABLE call_hours DROP COLUMN speech")


@pytest.mark.parametrize(("seed", "made_old"), [(4, _without_counts), (7, _without_speech)])
def test_an_older_database_is_counted_once(
    database_url: str, seed: int, made_old: Callable[[Connection], None]
) -> None:
    rng = random.Random(seed)
    store = Store(Database(database_url))
    try:
        stored(store, random_calls(rng, 200), rng)
        with store.engine.begin() as connection:
            made_old(connection)
            connection.exec_driver_sql("DROP TABLE alembic_version")  # made before the schema had versions
        migrations.upgrade(database_url)
        migrations.upgrade(database_url)  # and a second node: nothing is counted twice
        for period in periods(rng):
            assert_counts_equal(store, period)
        assert_speech_counted(store)
    finally:
        store.dispose()


def test_a_zone_off_the_whole_hours_is_counted_from_the_rows(database_url: str) -> None:
    store = Store(Database(database_url))
    try:
        stored(store, random_calls(random.Random(5), 50), random.Random(5))
        india = report.Period(date(2026, 3, 1), date(2026, 3, 31), ZoneInfo("Asia/Kolkata"))
        for line in ASKED:
            assert store.summary(india, line=line) is None
            expected = report.build(store.rows(*india.bounds(), line=line), india)
            assert store.report(india, line=line) == expected
    finally:
        store.dispose()


def test_the_lines_kept_are_those_with_counts(database_url: str) -> None:
    rng = random.Random(6)
    store = Store(Database(database_url))
    try:
        assert store.lines() == []
        stored(store, random_calls(rng, 100), rng)
        assert store.lines() == sorted({row.line for row in store.rows()}) == sorted(LINES)
        store.prune(datetime(2028, 1, 1, tzinfo=UTC))  # every event: no line is left to pick
        assert store.lines() == []
    finally:
        store.dispose()
