"""Where call events are kept: one table, through SQLAlchemy, in SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ivr.line.events import CallEvent
from ivr.line.keypad import KEYPAD
from ivr.stats import rollup
from ivr.stats.report import Period, Report
from ivr.stats.report import build as build_report

log = logging.getLogger(__name__)
DEFAULT_FILE = "ivr-stats.sqlite"
# Seconds a SQLite writer waits for another process's write to finish before giving up.
SQLITE_BUSY_SECONDS = 30
# What SQLite keeps beside a database file in WAL mode; a deleted file's are stale.
SQLITE_SIDE_FILES = ("-wal", "-shm")
# A file's identity: a deleted and recreated (or replaced) file has another.
FileId = tuple[int, int]
# The longest line id a content file accepts (ivr/line/content.py, LINE_ID).
LINE_LENGTH = 40

metadata = MetaData()
call_events = Table(
    "call_events",
    metadata,
    # BIGINT on PostgreSQL; SQLite only auto-numbers a column declared INTEGER.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    # Not indexed: every query selects by time, and an index on random hashes costs each insert the most.
    Column("call", String(32), nullable=False),
    Column("at", DateTime(), nullable=False, index=True),  # UTC, without zone, alike in every database
    Column("route", String(32), nullable=False),
    Column("event", String(32), nullable=False),
    Column("menu", String(16), nullable=False),
    Column("key", String(1)),
    # The line the call reached (its content's id); "" for the events of before there were several lines.
    # Last, as in CallEvent; a database made before it had the column gets it (`_upgrade`).
    Column("line", String(LINE_LENGTH), nullable=False, default="", server_default=""),
)
# Counts kept as events are written (ivr/stats/rollup.py), so reports never read every event.
call_hours, call_last = rollup.tables(metadata, LINE_LENGTH)
# Failed staff logins, for the throttle every worker shares (ivr/staff.py): a keyed hash of the client's
# address and when; never the address itself, the user name typed or the password.
login_failures = Table(
    "staff_login_failures",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("client", String(32), nullable=False),
    Column("at", DateTime(), nullable=False),  # UTC, without zone
    Index("staff_login_failures_client_at", "client", "at"),
)


class EventRow(CallEvent):
    """A CallEvent as it is inserted: `at` as naive UTC, `key` only when it is a single valid key."""

    # A named tuple's subclass: the same fields, and no per-row __dict__.
    __slots__ = ()


@dataclass(frozen=True)
class Row:
    """One stored call event, as the reports read it back; `at` is aware UTC."""

    id: int
    call: str
    at: datetime
    route: str
    event: str
    menu: str
    key: str | None
    line: str = ""


def default_url(instance_path: str | os.PathLike[str]) -> str:
    """Return the SQLite URL of the default database file in the app's instance folder."""
    return f"sqlite:///{Path(instance_path) / DEFAULT_FILE}"


def to_utc_naive(at: datetime) -> datetime:
    """Return `at` as naive UTC, as the table keeps it."""
    if at.tzinfo is None:
        raise ValueError("the time must carry a time zone")
    # The clock reads UTC already: skip the conversion then (it is a large part of a row's cost).
    return (at if at.tzinfo is UTC else at.astimezone(UTC)).replace(tzinfo=None)


def storable_key(key: str | None) -> str | None:
    """Keep a single pressed key; drop anything longer or odd, which a caller cannot send."""
    return key if key is not None and len(key) == 1 and key in KEYPAD else None


