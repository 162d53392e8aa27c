"""Recording never makes a call wait or fail: queued writes, kept and tried again on storage errors (dropped
only beyond the queue's bound), old events pruned."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ivr.db import Database
from ivr.stats import recorder as recorder_module
from ivr.stats.recorder import DropWindow, Recorder, WriterError, WriterHealth
from ivr.stats.store import EventRow, Store, as_row
from tests.support import call_event

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class SlowStore(Store):
    """A store whose writes wait until the test lets them through, or fail while told to."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.gate = threading.Event()
        self.failing = False

    def add(self, rows: Sequence[EventRow]) -> None:
        self.gate.wait(10)
        if self.failing:
            raise OSError("disk full")
        super().add(rows)


@pytest.fixture
def slow(tmp_path: Path) -> SlowStore:
    return SlowStore(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))


def test_a_slow_database_does_not_hold_up_the_call(slow: SlowStore) -> None:
    recorder = Recorder(slow)
    started = time.perf_counter()
    for i in range(200):
        recorder(call_event(f"c{i}", T0, "welcome"))
    assert time.perf_counter() - started < 0.5
    slow.gate.set()
    assert recorder.flush()
    assert slow.count() == 200
    recorder.close()


def test_a_failed_write_is_kept_and_stored_once_the_database_is_back(
    slow: SlowStore, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recorder_module, "RETRY_FIRST_SECONDS", 0.05)
    recorder = Recorder(slow, clock=lambda: T0)
    slow.failing = True
    slow.gate.set()
    recorder(call_event("first", T0, "welcome"))
    assert recorder.flush()
    assert "could not store 1 call events; kept" in caplog.text
    assert (recorder.health().kept, recorder.health().queued) == (1, 0)
    slow.failing = False
    # No new event and no flush: the writer tries the kept event again by itself.
    deadline = time.monotonic() + 5
    while slow.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    recorder(call_event("second", T0, "welcome"))
    assert recorder.flush()
    assert [row.call for row in slow.rows()] == ["first", "second"]
    assert recorder.health() == WriterHealth(0, 0, recorder.health().last_error, kept=0)
    recorder.close()


def test_kept_events_are_dropped_and_counted_only_beyond_the_queues_bound(
    slow: SlowStore, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(slow, queue_size=5, clock=lambda: T0)
    slow.failing = True
    slow.gate.set()
    for i in range(3):
        recorder(call_event(f"a{i}", T0, "welcome"))
    assert recorder.flush()
    for i in range(3):
        recorder(call_event(f"b{i}", T0, "welcome"))
    assert recorder.flush()
    # Five kept (the bound); the sixth had no room, whether refused at the queue or after its write failed.
    health = recorder.health()
    assert (health.kept, health.dropped_15min, recorder.dropped) == (5, 1, 1)
    slow.failing = False
    assert recorder.flush()
    assert sorted(row.call for row in slow.rows()) == ["a0", "a1", "a2", "b0", "b1"]
    recorder.close()


def test_events_still_kept_at_exit_are_counted_as_lost(
    slow: SlowStore, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(slow, clock=lambda: T0)
    slow.failing = True
    slow.gate.set()
    recorder(call_event("c1", T0, "welcome"))
    assert recorder.flush()
    recorder.close()
    assert recorder.dropped == 1
    assert "1 call events could not be stored at exit; lost" in caplog.text


def test_a_full_queue_drops_events_with_a_warning(slow: SlowStore, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(slow, queue_size=2)
    with caplog.at_level(logging.WARNING):
        for i in range(20):
            recorder(call_event(f"c{i}", T0, "welcome"))
    # The writer holds at most one batch while the queue holds two more events.
    assert recorder.dropped >= 15
    assert "statistics queue full" in caplog.text
    slow.gate.set()
    recorder.close()


def test_events_older_than_the_retention_are_deleted(tmp_path: Path) -> None:
    store = Store(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))
    store.add([as_row(call_event("old", T0 - timedelta(days=31), "welcome"))])
    store.add([as_row(call_event("recent", T0 - timedelta(days=29), "welcome"))])
    recorder = Recorder(store, retention_days=30, clock=lambda: T0)
    recorder(call_event("new", T0, "welcome"))
    assert recorder.flush()
    recorder.close()
    assert sorted(row.call for row in store.rows()) == ["new", "recent"]


def test_no_retention_keeps_everything(tmp_path: Path) -> None:
    store = Store(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))
    store.add([as_row(call_event("old", T0 - timedelta(days=3000), "welcome"))])
    recorder = Recorder(store, retention_days=0, clock=lambda: T0)
    recorder(call_event("new", T0, "welcome"))
    recorder.close()
    assert store.count() == 2


def test_an_idle_writer_still_prunes_once_a_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "WAKE_SECONDS", 0.01)
    store = Store(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))
    now = [T0]
    recorder = Recorder(store, retention_days=30, clock=lambda: now[0])
    recorder(call_event("first", T0, "welcome"))
    assert recorder.flush()
    # No more calls; a day later the writer, woken by its timer alone, deletes what is now too old.
    now[0] = T0 + timedelta(days=31)
    deadline = time.monotonic() + 5
    while store.count() and time.monotonic() < deadline:
        time.sleep(0.02)
    recorder.close()
    assert store.count() == 0


def test_the_writer_gathers_a_quiet_line_into_one_batch() -> None:
    items: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for number in range(3):
        items.put({"n": number})
    start = time.monotonic()
    batch, markers, closing = recorder_module._take_batch(items, threading.Event(), linger=0.2)
    assert time.monotonic() - start >= 0.2
    assert (len(batch), markers, closing) == (3, [], False)


