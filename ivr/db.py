"""The line's one database: every table, and the engine with its time limits, in SQLite or PostgreSQL.

The statistics (ivr/stats/), the callback list (ivr/callbacks/), the SMS ledger (ivr/sms/), staff's
closures (ivr/closures/), the published content (ivr/versions/) and the staff login's throttle
(ivr/login_failures.py) keep their tables here, in one
MetaData, so that one chain of Alembic revisions (ivr/migrations/) versions them all. Those modules read and
write; only `ivr db upgrade` changes the schema, and only a new SQLite file is made here, at the schema's
head, as the revisions would make it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)
DEFAULT_FILE = "ivr-stats.sqlite"
# Time limits, so a database that hangs never holds a worker longer than Twilio waits for a call's step:
# seconds to connect (PostgreSQL), a statement's longest run (PostgreSQL; a staff page sets its own, shorter),
# and how long a SQLite writer waits for another process's write before giving up.
CONNECT_SECONDS = 5
STATEMENT_SECONDS = 30
SQLITE_BUSY_SECONDS = 5
# What SQLite keeps beside a database file in WAL mode; a deleted file's are stale.
SQLITE_SIDE_FILES = ("-wal", "-shm")
# The Alembic revisions that make and change this schema.
MIGRATIONS = Path(__file__).with_name("migrations")
# A file's identity: a deleted and recreated (or replaced) file has another.
FileId = tuple[int, int]
# The longest line id a content file accepts (ivr/line/content.py, LINE_ID).
LINE_LENGTH = 40
# An auto-numbered key: BIGINT on PostgreSQL; SQLite only auto-numbers a column declared INTEGER.
SERIAL = BigInteger().with_variant(Integer, "sqlite")
# The longest reason a closure may give callers (a few words, said mid-sentence).
REASON_LENGTH = 60
# The longest staff account name (ivr/staff_accounts.py): it is what the access logs say of who did what.
STAFF_NAME_LENGTH = 40

metadata = MetaData()

# The statistics (ivr/stats/store.py). Times are UTC without zone, alike in every database.
call_events = Table(
    "call_events",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    # Not indexed: every query selects by time, and an index on random hashes costs each insert the most.
    Column("call", String(32), nullable=False),
    Column("at", DateTime(), nullable=False, index=True),
    Column("route", String(32), nullable=False),
    Column("event", String(32), nullable=False),
    Column("menu", String(16), nullable=False),
    Column("key", String(1)),
    # The line the call reached (its content's id); "" for the events of before there were several lines.
    # Last, as in CallEvent, and as the revision that added it left it.
    Column("line", String(LINE_LENGTH), nullable=False, default="", server_default=""),
)
# Counts kept as events are written (ivr/stats/rollup.py), so reports never read every event.
call_hours = Table(
    "call_hours",
    metadata,
    Column("hour", DateTime(), primary_key=True),  # the hour's start
    Column("line", String(LINE_LENGTH), primary_key=True),
    Column("event", String(32), primary_key=True),
    Column("menu", String(16), primary_key=True),
    Column("n", BigInteger(), nullable=False),
    # Of the `n`, how many came by speech (the route SPEECH_ROUTE). A column beside the count rather than
    # the route in the key or a table of its own: a report reads the same rows, and a batch is still one
    # upsert per (hour, line, event, menu). Its default lets a worker of before the column go on adding rows.
    Column("speech", BigInteger(), nullable=False, default=0, server_default="0"),
    # One line's report, and the lines there are, without reading the other lines' hours.
    Index("call_hours_line_hour", "line", "hour"),
)
call_last = Table(
    "call_last",
    metadata,
    Column("call", String(32), primary_key=True),
    Column("line", String(LINE_LENGTH), primary_key=True),
    Column("first_at", DateTime(), nullable=False),
    Column("last_at", DateTime(), nullable=False),
    Column("event", String(32), nullable=False),
    Column("menu", String(16), nullable=False),
    Index("call_last_last_at", "last_at"),
    Index("call_last_line_last_at", "line", "last_at"),
)

# Failed staff logins, for the throttle every worker shares (ivr/login_failures.py): a keyed hash of the
# client's address and when; never the address itself, the user name typed or the password.
login_failures = Table(
    "staff_login_failures",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("client", String(32), nullable=False),
    Column("at", DateTime(), nullable=False),
    Index("staff_login_failures_client_at", "client", "at"),
)

# The SMS ledger (ivr/sms/ledger.py). One row per call that was sent a message; `call` is the call's keyed
# hash (ivr.line.events.call_hash).
sms_calls = Table(
    "sms_calls",
    metadata,
    Column("call", String(32), primary_key=True),
    Column("at", DateTime(), nullable=False, index=True),
)
# One row per message to a number on a day: slots 1 to the day's limit, so one more has no free key.
# `number` is a keyed hash of the number, never the number.
sms_numbers = Table(
    "sms_numbers",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("day", Date(), primary_key=True),
    Column("slot", SmallInteger(), primary_key=True),
    Column("at", DateTime(), nullable=False),
)

# The caps that make abuse cost the attacker, not the clinic (ivr/caps.py): one row per cap, key and window,
# counting what was allowed in it. `key` is a line's id or a keyed hash of a call, never a number.
cap_counts = Table(
    "cap_counts",
    metadata,
    Column("cap", String(32), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("window", DateTime(), primary_key=True),
    Column("count", Integer(), nullable=False),
)

# The callback list (ivr/callbacks/desk.py).
callback_requests = Table(
    "callback_requests",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("line", String(LINE_LENGTH), nullable=False),
    # Fernet token of the number: its only form at rest.
    Column("number", String(200), nullable=False),
    # Keyed hash of the number: one pending request per number and line, found without decrypting.
    Column("number_hash", String(64), nullable=False),
    Column("asked_at", DateTime(), nullable=False),
    Column("attempts", Integer(), nullable=False, default=0),
    Column("last_attempt_at", DateTime()),
    # Who of the staff last rang without reaching the caller.
    Column("last_attempt_by", String(64)),
    # Whether the caller keyed the number in (else it is the number they rang from); None: asked before
    # revision 0006, not known.
    Column("keyed", Boolean()),
    # "Ringet op": who and when. The row (and the number) is kept UNDO_SECONDS for an undo, then deleted.
    Column("done_at", DateTime()),
    Column("done_by", String(64)),
    UniqueConstraint("line", "number_hash", name="callback_requests_one_per_number"),
    # Requests are deleted (done, expired): without AUTOINCREMENT SQLite would give the highest deleted id to
    # the next request, and the access log would name two requests by one id (PostgreSQL's sequence never
    # reuses one).
    sqlite_autoincrement=True,
)
callback_access = Table(
    "callback_access",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("at", DateTime(), nullable=False),
    # The staff user, or "caller" / "system": never a number.
    Column("who", String(64), nullable=False),
    # "asked" (a caller), "viewed", "done", "undone" (within a minute of "done"), "not_reached", "deleted"
    # (expired, or a minute after "done")
    Column("action", String(16), nullable=False),
    Column("request", BigInteger()),
    Column("line", String(LINE_LENGTH)),
    # For "done": hours from the request to the call back, for the statistics.
    Column("hours", Float()),
)


# The spells staff close a line's secretariat for (ivr/closures/book.py), from `starts` up to `ends` (UTC
# without zone). A removed one is kept, marked, so nothing staff did is lost.
closures = Table(
    "closures",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("line", String(LINE_LENGTH), nullable=False),
    Column("starts", DateTime(), nullable=False),
    Column("ends", DateTime(), nullable=False),
    # Said to callers mid-sentence: "på grund af {reason}".
    Column("reason", String(REASON_LENGTH), nullable=False),
    Column("made_by", String(64), nullable=False),
    Column("made_at", DateTime(), nullable=False),
    Column("removed_by", String(64)),
    Column("removed_at", DateTime()),
    Index("closures_line_ends", "line", "ends"),
)
# Every change to the closures: who, when, what ("added", "removed") and the closure as staff read it.
closure_log = Table(
    "closure_log",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("at", DateTime(), nullable=False),
    Column("who", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("closure", BigInteger(), nullable=False),
    Column("line", String(LINE_LENGTH), nullable=False),
    Column("what", String(200), nullable=False),
)
# Each line's published content (`ivr publish`): every version kept, the newest one live on every node.
content_versions = Table(
    "content_versions",
    metadata,
    Column("id", SERIAL, primary_key=True, autoincrement=True),
    Column("line", String(LINE_LENGTH), nullable=False),
    Column("version", Integer(), nullable=False),
    # The content file's TOML, as it was checked when published.
    Column("text", Text(), nullable=False),
    Column("who", String(64), nullable=False),
    Column("at", DateTime(), nullable=False),
    # The version whose text this one brought back (`ivr publish --restore N`), else NULL.
    Column("restored_from", Integer()),
    # Two nodes publishing at once cannot both take the same number: one is refused and tries again.
    UniqueConstraint("line", "version", name="content_versions_line_version"),
)

# The named staff accounts of the staff pages (ivr/staff_accounts.py; `ivr staff add`): a werkzeug password
# hash each, never a password.
staff_users = Table(
    "staff_users",
    metadata,
    Column("name", String(STAFF_NAME_LENGTH), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("added_at", DateTime(), nullable=False),
    Column("added_by", String(64), nullable=False),
)


def default_url(instance_path: str | os.PathLike[str]) -> str:
    """Return the SQLite URL of the default database file in the app's instance folder."""
    return f"sqlite:///{Path(instance_path) / DEFAULT_FILE}"


