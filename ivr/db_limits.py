"""How long anyone waits for the database, and trying a transaction again when the database asks for it.

A caller must never wait on the database: a query on a call's path (the SMS limits, a callback request) and
the staff login's throttle run through `within`, which sets the database's own limits for that one transaction
(PostgreSQL's statement_timeout and lock_timeout, SQLite's busy timeout and an interrupt) and also waits no
longer than that itself. The database's limits cannot help when the database does not run at all (a frozen
server or backend, an NFS mount that hangs): the transaction then runs on a helper thread that the request
leaves behind, and the caller hears the usual fallback on time. SQLAlchemy and the drivers have no client-side
time limit of their own (psycopg waits on its socket for as long as it takes).

`retried` runs a transaction again after a deadlock or serialization failure (PostgreSQL) or a busy SQLite
file: the statistics writers of several nodes meet on the same roll-up rows.
"""

from __future__ import annotations

import contextlib
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ivr.db import SQLITE_BUSY_SECONDS, Database

log = logging.getLogger(__name__)
T = TypeVar("T")
# The longest a call's step waits for the database (an SMS claim, a callback request) before the caller hears
# the usual fallback: with the rest of the step's work, well within the 2 s a caller is promised.
CALL_SECONDS = 1.0
# The longest a staff page waits for each query of the login's throttle before answering 503 (Retry-After):
# the throttle asks at most twice per page, so a page answers within 5 s.
STAFF_SECONDS = 2.0
# How often a transaction is tried in all when the database reports a deadlock or serialization failure.
ATTEMPTS = 5
# PostgreSQL's SQLSTATEs that say "try the transaction again": deadlock_detected, serialization_failure.
RETRY_STATES = frozenset({"40P01", "40001"})


class Stalled(SQLAlchemyError):  # noqa: N818  (what it says: the database stalled)
    """The database did not answer within the time the caller or staff member may wait."""


def transient(error: BaseException) -> bool:
    """Tell whether the same transaction may well succeed when tried again (deadlock, serialization, busy)."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) in RETRY_STATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


def retried(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run `work` (one whole transaction); after a transient failure, pause at random and run it again."""
    for attempt in range(1, attempts):
        try:
            return work()
        except DBAPIError as error:
            if not transient(error):
                raise
            # Random, so two writers that met do not meet again; doubling, so a busy database gets room.
            pause = random.uniform(0.01, 0.05) * 2 ** (attempt - 1)
            log.info("database: %s, trying again (%d of %d)", _what(error), attempt + 1, attempts)
            time.sleep(pause)
    return work()


def _what(error: DBAPIError) -> str:
    """Name a transient failure without its message, which may quote the rows."""
    state = getattr(error.orig, "sqlstate", None)
    return {"40P01": "deadlock", "40001": "serialization failure"}.get(state or "", "database busy")


def within(database: Database, seconds: float, work: Callable[[Connection], T]) -> T:
    """Run `work` in one transaction on `database`, stopped by the database after `seconds`; wait no longer.

    Raises Stalled when the answer does not come in time; the transaction then goes on alone on its thread
    until the database stops it (or, when the database runs again, finds it too late and does nothing).
    """
    deadline = time.monotonic() + seconds
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, _limited(database, deadline, work)))
        except BaseException as error:  # handed to the waiting request as it is
            outcome.append((False, error))

    # A daemon thread: one stuck on a frozen database must not keep a stopping worker alive.
    helper = threading.Thread(target=run, name="ivr-db-within", daemon=True)
    helper.start()
    # A little beyond the database's own limit, so its own error (the clearer one) usually comes first.
    helper.join(seconds + 0.2)
    if not outcome:
        raise Stalled(f"the database did not answer within {seconds:g} s")
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]


def _limited(database: Database, deadline: float, work: Callable[[Connection], T]) -> T:
    """Open a transaction with the time left as its limit; do nothing when that time is gone already."""
    with database.engine.begin() as connection:
        left = deadline - time.monotonic()
        if left <= 0:
            # Connecting took the time (a frozen database that thawed): the caller has had the fallback, so
            # nothing is written that the caller was told did not happen.
            raise Stalled("the database answered too late")
        with time_limit(connection, left):
            result = work(connection)
        if time.monotonic() > deadline:
            # The work got through after all, but late (a statement that swallowed its own lock timeout, the
            # lock gone since): rolled back, as the caller has had the fallback by now.
            raise Stalled("the database answered too late")
        return result


@contextlib.contextmanager
def time_limit(connection: Connection, seconds: float | None) -> Iterator[None]:
    """Stop the transaction's statements and lock waits after `seconds` (PostgreSQL's limits, SQLite's
    busy timeout and interrupt); None leaves the engine's limits."""
    if seconds is None:
        yield
        return
    milliseconds = max(1, int(seconds * 1000))
    if connection.dialect.name == "postgresql":
        # SET LOCAL: until the transaction ends, so a pooled connection goes back with the engine's limits.
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")
        yield
        return
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + seconds
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
    # SQLite calls this every so many steps of its virtual machine; a true answer interrupts the statement.
    raw.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)  # type: ignore[union-attr]
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
