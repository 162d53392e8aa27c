"""Where call events are kept: ivr/db.py's call_events and its roll-ups, in SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, func, insert, select

from ivr.db import LINE_LENGTH, Database, call_events, call_hours, call_last, to_utc_naive
from ivr.db_limits import retried, within
from ivr.line.events import CallEvent
from ivr.line.keypad import KEYPAD
from ivr.stats import rollup
from ivr.stats.report import Period, Report, Row
from ivr.stats.report import build as build_report

T = TypeVar("T")
__all__ = ["EventRow", "Row", "Store", "as_row", "storable_key"]


class EventRow(CallEvent):
    """A CallEvent as it is inserted: `at` as naive UTC, `key` only when it is a single valid key."""

    # A named tuple's subclass: the same fields, and no per-row __dict__.
    __slots__ = ()


def storable_key(key: str | None) -> str | None:
    """Keep a single pressed key; drop anything longer or odd, which a caller cannot send."""
    return key if key is not None and len(key) == 1 and key in KEYPAD else None


class Store:
    """The call statistics in one database: events added in batches, reports read from the counts."""

    def __init__(self, database: Database) -> None:
        self.database = database
        # The INSERT compiled for the engine it was made for (a new engine after a fork or a new file).
        self._insert: tuple[Engine, _Insert] | None = None

    @property
    def url(self) -> str:
        """The database's URL."""
        return self.database.url

    @property
    def engine(self) -> Engine:
        """This process's engine on the database."""
        return self.database.engine

    def open(self) -> None:
        """Connect now, so the first call event finds everything ready."""
        self.database.open()

    def add(self, rows: Sequence[EventRow]) -> None:
        """Insert event rows in one transaction, tried again after a deadlock or serialization failure."""
        if not rows:
            return
        engine = self.engine
        if self._insert is None or self._insert[0] is not engine:
            self._insert = (engine, _Insert(engine))
        insert_rows = self._insert[1]

        def write() -> None:
            with engine.begin() as connection:
                insert_rows(connection, rows)
                rollup.add(connection, call_hours, call_last, rows)

        retried(write)

    def rows(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        seconds: float | None = None,
        *,
        line: str | None = None,
    ) -> list[Row]:
        """Return the events with since <= at < until (aware datetimes), oldest first; of one line if given.

        With `seconds`, the database stops the query after that long (SQLAlchemy's OperationalError), and the
        caller waits no longer (Stalled), so a staff page can never hold a worker for long.
        """
        query = select(call_events).order_by(call_events.c.at, call_events.c.id)
        if line is not None:
            query = query.where(call_events.c.line == line)
        if since is not None:
            query = query.where(call_events.c.at >= to_utc_naive(since))
        if until is not None:
            query = query.where(call_events.c.at < to_utc_naive(until))
        return self._read(
            seconds, lambda connection: [_row(mapping) for mapping in connection.execute(query).mappings()]
        )

    def count(self) -> int:
        """Return how many events are kept."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(call_events)).scalar_one())

    def prune(self, before: datetime) -> int:
        """Delete every event before the hour `before` falls in (the counts go by the hour); say how many."""
        cutoff = rollup.hour_of(to_utc_naive(before))
        with self.engine.begin() as connection:
            result = connection.execute(delete(call_events).where(call_events.c.at < cutoff))
            rollup.prune(connection, call_hours, call_last, cutoff)
            return int(result.rowcount)

    def summary(
        self, period: Period, seconds: float | None = None, *, line: str | None = None
    ) -> Report | None:
        """The period's report from the counts kept as events were written (None: count the rows instead).

        `line` None counts every line together; a line id only that line's calls.
        """
        return self._read(
            seconds,
            lambda connection: rollup.build(
                connection, call_events, call_hours, call_last, period, line=line
            ),
        )

    def report(self, period: Period, seconds: float | None = None, *, line: str | None = None) -> Report:
        """The period's report, of all lines or one: from the counts kept, else (odd zones) from the rows."""
        summary = self.summary(period, seconds, line=line)
        if summary is not None:
            return summary
        return build_report(self.rows(*period.bounds(), seconds, line=line), period)

    def lines(self, seconds: float | None = None) -> list[str]:
        """Return the ids of the lines the statistics hold, in order ("" for events from before lines)."""
        return self._read(seconds, lambda connection: rollup.lines(connection, call_hours))

    def _read(self, seconds: float | None, work: Callable[[Connection], T]) -> T:
        """Run a read in one transaction: limited to `seconds` by the database and by the wait (db_limits)."""
        if seconds is None:
            with self.engine.begin() as connection:
                return work(connection)
        return within(self.database, seconds, work)

    def dispose(self) -> None:
        """Close this process's connections."""
        self.database.dispose()


class _Insert:
    """The INSERT of event rows, compiled once per engine and run straight on the database driver.

    A worker writes every call event, so the per-row work counts: SQLAlchemy's executemany builds and
    processes a parameter dict per row, which costs more than the database's own insert. Here only the time
    is converted, as the column type would (text in SQLite, a datetime for PostgreSQL), so the rows read back
    through SQLAlchemy exactly as before.
    """

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        compiled = insert(call_events).compile(dialect=dialect, column_keys=list(EventRow._fields))
        self.sql = str(compiled)
        self.convert_at = _time_converter(call_events.c.at.type.dialect_impl(dialect).bind_processor(dialect))
        # Positional drivers (sqlite3) take each row as a tuple, named ones (psycopg) as a dict.
        self.positional = compiled.positional
        if self.positional and tuple(compiled.positiontup or ()) != EventRow._fields:
            raise RuntimeError(f"the INSERT's columns are not an EventRow's: {compiled.positiontup}")

    def __call__(self, connection: Connection, rows: Sequence[EventRow]) -> None:
        convert = self.convert_at
        values: Sequence[tuple[Any, ...]] = rows
        if convert is not None:
            values = [
                (call, convert(at), route, ev, menu, key, line)
                for call, at, route, ev, menu, key, line in rows
            ]
        if self.positional:
            connection.exec_driver_sql(self.sql, values)
        else:
            connection.exec_driver_sql(
                self.sql, [dict(zip(EventRow._fields, row, strict=True)) for row in values]
            )


def _time_converter(convert: Callable[[Any], Any] | None) -> Callable[[datetime], Any] | None:
    """Return the column type's converter for a time, or a faster one that writes exactly the same."""
    if convert is None:
        return None
    samples = (datetime(2026, 3, 29, 1, 59, 59, 999_999), datetime(2026, 11, 26, 10, 0))
    if all(_iso_text(sample) == convert(sample) for sample in samples):
        # SQLite's DATETIME text, from datetime's own C code: cheaper than the type's (docs/performance.md).
        return _iso_text
    return convert


def _iso_text(at: datetime) -> str:
    return at.isoformat(" ", "microseconds")


def _row(mapping: Any) -> Row:
    values = dict(mapping)
    del values["id"]  # the table's own order, never reported
    values["at"] = values["at"].replace(tzinfo=UTC)
    return Row(**values)


def as_row(event_: CallEvent) -> EventRow:
    """Return the table row for one event, with the time as naive UTC and only a valid key."""
    return EventRow(
        event_.call[:32],
        to_utc_naive(event_.at),
        event_.route[:32],
        event_.event[:32],
        event_.menu[:16],
        storable_key(event_.key),
        event_.line[:LINE_LENGTH],
    )