def to_utc_naive(at: datetime) -> datetime:
    """Return `at` as naive UTC, as the tables keep times."""
    if at.tzinfo is None:
        raise ValueError("the time must carry a time zone")
    # The clock reads UTC already: skip the conversion then (it is a large part of an event row's cost).
    return (at if at.tzinfo is UTC else at.astimezone(UTC)).replace(tzinfo=None)


def sqlite_file(url: str) -> Path | None:
    """Return the SQLite database file a URL names, or None (another database, memory, a URI filename)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def create_engine(
    url: str, *, statement_seconds: float | None = STATEMENT_SECONDS, schema: bool = False
) -> Engine:
    """Create an engine with the time limits; SQLite gets WAL so several processes can read and write.

    `schema`: for changing the schema, with no statement limit (an upgrade may count a year of events), and
    on SQLite each transaction taking the write lock at its start, so DDL belongs to it and two upgrades
    cannot interleave.
    """
    # hide_parameters: driver errors would otherwise quote the rows; the log needs the error, not the data.
    if make_url(url).get_backend_name() != "sqlite":
        # TCP keepalives: a connection whose server or network went away for good fails within about 25 s
        # rather than hold the statistics writer (or a request's helper thread) until the OS gives up.
        options: dict[str, Any] = {
            "connect_timeout": CONNECT_SECONDS,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }
        if statement_seconds is not None and not schema:
            options["options"] = f"-c statement_timeout={int(statement_seconds * 1000)}"
        return sqlalchemy.create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=options)
    if (path := sqlite_file(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, hide_parameters=True
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    if schema:
        # SQLAlchemy's recipe for pysqlite, which otherwise begins a transaction only before DML.
        event.listen(engine, "connect", _sqlite_manual_transactions)
        event.listen(engine, "begin", _sqlite_begin_immediate)
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


def _sqlite_manual_transactions(connection: Any, _record: object) -> None:
    connection.isolation_level = None


def _sqlite_begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@cache
def scripts() -> ScriptDirectory:
    """The schema's Alembic revisions (read once per process)."""
    # Alembic (with Mako and Pygments, about 10 MiB) is imported only where the schema is made or checked: a
    # worker whose database exists never needs it (docs/performance.md, memory).
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    """The revision this code's schema is at."""
    found = scripts().get_current_head()
    assert found is not None  # the package ships its revisions
    return found


