"""A database that stalls, for bench/stalls.py and the tests (tests/support.py): its lock held, or its
PostgreSQL backends frozen, as a hung server or network would behave."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from ivr.db import sqlite_file


def libpq_url(url: str) -> str:
    """The SQLAlchemy PostgreSQL URL as libpq (psycopg itself) reads it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def can_freeze(url: str) -> bool:
    """Tell whether this process may stop the PostgreSQL backends serving the database (the same user)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as asker:
        try:
            for pid in _backends(asker):
                os.kill(pid, 0)
        except PermissionError:
            return False
    return True


def _backends(connection: psycopg.Connection[tuple[int]]) -> list[int]:
    """The client backends serving the database, but the one asking."""
    found = connection.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    return [row[0] for row in found]


def _parent(pid: int | None) -> list[int]:
    """The backend's parent (the postmaster), where /proc tells it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii") if pid else ""
    except OSError:
        return []
    return [int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")]


@contextmanager
def stalled(url: str, how: str, tables: tuple[str, ...]) -> Iterator[None]:
    """Make the database stall while inside.

    "lock" holds `tables` (SQLite: its write lock) in another connection's open transaction; "freeze"
    SIGSTOPs every PostgreSQL backend serving the database (the test's connections, pooled and idle), as a
    frozen server or network would behave, and SIGCONTs them after.
    """
    path = sqlite_file(url)
    if path is not None:
        assert how == "lock", "a SQLite file can only be locked"
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            writer.rollback()
            writer.close()
        return
    with psycopg.connect(libpq_url(url), autocommit=how == "freeze") as holder:
        if how == "lock":
            holder.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
            yield
            holder.rollback()
            return
        # The server's postmaster too, so a new connection hangs as well (a frozen server accepts none):
        # else a request that finds the pool's connections taken opens one to a backend that runs.
        own = holder.execute("SELECT pg_backend_pid()").fetchone()
        backends = [*_backends(holder), *_parent(own[0] if own else None)]
        stopped = []
        watchdog = _watchdog(backends)
        try:
            for pid in backends:
                os.kill(pid, signal.SIGSTOP)  # PermissionError where they are another user's
                stopped.append(pid)
            yield
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
            watchdog.kill()
            watchdog.wait()


# How long a freeze may last at most: the watchdog resumes the server then, whatever the freezer is doing.
FREEZE_SECONDS = 120
# The watchdog, in a process of its own: it resumes the frozen server when the process that froze it is gone
# (a test run killed, or interrupted twice) or FREEZE_SECONDS have passed; a `finally` cannot run after
# SIGKILL, and a server left stopped fails every later test and benchmark on it.
_WATCHDOG = """
import os, signal, sys, time
parent, until, pids = int(sys.argv[1]), time.monotonic() + float(sys.argv[2]), [int(p) for p in sys.argv[3:]]
while os.getppid() == parent and time.monotonic() < until:
    time.sleep(0.2)
for pid in pids:
    try:
        os.kill(pid, signal.SIGCONT)
    except OSError:
        pass
"""


def _watchdog(pids: list[int]) -> subprocess.Popen[bytes]:
    """Start the watchdog that resumes `pids` if this process dies while they are stopped."""
    command = [sys.executable, "-I", "-c", _WATCHDOG, str(os.getpid()), str(FREEZE_SECONDS), *map(str, pids)]
    # Its own session: a Ctrl-C to the test run's process group does not stop it.
    return subprocess.Popen(command, start_new_session=True)
