"""Records call events without making a call wait: a bounded queue, drained by one writer thread.

A batch the database refuses (it is down, stalled, or a deadlock outlasted the store's own retries) is kept
and tried again, more slowly each time, so an outage loses nothing until the events kept and queued together
reach the queue's bound; from then on new events are dropped, counted, and logged.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ivr.line.events import CallEvent
from ivr.stats.store import EventRow, Store, as_row

log = logging.getLogger(__name__)
QUEUE_SIZE = 10_000
BATCH_SIZE = 500
PRUNE_EVERY = timedelta(days=1)
# The idle writer wakes this often (seconds) to see whether pruning is due.
WAKE_SECONDS = 3600.0
# How long the writer gathers events before one transaction writes them all. Long enough that a busy worker
# commits a few times a second rather than once per event; short enough that the events waiting in memory
# stay few, as a longer wait grew a worker's memory (docs/performance.md).
LINGER_SECONDS = 0.2
# /healthz counts the events dropped this many minutes back: an incident marks the worker degraded while it
# lasts and a little after, not for the rest of the worker's life.
DROP_WINDOW_MINUTES = 15
# After a failed write, the writer waits this long before trying the kept events again, doubling up to the
# longest wait; a database that is down is not asked many times a second, and one back soon is used soon.
RETRY_FIRST_SECONDS = 0.5
RETRY_LONGEST_SECONDS = 30.0
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class WriterError:
    """The writer's last failure: what it was doing and the exception's type, never its message."""

    # Driver messages may quote the statement's values, so only fixed words and type names are kept.
    doing: str
    type: str
    cause: str | None
    at: datetime


@dataclass(frozen=True)
class WriterHealth:
    """This process's statistics writer, as /healthz shows it."""

    dropped_15min: int
    queued: int
    last_error: WriterError | None
    # Events a failed write kept for the next try (not in `queued`): while any are, the writer is failing.
    kept: int = 0


class DropWindow:
    """Events dropped per minute over the last few minutes; the request and writer threads both add."""

    def __init__(self, minutes: int = DROP_WINDOW_MINUTES) -> None:
        self.minutes = minutes
        # [minute, count] pairs, oldest first; bounded, so not even a clock that jumps about makes it grow.
        self._counts: deque[list[int]] = deque(maxlen=minutes)
        self._lock = threading.Lock()

    def add(self, at: datetime, count: int) -> None:
        """Count `count` events dropped at `at`."""
        minute = _minute(at)
        with self._lock:
            if self._counts and self._counts[-1][0] == minute:
                self._counts[-1][1] += count
            else:
                self._counts.append([minute, count])

    def total(self, now: datetime) -> int:
        """Return the events dropped in the current minute and the window's minutes before it."""
        oldest = _minute(now) - self.minutes + 1
        with self._lock:
            return sum(count for minute, count in self._counts if minute >= oldest)


