"""The call-events table: alike in SQLite and PostgreSQL, filtered by time and line, pruned, shared by
processes; a deleted SQLite file made anew (ivr/db.py)."""

from __future__ import annotations

import logging
import multiprocessing
import random
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from ivr import db, migrations
from ivr.db import Database
from ivr.line.events import CallEvent
from ivr.stats import store as store_module
from ivr.stats.recorder import Recorder
from ivr.stats.report import Period
from ivr.stats.store import Store, as_row
from tests.support import call_event, fresh_postgres

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CPH = ZoneInfo("Europe/Copenhagen")
PROCESSES = 4
EVENTS_EACH = 250


def test_schema_is_created_on_first_use(store: Store) -> None:
    assert store.count() == 0
    # A second process (here: a second store) finds the table already there.
    other = Store(Database(store.url))
    assert other.count() == 0
    other.dispose()


def test_rows_come_back_in_time_order_with_aware_utc_times(store: Store) -> None:
    later = call_event("b", T0 + timedelta(minutes=5), "section", menu="2", key="2")
    earlier = call_event("a", T0.astimezone(UTC) + timedelta(minutes=1), "welcome", route="voice.welcome")
    store.add([as_row(later), as_row(earlier)])
    rows = store.rows()
    assert [(row.call, row.event, row.menu, row.key) for row in rows] == [
        ("a", "welcome", "main", None),
        ("b", "section", "2", "2"),
    ]
    assert rows[0].at == T0 + timedelta(minutes=1)
    assert rows[0].at.tzinfo is UTC


def test_rows_are_filtered_by_period(store: Store) -> None:
    store.add([as_row(call_event(f"c{i}", T0 + timedelta(hours=i), "welcome")) for i in range(5)])
    rows = store.rows(T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    assert [row.call for row in rows] == ["c1", "c2"]


@pytest.mark.parametrize(("key", "kept"), [("5", "5"), ("#", "#"), ("12", None), ("x", None), (None, None)])
def test_only_a_single_pressed_key_is_kept(key: str | None, kept: str | None) -> None:
    assert as_row(call_event("a", T0, "invalid", key=key)).key == kept


def test_a_time_without_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        as_row(call_event("a", datetime(2026, 11, 25, 10), "welcome"))


def test_prune_deletes_only_older_events(store: Store) -> None:
    store.add([as_row(call_event(f"c{day}", T0 - timedelta(days=day), "welcome")) for day in range(10)])
    assert store.prune(T0 - timedelta(days=6, hours=12)) == 3
    assert sorted(row.call for row in store.rows()) == [f"c{day}" for day in range(7)]


def _record(url: str, worker: int) -> None:
    """Record EVENTS_EACH events from a process of its own, as a gunicorn worker would."""
    recorder = Recorder(Store(Database(url)))
    for i in range(EVENTS_EACH):
        recorder(call_event(f"w{worker}-{i}", T0 + timedelta(seconds=i), "section", menu="1", key="1"))
        if i % 10 == 9:
            # Many small transactions, so the processes' writes overlap rather than one batch each.
            recorder.flush()
    recorder.close()


@pytest.mark.slow
def test_several_processes_write_at_once_and_nothing_is_lost(store: Store) -> None:
    # Fresh processes (spawn) that also race to create the table on first use.
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record, args=(store.url, n)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    rows = store.rows()
    assert len(rows) == PROCESSES * EVENTS_EACH
    assert len({row.call for row in rows}) == PROCESSES * EVENTS_EACH


# Writers that meet on the same roll-up rows, in orders of their own: 24 hours x 5 events x 5 menus.
CROWD = 6
CROWD_EVENTS = 3000
CROWD_KEYS = [
    (hour, event, menu)
    for hour in range(24)
    for event in ("welcome", "section", "repeat", "main_menu", "invalid")
    for menu in ("main", "1", "2", "3", "4")
]


def _crowd(url: str, worker: int) -> None:
    """Queue CROWD_EVENTS events on shared roll-up rows, in random order, then write them all and stop."""
    rng = random.Random(worker)
    recorder = Recorder(Store(Database(url)), queue_size=CROWD_EVENTS)
    for i in range(CROWD_EVENTS):
        hour, event, menu = rng.choice(CROWD_KEYS)
        at = T0 + timedelta(hours=hour, seconds=rng.randrange(3600))
        recorder(call_event(f"w{worker}-{i % 500}", at, event, menu=menu, line="rodblokade"))
    assert recorder.flush(120)
    recorder.close(120)
    # Exit code: how many events this process lost.
    sys.exit(min(recorder.dropped, 100))


@pytest.mark.slow
def test_writers_meeting_on_the_same_counts_lose_nothing_on_postgresql() -> None:
    url = fresh_postgres()
    migrations.upgrade(url)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_crowd, args=(url, n)) for n in range(CROWD)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(180)
    assert [worker.exitcode for worker in workers] == [0] * CROWD, "a writer lost events"
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            events = connection.execute(select(func.count()).select_from(db.call_events)).scalar_one()
            counted = connection.execute(select(func.sum(db.call_hours.c.n))).scalar_one()
            calls = connection.execute(select(func.count()).select_from(db.call_last)).scalar_one()
    finally:
        database.dispose()
    assert events == counted == CROWD * CROWD_EVENTS
    assert calls == CROWD * 500
    fresh_postgres()