def create(connection: Connection) -> None:
    """Make the whole schema in an empty database and mark it as at the head revision.

    What the revisions make, made at once: a test checks that both give the same schema.
    """
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415  (as in scripts())

    metadata.create_all(connection)
    MigrationContext.configure(connection).stamp(scripts(), "head")


class Database:
    """One database URL's engine in this process: made on first use, once per process (a fork makes its own).

    A SQLite file that is not there is made at the schema's head. One deleted (or replaced) while in use is
    noticed at the next use and made anew: otherwise the open connections would go on writing into the
    deleted file.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._pid = 0
        self._file = sqlite_file(url)
        self._file_id: FileId | None = None

    @property
    def engine(self) -> Engine:
        """Return this process's engine, creating it on first use, after a fork, or after the file went."""
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
                        "database: the file %s was deleted or replaced while in use; making it anew",
                        self._file,
                    )
                    # SQLite leaves a moved or deleted file's write-ahead log alone when these close.
                    self._engine.dispose()
                    self._connect(pid)
        assert self._engine is not None  # set by _connect
        return self._engine

    def _connect(self, pid: int) -> None:
        """Create this process's engine; make a missing SQLite file and note which file it opened."""
        if self._file is not None:
            self._file_id = _open_file(self.url, self._file)
        self._engine, self._pid = create_engine(self.url), pid

    def _file_gone(self) -> bool:
        """Tell whether the SQLite file opened is no longer at its path (one stat per use)."""
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
        """Connect now, so the first use finds everything ready."""
        with self.engine.connect():
            pass

    def dispose(self) -> None:
        """Close this process's connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _open_file(url: str, path: Path, attempts: int = 5) -> FileId:
    """Make the SQLite file at the schema's head if it is missing; return the file's id.

    When the file is missing, its -wal and -shm belong to a deleted database, and other workers may still
    have them open: a new file that took them over would share the old write-ahead index and fail (disk I/O
    errors). The folder's lock makes workers that notice together take turns, so none removes the -wal and
    -shm of a file another has just made.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(attempts - 1):
        try:
            return _made(url, path)
        except OperationalError:
            # A file system without locks: another process made the tables between our look and our CREATE.
            time.sleep(0.1 * (attempt + 1))
    return _made(url, path)


def _made(url: str, path: Path) -> FileId:
    """Under the folder's lock: make the file if it is missing, clearing a deleted file's leftovers first."""
    with folder_lock(path.parent):
        if not path.exists():
            for suffix in SQLITE_SIDE_FILES:
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            _make(url)
        info = os.stat(path)
    return (info.st_dev, info.st_ino)


def _make(url: str) -> None:
    """Make a new SQLite file at the schema's head, in one transaction."""
    engine = create_engine(url, schema=True)
    try:
        with engine.begin() as connection:
            create(connection)
    finally:
        engine.dispose()


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
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


def drop_all(engine: Engine) -> None:
    """Drop every table and the schema's revision (tests only)."""
    metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