class Store:
    """The call-events table at one database URL; connects lazily, once per process.

    A SQLite file deleted (or replaced) while in use is noticed at the next write or read, and the file and
    its table are made anew: otherwise the open connections would go on writing into the deleted file.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._pid = 0
        self._insert: _Insert | None = None
        self._file = sqlite_file(url)
        self._file_id: FileId | None = None

    @property
    def engine(self) -> Engine:
        """Return this process's engine, creating it (and the schema) on first use or after the file went."""
        pid = os.getpid()
        if self._engine is None or self._pid != pid or self._file_gone():
            with self._lock:
                if self._engine is None or self._pid != pid:
                    if self._engine is not None:
                        # Inherited through fork: leave the parent's connections to the parent.
                        self._engine.dispose(close=False)
                    self._connect(pid)
                elif self._file_gone():
                    log.warning(
                        "statistics: the database file %s was deleted or replaced while in use; "
                        "making it anew",
                        self._file,
                    )
                    # SQLite leaves a moved or deleted file's write-ahead log alone when these close.
                    self._engine.dispose()
                    self._connect(pid)
        assert self._engine is not None  # set by _connect
        return self._engine

    def _connect(self, pid: int) -> None:
        """Create this process's engine and the schema; note which file it opened."""
        engine = _create_engine(self.url)
        if self._file is None:
            create_schema(engine)
        else:
            self._file_id = _create_file(engine, self._file)
        self._insert = _Insert(engine)
        self._engine, self._pid = engine, pid

    def _file_gone(self) -> bool:
        """Tell whether the SQLite file opened is no longer at its path (one stat per write or read)."""
        if self._file is None:
            return False
        try:
            info = os.stat(self._file)
        except FileNotFoundError:
            return True
        except OSError:
            # Unreadable folder, say: the database itself will report that, more clearly.
            return False
        return (info.st_dev, info.st_ino) != self._file_id

    def open(self) -> None:
        """Connect and make sure the table is there, so the first call event finds everything ready."""
        with self.engine.connect():
            pass

    def add(self, rows: Sequence[EventRow]) -> None:
        """Insert event rows in one transaction."""
        if not rows:
            return
        engine = self.engine
        assert self._insert is not None  # set with the engine
        with engine.begin() as connection:
            self._insert(connection, rows)
            rollup.add(connection, call_hours, call_last, rows)

    def rows(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        seconds: float | None = None,
        *,
        line: str | None = None,
    ) -> list[Row]:
        """Return the events with since <= at < until (aware datetimes), oldest first; of one line if given.

        With `seconds`, the database stops the query after that long (SQLAlchemy's OperationalError), so a
        staff page can never hold a worker for long.
        """
        query = select(call_events).order_by(call_events.c.at, call_events.c.id)
        if line is not None:
            query = query.where(call_events.c.line == line)
        if since is not None:
            query = query.where(call_events.c.at >= to_utc_naive(since))
        if until is not None:
            query = query.where(call_events.c.at < to_utc_naive(until))
        with self.engine.begin() as connection, _time_limit(connection, seconds):
            return [_row(mapping) for mapping in connection.execute(query).mappings()]

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
        with self.engine.begin() as connection, _time_limit(connection, seconds):
            return rollup.build(connection, call_events, call_hours, call_last, period, line=line)

    def report(self, period: Period, seconds: float | None = None, *, line: str | None = None) -> Report:
        """The period's report, of all lines or one: from the counts kept, else (odd zones) from the rows."""
        summary = self.summary(period, seconds, line=line)
        if summary is not None:
            return summary
        return build_report(self.rows(*period.bounds(), seconds, line=line), period)

    def lines(self, seconds: float | None = None) -> list[str]:
        """Return the ids of the lines the statistics hold, in order ("" for events from before lines)."""
        with self.engine.begin() as connection, _time_limit(connection, seconds):
            return rollup.lines(connection, call_hours)

    def login_failures(self, client: str, since: datetime) -> list[datetime]:
        """Return the times (aware UTC) of a client's failed staff logins since `since`, oldest first."""
        query = (
            select(login_failures.c.at)
            .where(login_failures.c.client == client, login_failures.c.at >= to_utc_naive(since))
            .order_by(login_failures.c.at)
        )
        with self.engine.connect() as connection:
            return [at.replace(tzinfo=UTC) for at in connection.execute(query).scalars()]

    def add_login_failure(self, client: str, at: datetime, forget_before: datetime) -> None:
        """Note a failed staff login; forget failures older than `forget_before`, which no longer count."""
        with self.engine.begin() as connection:
            old = login_failures.c.at < to_utc_naive(forget_before)
            connection.execute(delete(login_failures).where(old))
            connection.execute(insert(login_failures).values(client=client, at=to_utc_naive(at)))

    def clear_login_failures(self, client: str) -> None:
        """Forget a client's failed logins once it has logged in."""
        with self.engine.begin() as connection:
            connection.execute(delete(login_failures).where(login_failures.c.client == client))

    def dispose(self) -> None:
        """Close this process's connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


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


@contextlib.contextmanager
def _time_limit(connection: Connection, seconds: float | None) -> Iterator[None]:
    """Stop the statements after `seconds`: PostgreSQL's statement_timeout, SQLite's interrupt."""
    if seconds is None:
        yield
        return
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(seconds * 1000)}")
        yield
        return
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + seconds
    # SQLite calls this every so many steps of its virtual machine; a true answer interrupts the statement.
    raw.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)  # type: ignore[union-attr]


def _row(mapping: Any) -> Row:
    values = dict(mapping)
    values["at"] = values["at"].replace(tzinfo=UTC)
    return Row(**values)


def sqlite_file(url: str) -> Path | None:
    """Return the SQLite database file a URL names, or None (another database, memory, a URI filename)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def _create_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout so several processes can write."""
    # hide_parameters: driver errors would otherwise quote the rows; the log needs the error, not the data.
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if (path := sqlite_file(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    """Let readers and writers of several processes share the file without blocking each other."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Workers only append, which touches the last pages of the table and its index: a small page cache holds
    # them. A larger one grows a worker's memory as a new database grows (docs/performance.md).
    cursor.execute("PRAGMA cache_size=-64")
    cursor.close()