def test_a_forked_worker_starts_a_writer_of_its_own(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/stats.sqlite"
    recorder = Recorder(Store(Database(url)))
    recorder(call_event("parent", T0, "welcome"))
    assert recorder.flush()
    # The parent's writer thread does not exist in the child; the child must not lose its events.
    child = multiprocessing.get_context("fork").Process(target=_record_in_child, args=(recorder,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert sorted(row.call for row in Store(Database(url)).rows()) == ["child", "parent"]


def _record_in_child(recorder: Recorder) -> None:
    recorder(call_event("child", T0, "welcome"))
    recorder.close()


def test_events_queued_at_exit_are_written(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/stats.sqlite"
    script = f"""
        from datetime import UTC, datetime
        from ivr.line.events import CallEvent
        from ivr.stats.recorder import Recorder
        from ivr.db import Database
        from ivr.stats.store import Store
        recorder = Recorder(Store(Database({url!r})))
        for i in range(300):
            recorder(CallEvent(f"c{{i}}", datetime.now(UTC), "voice.welcome", "welcome", "main", None))
        # No flush or close: a worker that simply exits still writes what it queued.
    """
    subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=True, timeout=60)
    assert Store(Database(url)).count() == 300


def test_a_time_on_the_second_is_kept_and_found_exactly(store: Store) -> None:
    # The insert writes SQLite's time text itself: a whole second must still compare equal to itself.
    store.add(
        [
            as_row(call_event("a", T0, "welcome")),
            as_row(call_event("b", T0 + timedelta(microseconds=1), "welcome")),
        ]
    )
    assert [row.call for row in store.rows(since=T0, until=T0 + timedelta(microseconds=1))] == ["a"]
    assert [row.at for row in store.rows()] == [T0, T0 + timedelta(microseconds=1)]


def test_a_time_in_another_zone_is_stored_as_utc(store: Store) -> None:
    copenhagen = T0.astimezone(ZoneInfo("Europe/Copenhagen"))
    store.add([as_row(call_event("a", copenhagen, "welcome"))])
    assert store.rows()[0].at == T0


def test_the_fast_time_text_is_used_only_where_it_writes_what_the_column_type_writes() -> None:
    dialect = sqlite.dialect()
    sqlite_text = db.call_events.c.at.type.dialect_impl(dialect).bind_processor(dialect)
    assert store_module._time_converter(sqlite_text) is store_module._iso_text

    def other(at: datetime) -> str:
        return at.strftime("%Y-%m-%dT%H:%M:%S")

    assert store_module._time_converter(other) is other
    # PostgreSQL's driver takes the datetime itself.
    assert store_module._time_converter(None) is None


def _sqlite_files(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + suffix) for suffix in db.SQLITE_SIDE_FILES)]


def test_a_deleted_database_file_is_made_anew(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "stats.sqlite"
    store = Store(Database(f"sqlite:///{path}"))
    recorder = Recorder(store)
    recorder(call_event("before", T0, "welcome"))
    assert recorder.flush()
    assert [row.call for row in store.rows()] == ["before"]
    for file in _sqlite_files(path):
        file.unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING, logger="ivr.db"):
        recorder(call_event("after", T0, "welcome"))
        assert recorder.flush()
        # The staff page's reads go through the same store and see the new file.
        assert [row.call for row in store.rows()] == ["after"]
        assert store.count() == 1
    recorder.close()
    assert path.exists()
    assert [row.call for row in Store(Database(f"sqlite:///{path}")).rows()] == ["after"]
    warnings = [r for r in caplog.records if "deleted or replaced" in r.getMessage()]
    assert len(warnings) == 1


def test_a_worker_still_writing_the_deleted_file_does_not_spoil_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    store = Store(Database(f"sqlite:///{path}"))
    store.add([as_row(call_event("first", T0, "welcome"))])
    # Another worker that has not noticed yet: it keeps the deleted file's -wal and -shm open and writes on.
    other = sqlite3.connect(path, isolation_level=None)
    insert = (
        "INSERT INTO call_events (call, at, route, event, menu) VALUES (?, ?, 'voice.key', 'welcome', 'main')"
    )
    other.execute(insert, ("old-1", "2026-11-25 10:00:00.000000"))
    path.unlink()  # only the database file: its -wal and -shm stay, in use
    store.add([as_row(call_event("new-1", T0, "welcome"))])
    other.execute(insert, ("old-2", "2026-11-25 10:00:00.000000"))
    store.add([as_row(call_event("new-2", T0, "welcome"))])
    other.close()
    assert [row.call for row in store.rows()] == ["new-1", "new-2"]
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store.dispose()


def test_a_file_another_worker_made_anew_is_used_from_then_on(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    first, second = Store(Database(f"sqlite:///{path}")), Store(Database(f"sqlite:///{path}"))
    first.add([as_row(call_event("old", T0, "welcome"))])
    assert second.count() == 1
    for file in _sqlite_files(path):
        file.unlink(missing_ok=True)
    second.add([as_row(call_event("second", T0, "welcome"))])
    # The first finds a file at the path again, but not the one it opened.
    assert [row.call for row in first.rows()] == ["second"]
    first.add([as_row(call_event("first", T0, "welcome"))])
    assert sorted(row.call for row in second.rows()) == ["first", "second"]
    first.dispose()
    second.dispose()


def test_an_unchanged_file_keeps_its_engine(tmp_path: Path) -> None:
    store = Store(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))
    engine = store.engine
    store.add([as_row(call_event("a", T0, "welcome"))])
    assert store.count() == 1
    assert store.engine is engine
    store.dispose()


@pytest.mark.parametrize(
    ("url", "watched"),
    [
        ("sqlite:////srv/ivr/stats.sqlite", "/srv/ivr/stats.sqlite"),
        ("sqlite:///instance/stats.sqlite", "instance/stats.sqlite"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:stats.sqlite?mode=ro&uri=true", None),
        ("postgresql+psycopg://ivr@db.example.dk/ivr", None),
    ],
)
def test_only_a_sqlite_file_is_watched(url: str, watched: str | None) -> None:
    assert db.sqlite_file(url) == (None if watched is None else Path(watched))


def test_each_event_keeps_its_line(store: Store) -> None:
    store.add(
        [
            as_row(call_event("a", T0, "welcome", line="rodblokade")),
            as_row(call_event("b", T0, "welcome")),
            as_row(call_event("c", T0, "welcome", line="x" * 50)),
        ]
    )
    assert [(row.call, row.line) for row in store.rows()] == [("a", "rodblokade"), ("b", ""), ("c", "x" * 40)]
    assert [row.call for row in store.rows(line="rodblokade")] == ["a"]
    assert [row.call for row in store.rows(line="")] == ["b"]


def two_lines() -> list[CallEvent]:
    """Three calls on rodblokade, one on knae, on Wednesday 25 November."""
    events = []
    for n, line in enumerate(["rodblokade", "rodblokade", "knae", "rodblokade"]):
        at = T0 + timedelta(minutes=10 * n)
        events += [
            call_event(f"{line}-{n}", at, "welcome", route="voice.welcome", line=line),
            call_event(f"{line}-{n}", at + timedelta(seconds=30), "section", menu=str(n + 1), line=line),
        ]
    return events


def test_two_lines_are_counted_apart_and_together(store: Store) -> None:
    store.add([as_row(event) for event in two_lines()])
    period = Period(date(2026, 11, 25), date(2026, 11, 25), CPH)
    together, rodblokade, knae = (store.report(period, line=line) for line in (None, "rodblokade", "knae"))
    assert (together.calls, rodblokade.calls, knae.calls) == (4, 3, 1)
    assert together.sections == {"1": 1, "2": 1, "3": 1, "4": 1}
    assert rodblokade.sections == {"1": 1, "2": 1, "4": 1}
    assert knae.sections == {"3": 1}
    assert knae.endings == {"section 3": 1}
    assert knae.calls_per_day == {date(2026, 11, 25): 1}
    assert store.lines() == ["knae", "rodblokade"]
    # A line without calls: the empty report of the period, not an error.
    nothing = store.report(period, line="ukendt")
    assert (nothing.calls, nothing.events, nothing.counts, nothing.endings) == (0, 0, {}, {})


def test_a_worker_of_before_the_speech_count_can_still_add_to_an_upgraded_database(store: Store) -> None:
    store.open()
    with store.engine.begin() as connection:  # its INSERT names the columns it knew
        connection.exec_driver_sql(
            "INSERT INTO call_hours (hour, line, event, menu, n)"
            " VALUES ('2026-11-25 10:00:00', '', 'section', '3', 2)"
        )
    period = Period(date(2026, 11, 25), date(2026, 11, 25), CPH)
    assert store.report(period).choices == {"section": (0, 2)}
