"""Caps shared by every node: how much a line may spend (SMS, the secretariat's time) in an hour or a day.

Each cap counts in the line's database (ivr/db.py's `cap_counts`), one row per cap, key and window, so every
worker and every host on one database share it. A unit is taken with one upsert that adds one only while the
count is below the limit: the database, not this process, decides who wins a race. The caller runs it in its
own transaction, so a send refused by a later cap gives back what the earlier ones took. Whoever watches the
caps (the metrics) is told of each cap filled and each unit refused, by the cap's name only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ivr.db import cap_counts, to_utc_naive

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Rows of windows older than this are deleted: the longest cap is a day.
KEEP = timedelta(days=2)
# Old rows are looked for at most this often per process.
PRUNE_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class Cap:
    """At most `limit` of something per key (a line, a call) in each window of `period` (UTC-aligned)."""

    name: str
    limit: int
    period: timedelta

    def window(self, now: datetime) -> datetime:
        """The start of the window `now` falls in (naive UTC, as the database keeps times)."""
        at = to_utc_naive(now)
        seconds = int((at - datetime(2000, 1, 1)).total_seconds())
        return datetime(2000, 1, 1) + timedelta(seconds=seconds - seconds % int(self.period.total_seconds()))


class NowAndThen:
    """Says when `every` has passed since it last said so, by the times it is given (one thread at a time)."""

    def __init__(self, every: timedelta) -> None:
        self.every = every
        self._lock = threading.Lock()
        self._last: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Tell whether it is time: at the first call, then once `every` has passed (or time went back)."""
        with self._lock:
            last = self._last
            if last is not None and last <= now < last + self.every:
                return False
            self._last = now
            return True


class CapWatch(Protocol):
    """Told when a cap fills (once per window across every node) and each time one refuses (on this node)."""

    def cap_reached(self, name: str) -> None: ...

    def cap_refused(self, name: str) -> None: ...


class Caps:
    """Takes units of caps inside a caller's transaction, and deletes old windows now and then."""

    def __init__(self, watches: Sequence[CapWatch] = ()) -> None:
        # The app's own list, not a copy: a watch added after the parts are built (the metrics) is told too.
        self.watches = watches
        self._prune = NowAndThen(PRUNE_EVERY)

    def take(self, connection: Connection, cap: Cap, key: str, now: datetime) -> bool:
        """Count one more for `key` in the current window; False (nothing counted) when the cap is reached.

        The one that fills the cap logs a WARNING: once per window across every node.
        """
        self._prune_now_and_then(connection, now)
        window = cap.window(now)
        count = _add_one(connection, cap, key, window)
        if count is None:
            self._tell(cap.name, reached=False)
            return False
        if count == cap.limit:
            self._tell(cap.name, reached=True)
            log.warning(
                "cap reached: %s (%d per %s) for %s; more are refused until %s UTC",
                cap.name,
                cap.limit,
                _period(cap.period),
                key,
                (window + cap.period).isoformat(timespec="minutes"),
            )
        return True

    def _tell(self, name: str, *, reached: bool) -> None:
        """Tell every watch; a watch that fails is logged and never costs the caller the take."""
        for watch in self.watches:
            try:
                if reached:
                    watch.cap_reached(name)
                else:
                    watch.cap_refused(name)
            except Exception:  # a metric must never break an SMS or a callback
                log.exception("caps: a watch failed on %s", name)

    def used(self, connection: Connection, cap: Cap, key: str, now: datetime) -> int:
        """How many were taken for `key` in the current window."""
        query = select(cap_counts.c.count).where(
            cap_counts.c.cap == cap.name, cap_counts.c.key == key, cap_counts.c.window == cap.window(now)
        )
        return int(connection.execute(query).scalar() or 0)

    def _prune_now_and_then(self, connection: Connection, now: datetime) -> None:
        """Delete windows older than KEEP when PRUNE_EVERY has passed (in a savepoint: never fail a take)."""
        if not self._prune.due(now):
            return
        try:
            with connection.begin_nested():
                connection.execute(delete(cap_counts).where(cap_counts.c.window < to_utc_naive(now - KEEP)))
        except SQLAlchemyError as error:
            # Two workers pruning the same rows at once may clash; the next prune catches up.
            log.warning("caps: could not delete old windows (%s)", type(error).__name__)


def _add_one(connection: Connection, cap: Cap, key: str, window: datetime) -> int | None:
    """Add one to the window's count unless it is at the limit; the new count, or None when refused."""
    values = {"cap": cap.name, "key": key, "window": window, "count": 1}
    where = cap_counts.c.count < cap.limit
    increment = {"count": cap_counts.c.count + 1}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement = (
            postgresql.insert(cap_counts)
            .values(values)
            .on_conflict_do_update(index_elements=cap_counts.primary_key.columns, set_=increment, where=where)
            .returning(cap_counts.c.count)
        )
        return connection.execute(statement).scalar()
    if dialect == "sqlite":
        # Counted rather than returned (RETURNING needs SQLite 3.35); SQLite holds the write lock to the end
        # of the transaction, so the count read next is the one this statement made.
        upsert = (
            sqlite.insert(cap_counts)
            .values(values)
            .on_conflict_do_update(index_elements=cap_counts.primary_key.columns, set_=increment, where=where)
        )
        if connection.execute(upsert).rowcount != 1:
            return None
        query = select(cap_counts.c.count).where(
            cap_counts.c.cap == cap.name, cap_counts.c.key == key, cap_counts.c.window == window
        )
        return int(connection.execute(query).scalar_one())
    raise NotImplementedError(f"the caps need SQLite or PostgreSQL, not {dialect}")


def _period(period: timedelta) -> str:
    """ "hour" or "day" for the log line."""
    return {HOUR: "hour", DAY: "day"}.get(period, str(period))
