"""The closures in the line's database: made, listed and removed by staff, every change in a log.

Each node and worker reads them through `LiveClosures` (ivr/closures/live.py); this module only reads and
writes the rows. A removed closure is kept, marked with who removed it and when, so nothing is lost.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from ivr.closures.spans import RefusedError, Span, said
from ivr.db import Database, to_utc_naive
from ivr.db import closure_log as log_table
from ivr.db import closures as table
from ivr.line.schedule import ClosedPeriod

# How long a read of the closures may run on PostgreSQL (a call waits on it at most LiveClosures.wait).
READ_SECONDS = 2


@dataclass(frozen=True)
class StaffClosure:
    """One closure as staff see it: which line, from and up to when, why, who made it and when."""

    id: int
    line: str
    starts: datetime
    ends: datetime
    reason: str
    made_by: str
    made_at: datetime

    def period(self) -> ClosedPeriod:
        """The closure as the schedule takes it."""
        return ClosedPeriod(self.starts, self.ends, self.reason)

    def said(self, zone: tzinfo) -> str:
        """From and up to when, as staff read it in the line's time zone."""
        return said(self.starts.astimezone(zone), self.ends.astimezone(zone))


class ClosureBook:
    """The closures of every line of a deployment, in its database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, line: str, span: Span, who: str, now: datetime) -> StaffClosure:
        """Close `line` for `span`, logged as `who`'s; RefusedError when it overlaps one already there."""
        at = to_utc_naive(now)
        with self._begin() as connection:
            for other in self._active(connection, at, line):
                if other.period().overlaps(span.starts, span.ends):
                    raise RefusedError(
                        f"Lukningen overlapper lukning {other.id} ({other.said(span.zone)}, {other.reason}); "
                        "ret den ene, eller fjern den først."
                    )
            values = {
                "line": line,
                "starts": to_utc_naive(span.starts),
                "ends": to_utc_naive(span.ends),
                "reason": span.reason,
                "made_by": who[:64],
                "made_at": at,
            }
            key = connection.execute(insert(table).values(**values)).inserted_primary_key
            assert key is not None  # an INSERT of one row
            made = _closure(key[0], values)
            self._log(connection, made, at=at, who=who, action="added", zone=span.zone)
        return made

    def remove(self, closure_id: int, who: str, now: datetime, zone: ZoneInfo) -> StaffClosure | None:
        """Remove a closure (kept, marked as removed by `who`); None when there is no such closure left."""
        at = to_utc_naive(now)
        with self._begin() as connection:
            row = connection.execute(
                select(table).where(and_(table.c.id == closure_id, table.c.removed_at.is_(None)))
            ).first()
            if row is None:
                return None
            connection.execute(
                update(table).where(table.c.id == closure_id).values(removed_by=who[:64], removed_at=at)
            )
            gone = _closure(row.id, row._asdict())
            self._log(connection, gone, at=at, who=who, action="removed", zone=zone)
        return gone

    def active(self, now: datetime, line: str | None = None) -> list[StaffClosure]:
        """The closures not yet over at `now` (of `line`, else every line), earliest first."""
        with self._begin() as connection:
            return self._active(connection, to_utc_naive(now), line)

    def periods(self, now: datetime) -> dict[str, tuple[ClosedPeriod, ...]]:
        """Each line's closures not yet over, as the schedule takes them; a short time limit on PostgreSQL."""
        with self._begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {READ_SECONDS * 1000}")
            found = self._active(connection, to_utc_naive(now), None)
        by_line: dict[str, list[ClosedPeriod]] = {}
        for closure in found:
            by_line.setdefault(closure.line, []).append(closure.period())
        return {line: tuple(periods) for line, periods in by_line.items()}

    def log(self, latest: int | None = None) -> list[tuple[datetime, str, str, int, str, str]]:
        """Every change (or the `latest` few), oldest first: (when, who, what was done, which closure, its
        line, the closure as staff read it)."""
        with self._begin() as connection:
            query = select(log_table).order_by(log_table.c.id.desc())
            rows = connection.execute(query.limit(latest) if latest else query).all()[::-1]
        return [
            (row.at.replace(tzinfo=UTC), row.who, row.action, row.closure, row.line, row.what) for row in rows
        ]

    def _active(self, connection: Connection, at: datetime, line: str | None) -> list[StaffClosure]:
        query = select(table).where(and_(table.c.removed_at.is_(None), table.c.ends > at))
        if line is not None:
            query = query.where(table.c.line == line)
        rows = connection.execute(query.order_by(table.c.starts, table.c.id)).all()
        return [_closure(row.id, row._asdict()) for row in rows]

    def _log(
        self,
        connection: Connection,
        closure: StaffClosure,
        *,
        at: datetime,
        who: str,
        action: str,
        zone: ZoneInfo,
    ) -> None:
        what = closure.said(zone)
        connection.execute(
            insert(log_table).values(
                at=at,
                who=who[:64],
                action=action,
                closure=closure.id,
                line=closure.line,
                what=f"{what}: {closure.reason}"[:200],
            )
        )

    def _begin(self) -> AbstractContextManager[Connection]:
        """A transaction on the line's database."""
        return self.database.engine.begin()


def _closure(closure_id: int, values: dict[str, object]) -> StaffClosure:
    """A closure from its row's values (times stored in UTC without zone)."""

    def aware(name: str) -> datetime:
        at = values[name]
        assert isinstance(at, datetime)
        return at.replace(tzinfo=UTC)

    return StaffClosure(
        closure_id,
        str(values["line"]),
        aware("starts"),
        aware("ends"),
        str(values["reason"]),
        str(values["made_by"]),
        aware("made_at"),
    )
