"""Each line's published content versions in the line's database: published, listed and restored by staff.

A version is never changed or deleted: restoring version N publishes its text again as the newest version,
marked as brought back from N, so the table is also the log of who made what live and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ivr.db import Database, to_utc_naive
from ivr.db import content_versions as table

# How long a read of the newest versions may run on PostgreSQL (a call waits on it at most LiveContent.wait).
READ_SECONDS = 2
# Two nodes publishing the same line at the same moment: the loser takes the next number, a few times over.
ATTEMPTS = 3


@dataclass(frozen=True)
class Version:
    """One published version of a line's content: its number, text, who published it and when."""

    line: str
    number: int
    text: str
    who: str
    at: datetime
    restored_from: int | None = None


class ContentVersions:
    """Every line's published content versions, in the deployment's database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def publish(
        self, line: str, text: str, who: str, now: datetime, *, restored_from: int | None = None
    ) -> Version:
        """Store `text` as `line`'s newest version, published by `who` at `now`."""
        for attempt in range(ATTEMPTS):
            try:
                with self.database.engine.begin() as connection:
                    newest = connection.execute(
                        select(func.max(table.c.version)).where(table.c.line == line)
                    ).scalar()
                    values = {
                        "line": line,
                        "version": (newest or 0) + 1,
                        "text": text,
                        "who": who[:64],
                        "at": to_utc_naive(now),
                        "restored_from": restored_from,
                    }
                    connection.execute(insert(table).values(**values))
                return _version(values)
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def newest(self) -> dict[str, Version]:
        """Each line's newest version (lines never published have none); a short time limit on PostgreSQL."""
        newest = (
            select(table.c.line, func.max(table.c.version).label("version")).group_by(table.c.line).subquery()
        )
        query = select(table).join(
            newest, (table.c.line == newest.c.line) & (table.c.version == newest.c.version)
        )
        with self.database.engine.begin() as connection:
            _limit(connection)
            rows = connection.execute(query).all()
        return {row.line: _version(row._asdict()) for row in rows}

    def history(self, line: str | None = None) -> list[Version]:
        """Every version (of `line`, else of every line), oldest first."""
        query = select(table).order_by(table.c.line, table.c.version)
        if line is not None:
            query = query.where(table.c.line == line)
        with self.database.engine.begin() as connection:
            rows = connection.execute(query).all()
        return [_version(row._asdict()) for row in rows]

    def get(self, line: str, number: int) -> Version | None:
        """Version `number` of `line`, or None when there is none."""
        query = select(table).where((table.c.line == line) & (table.c.version == number))
        with self.database.engine.begin() as connection:
            row = connection.execute(query).first()
        return None if row is None else _version(row._asdict())


def _limit(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {READ_SECONDS * 1000}")


def _version(values: dict[str, object]) -> Version:
    at = values["at"]
    assert isinstance(at, datetime)
    restored = values.get("restored_from")
    return Version(
        str(values["line"]),
        int(str(values["version"])),
        str(values["text"]),
        str(values["who"]),
        at.replace(tzinfo=UTC),
        None if restored is None else int(str(restored)),
    )