def test_a_writer_that_is_behind_writes_at_once() -> None:
    items: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for number in range(recorder_module.BATCH_SIZE * 2):
        items.put({"n": number})
    start = time.monotonic()
    batch, _, _ = recorder_module._take_batch(items, threading.Event(), linger=30)
    assert time.monotonic() - start < 5
    assert len(batch) == recorder_module.BATCH_SIZE
    assert items.qsize() == recorder_module.BATCH_SIZE


def test_flush_cuts_the_gathering_short() -> None:
    items: queue.SimpleQueue[Any] = queue.SimpleQueue()
    wake = threading.Event()
    done = threading.Event()
    items.put({"n": 1})
    items.put(done)
    wake.set()
    start = time.monotonic()
    batch, markers, _ = recorder_module._take_batch(items, wake, linger=30)
    assert time.monotonic() - start < 5
    assert (len(batch), markers) == (1, [done])


def test_start_opens_the_database_before_any_event(tmp_path: Path) -> None:
    store = Store(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}"))
    recorder = Recorder(store)
    recorder.start()
    # flush waits for the writer, which opens the database before it looks at the queue.
    assert recorder.flush()
    assert (tmp_path / "stats.sqlite").exists()
    assert store.count() == 0
    recorder.close()


def test_a_database_that_cannot_be_opened_is_logged_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the database's folder should be")
    recorder = Recorder(Store(Database(f"sqlite:///{tmp_path / 'not-a-folder' / 'stats.sqlite'}")))
    with caplog.at_level(logging.ERROR, logger="ivr.stats.recorder"):
        recorder.start()
        assert recorder.flush()
        assert "could not open the database" in caplog.text
        # The call path is untouched: events are still taken, and kept with a log line when not written.
        recorder(call_event("c1", T0, "welcome"))
        assert recorder.flush()
    assert "could not store 1 call events" in caplog.text
    recorder.close()


def test_health_counts_a_kept_batch_and_keeps_only_the_errors_type(slow: SlowStore) -> None:
    recorder = Recorder(slow, clock=lambda: T0)
    slow.failing = True
    slow.gate.set()
    for call in ("a", "b", "c"):
        recorder(call_event(call, T0, "welcome"))
    assert recorder.flush()
    health = recorder.health()
    assert (health.dropped_15min, health.queued, health.kept) == (0, 0, 3)
    assert health.last_error == WriterError("storing call events", "OSError", None, T0)
    recorder.close()


def test_health_names_the_drivers_error_type_behind_sqlalchemys(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    Store(Database(f"sqlite:///{path}")).open()
    # A database that refuses writes: opened read-only, as a full or read-only disk would behave.
    recorder = Recorder(Store(Database(f"sqlite:///file:{path}?mode=ro&uri=true")), clock=lambda: T0)
    recorder(call_event("c1", T0, "welcome"))
    assert recorder.flush()
    error = recorder.health().last_error
    assert error is not None
    assert (error.doing, error.type, error.cause) == (
        "storing call events",
        "sqlalchemy.exc.OperationalError",
        "sqlite3.OperationalError",
    )
    assert (recorder.health().dropped_15min, recorder.health().kept) == (0, 1)
    recorder.close()


def test_queue_full_drops_count_in_health(slow: SlowStore) -> None:
    recorder = Recorder(slow, queue_size=2, clock=lambda: T0)
    for i in range(20):
        recorder(call_event(f"c{i}", T0, "welcome"))
    health = recorder.health()
    assert health.dropped_15min == recorder.dropped >= 15
    # Two wait in the queue, or one if the writer has just taken the first into its batch.
    assert 1 <= health.queued <= 2
    # A full queue is not a storage failure.
    assert health.last_error is None
    slow.gate.set()
    recorder.close()


def test_drops_older_than_the_window_no_longer_count() -> None:
    window = DropWindow(minutes=15)
    window.add(T0, 2)
    window.add(T0 + timedelta(seconds=30), 3)
    window.add(T0 + timedelta(minutes=10), 4)
    assert window.total(T0 + timedelta(minutes=10)) == 9
    assert window.total(T0 + timedelta(minutes=14, seconds=59)) == 9
    assert window.total(T0 + timedelta(minutes=15)) == 4
    assert window.total(T0 + timedelta(minutes=25)) == 0


def test_the_drop_window_stays_small_however_long_it_counts() -> None:
    window = DropWindow(minutes=15)
    for minute in range(10_000):
        window.add(T0 + timedelta(minutes=minute), 1)
    assert window.total(T0 + timedelta(minutes=9_999)) == 15
    assert len(window._counts) == 15


def test_a_process_without_a_writer_reports_nothing_lost(tmp_path: Path) -> None:
    recorder = Recorder(Store(Database(f"sqlite:///{tmp_path / 'stats.sqlite'}")))
    assert recorder.health() == WriterHealth(0, 0, None)


def test_an_open_failure_is_reported_without_drops(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the database's folder should be")
    recorder = Recorder(
        Store(Database(f"sqlite:///{tmp_path / 'not-a-folder' / 'stats.sqlite'}")), clock=lambda: T0
    )
    recorder.start()
    assert recorder.flush()
    health = recorder.health()
    assert health.dropped_15min == 0
    assert health.last_error == WriterError("opening the database", "FileExistsError", None, T0)
    recorder.close()