def _create_file(engine: Engine, path: Path) -> FileId:
    """Create the schema in a SQLite file, clearing a deleted file's leftovers first; return the file's id.

    When the file is missing, its -wal and -shm belong to the deleted database, and other workers may still
    have them open: a new file that took them over would share the old write-ahead index and fail (disk I/O
    errors). The folder's lock makes workers that notice together take turns, so none removes the -wal and
    -shm of a file another has just made.
    """
    with _folder_lock(path.parent):
        if not path.exists():
            for suffix in SQLITE_SIDE_FILES:
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        create_schema(engine)
        info = os.stat(path)
    return (info.st_dev, info.st_ino)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder across processes (flock); go on unlocked if it cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # a file system without locks: go on unlocked
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def create_schema(engine: Engine, attempts: int = 5) -> None:
    """Create the table if missing; workers starting together may race, so try again on a clash."""
    for attempt in range(attempts):
        try:
            metadata.create_all(engine, checkfirst=True)
            _upgrade(engine)
            _backfill(engine)
            return
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
            # Another process created the table between our check and our CREATE: look again.
            time.sleep(0.1 * (attempt + 1))


def _outdated(connection: Connection) -> set[str]:
    """Name the tables made before the statistics knew lines: those without a `line` column."""
    inspector = inspect(connection)
    return {
        table.name
        for table in (call_events, call_hours, call_last)
        if "line" not in {column["name"] for column in inspector.get_columns(table.name)}
    }


def _counts_speech(connection: Connection) -> bool:
    """Tell whether `call_hours` has its `speech` column (a database from before it has not)."""
    columns = inspect(connection).get_columns(call_hours.name)
    return call_hours.c.speech.name in {column["name"] for column in columns}


def _upgrade(engine: Engine) -> None:
    """Bring a database from before lines, or before speech was counted, up to date, once, in one transaction.

    The events get the `line` column ("" for every event already kept: they were all of the one line). The
    roll-ups are keyed by line, a new primary key, so they are made anew: their counts copied with the line ""
    when the events have only just got the column, else counted again from the events (a year of a busy line
    takes half a minute that way, and the copy well under a second).

    `call_hours` gets the `speech` column (0 by default), and the events kept that came by speech are counted
    into it, so a report of the hours before the upgrade shows their choices by speech too, not as keys.
    """
    with engine.connect() as connection:
        # The usual case, without taking any lock: every table is up to date already.
        if not _outdated(connection) and _counts_speech(connection):
            return
    with engine.begin() as connection:
        _lock_for_upgrade(connection)
        # Another worker may have upgraded while this one waited.
        outdated, speech = _outdated(connection), _counts_speech(connection)
        if call_events.name in outdated:
            column = call_events.c.line
            kind = column.type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE {call_events.name} ADD COLUMN {column.name} {kind} NOT NULL DEFAULT ''"
            )
        if outdated & {call_hours.name, call_last.name}:
            _remake_rollups(connection, copy=call_events.name in outdated)
        if outdated:
            log.info("statistics: the database now keeps each event's line (%s)", ", ".join(sorted(outdated)))
        if not speech:
            _add_speech(connection)