def _minute(at: datetime) -> int:
    return int(at.timestamp() // 60)


def _type_name(error: BaseException) -> str:
    """Return an exception's type as module.Name (just Name for built-in ones)."""
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


class _Close:
    """The queue item that asks the writer to write what it has and stop."""


class Recorder:
    """An observer of call events that hands each to a writer thread; the request never waits."""

    def __init__(
        self,
        store: Store,
        retention_days: int = 0,
        queue_size: int = QUEUE_SIZE,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.retention_days = retention_days
        self.queue_size = queue_size
        self.clock = clock or (lambda: datetime.now(UTC))
        self.dropped = 0
        # What /healthz reports, per process like the writer (reset when a worker starts its own).
        self._drops = DropWindow()
        self._last_error: WriterError | None = None
        self._lock = threading.Lock()
        self._pid = 0
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._next_prune: datetime | None = None
        # Rows a failed write kept for the next try (the writer's own), how many (read by requests), when to
        # try them again (monotonic), and the wait after the next failure.
        self._held: list[EventRow] = []
        self._held_count = 0
        self._next_try = 0.0
        self._retry_wait = RETRY_FIRST_SECONDS
        # Set by flush() and close() to cut the writer's gathering short; events themselves never wake it.
        self._wake = threading.Event()

    def __call__(self, event: CallEvent) -> None:
        """Queue the event for the writer; when the queue is full, count and log it and go on."""
        items = self._writer_queue()
        # A SimpleQueue (far cheaper per event than Queue) bounded here: only this process's requests add.
        # The events kept from a failed write count too: together they are what this worker holds in memory.
        if items.qsize() + self._held_count >= self.queue_size:
            self.dropped += 1
            self._drops.add(self.clock(), 1)
            log.warning("statistics queue full: dropped a %s event (%d so far)", event.event, self.dropped)
            return
        items.put(as_row(event))

    def start(self) -> None:
        """Start this process's writer now rather than at the first event; a worker calls it once forked.

        The writer first opens the database, so a worker's first calls do not wait for that, a wrong
        database shows in the log at start-up, and the worker's memory is at its working size from the start.
        """
        self._writer_queue()

    def health(self) -> WriterHealth:
        """Report this process's writer: events dropped lately, events waiting, and its last failure."""
        if self._pid != os.getpid():
            # No writer in this process yet (a worker before its first event): nothing dropped or waiting.
            return WriterHealth(0, 0, None)
        drops = self._drops.total(self.clock())
        return WriterHealth(drops, self._queue.qsize(), self._last_error, self._held_count)

    def queued(self) -> int:
        """Events waiting for this process's writer, without reading the clock (metrics ask during a step)."""
        return self._queue.qsize() if self._pid == os.getpid() else 0

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event queued so far is written (or kept, or dropped); tell whether it finished."""
        if self._thread is None or self._pid != os.getpid():
            return True
        done = threading.Event()
        self._queue.put(done)
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued and stop the writer; called at exit, so a worker's last events stay."""
        thread = self._thread
        if thread is None or self._pid != os.getpid() or not thread.is_alive():
            return
        self._queue.put(_Close())
        self._wake.set()
        thread.join(timeout)
        if thread.is_alive():
            log.error(
                "statistics writer did not finish in %g s; up to %d events lost at exit",
                timeout,
                self._queue.qsize(),
            )

    def _writer_queue(self) -> queue.SimpleQueue[Any]:
        """Return this process's queue, starting its writer on first use (after a fork, too)."""
        pid = os.getpid()
        if self._pid != pid:
            with self._lock:
                if self._pid != pid:
                    # A gunicorn worker forked from a parent gets a queue and thread of its own.
                    self._queue = queue.SimpleQueue()
                    self._drops = DropWindow()
                    self._last_error = None
                    self._wake = threading.Event()
                    self._thread = threading.Thread(
                        target=self._drain, args=(self._queue,), name="ivr-stats-writer", daemon=True
                    )
                    self._thread.start()
                    self._pid = pid
                    atexit.register(self.close)
        return self._queue

    def _drain(self, items: queue.SimpleQueue[Any]) -> None:
        """Open the database, then write events in batches until asked to close."""
        try:
            self.store.open()
        except Exception as error:
            # Each write tries again; until one succeeds, its events are logged as dropped.
            log.exception("statistics: could not open the database")
            self._failed("opening the database", error)
        while True:
            # With events kept from a failed write, wake when they are due to be tried again.
            wait = max(0.0, self._next_try - time.monotonic()) if self._held else WAKE_SECONDS
            batch, markers, closing = _take_batch(items, self._wake, wait=wait)
            # A flush or close tries the kept events at once; otherwise they wait for their time.
            self._write(batch, now=bool(markers) or closing)
            for marker in markers:
                marker.set()
            if closing:
                self._lose_held("at exit")
                self.store.dispose()
                return
            self._prune_when_due()

    def _write(self, batch: list[EventRow], *, now: bool = False) -> None:
        """Store the kept events, then the batch, BATCH_SIZE at a time; keep whatever fails, never raise."""
        if self._held and not now and time.monotonic() < self._next_try:
            # The database failed a moment ago: add to the kept events rather than ask it again so soon.
            self._keep(self._held + batch)
            return
        rows = self._held + batch
        for start in range(0, len(rows), BATCH_SIZE):
            try:
                self.store.add(rows[start : start + BATCH_SIZE])
            except Exception as error:
                self._write_failed(rows[start:], error)
                return
        if self._held:
            log.info("statistics: stored the %d call events kept from failed writes", len(self._held))
        self._keep([])
        self._retry_wait = RETRY_FIRST_SECONDS

    def _write_failed(self, rows: list[EventRow], error: Exception) -> None:
        """Keep the rows not stored for a later try; log it (the first failure in a row with its trace)."""
        wait = self._retry_wait
        if self._held:
            log.warning(
                "statistics: still cannot store call events (%s); %d kept, trying again in %g s",
                _type_name(error),
                len(rows),
                wait,
            )
        else:
            log.exception(
                "statistics: could not store %d call events; kept, trying again in %g s", len(rows), wait
            )
        self._failed("storing call events", error)
        self._next_try = time.monotonic() + wait
        self._retry_wait = min(RETRY_LONGEST_SECONDS, wait * 2)
        self._keep(rows)

    def _keep(self, rows: list[EventRow]) -> None:
        """Keep `rows` for the next try, up to the queue's bound with what is queued; drop and count more."""
        room = max(0, self.queue_size - self._queue.qsize())
        if len(rows) > room:
            lost = len(rows) - room
            self.dropped += lost
            self._drops.add(self.clock(), lost)
            log.error("statistics: %d call events dropped: the queue's bound of %d is reached", lost, room)
            rows = rows[:room]
        self._held = rows
        self._held_count = len(rows)

    def _lose_held(self, when: str) -> None:
        """Count and log the kept events that were never stored."""
        if self._held:
            log.error("statistics: %d call events could not be stored %s; lost", len(self._held), when)
            self.dropped += len(self._held)
            self._drops.add(self.clock(), len(self._held))
            self._keep([])

    def _prune_when_due(self) -> None:
        """Once a day, delete events older than the retention period."""
        if self.retention_days <= 0:
            return
        now = self.clock()
        if self._next_prune is not None and now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY
        try:
            deleted = self.store.prune(now - timedelta(days=self.retention_days))
        except Exception as error:
            log.exception("statistics: could not delete old call events")
            self._failed("deleting old call events", error)
            return
        if deleted:
            log.info("statistics: deleted %d call events older than %d days", deleted, self.retention_days)

    def _failed(self, doing: str, error: Exception) -> None:
        """Remember the writer's latest failure for /healthz: fixed words and type names only."""
        cause = error.__cause__
        self._last_error = WriterError(
            doing, _type_name(error), None if cause is None else _type_name(cause), self.clock()
        )


def _take_batch(
    items: queue.SimpleQueue[Any],
    wake: threading.Event,
    linger: float | None = None,
    wait: float = WAKE_SECONDS,
) -> tuple[list[EventRow], list[threading.Event], bool]:
    """Wait for one item (or `wait` seconds), gather for `linger` seconds (or until woken), then take a batch.

    A busy line's many small writes become a few transactions per second per worker, and the writer wakes
    once per batch rather than once per event: each wake-up and commit takes CPU that the calls share.
    """
    batch: list[EventRow] = []
    markers: list[threading.Event] = []
    try:
        item = items.get(timeout=wait)
    except queue.Empty:
        return batch, markers, False
    if items.qsize() < BATCH_SIZE:
        # Behind already (a full batch waits): write at once rather than fall further behind.
        wake.wait(LINGER_SECONDS if linger is None else linger)
    wake.clear()
    while True:
        if isinstance(item, _Close):
            return batch, markers, True
        if isinstance(item, threading.Event):
            markers.append(item)
        else:
            batch.append(item)
        if len(batch) >= BATCH_SIZE:
            return batch, markers, False
        try:
            item = items.get_nowait()
        except queue.Empty:
            return batch, markers, False