def _add_speech(connection: Connection) -> None:
    """Give `call_hours` its `speech` column (unless just made anew with it) and count the events into it."""
    if not _counts_speech(connection):
        column = call_hours.c.speech
        kind = column.type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(
            f"ALTER TABLE {call_hours.name} ADD COLUMN {column.name} {kind} NOT NULL DEFAULT 0"
        )
    said = rollup.count_speech(connection, call_events, call_hours)
    log.info("statistics: the counts now say which events came by speech (%d so far)", said)


def _remake_rollups(connection: Connection, *, copy: bool) -> None:
    """Make the roll-ups anew, keyed by line: copy the old counts as the line "", or count the events anew."""
    old = {table.name: f"{table.name}_before_lines" for table in (call_hours, call_last)}
    # Index names are the schema's, not the table's: the old one must go before the new table makes its own.
    connection.exec_driver_sql("DROP INDEX IF EXISTS call_last_last_at")
    for name, renamed in old.items():
        connection.exec_driver_sql(f"ALTER TABLE {name} RENAME TO {renamed}")
    metadata.create_all(connection, tables=[call_hours, call_last])
    if copy:
        # Every event is of the line "" (the column is new), so the old counts are exactly that line's.
        connection.exec_driver_sql(
            f"INSERT INTO {call_hours.name} (hour, line, event, menu, n)"
            f" SELECT hour, '', event, menu, n FROM {old[call_hours.name]}"
        )
        connection.exec_driver_sql(
            f"INSERT INTO {call_last.name} (call, line, first_at, last_at, event, menu)"
            f" SELECT call, '', first_at, last_at, event, menu FROM {old[call_last.name]}"
        )
    else:
        rollup.backfill(connection, call_events, call_hours, call_last)
    for renamed in old.values():
        connection.exec_driver_sql(f"DROP TABLE {renamed}")


def _lock_for_upgrade(connection: Connection) -> None:
    """Make workers starting together upgrade one at a time, the others waiting in this transaction."""
    if connection.dialect.name == "postgresql":
        # Held to the end of the transaction; PostgreSQL's schema changes are part of it.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
    else:
        # Take SQLite's write lock now; the schema changes after it belong to this transaction too.
        connection.exec_driver_sql(f"DELETE FROM {call_events.name} WHERE 0")


# The key of PostgreSQL's advisory lock around the upgrade ("ivr-line" in ASCII).
UPGRADE_LOCK = 0x6976722D6C696E65


def _backfill(engine: Engine) -> None:
    """Count the events of a database from before the roll-ups existed into them, once, in one transaction."""
    with engine.connect() as connection:
        # The usual case, without taking any lock: the counts are there already.
        if connection.execute(select(call_hours.c.hour).limit(1)).first() is not None:
            return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Workers starting together: one fills, the others wait and then find it filled.
            connection.exec_driver_sql("LOCK TABLE call_hours IN EXCLUSIVE MODE")
        else:
            # Take SQLite's write lock now, so a second worker waits rather than counting everything again.
            connection.exec_driver_sql("DELETE FROM call_hours WHERE 0")
        if rollup.backfill(connection, call_events, call_hours, call_last):
            log.info("statistics: counted the stored events into the roll-up tables")


def drop_schema(engine: Engine) -> None:
    """Drop the table (tests only)."""
    metadata.drop_all(engine)


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
