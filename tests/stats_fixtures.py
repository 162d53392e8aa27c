"""Fixtures for the call statistics (a pytest plugin): a database of each kind, and events for it."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
)

from ivr.line.events import CallEvent
from ivr.stats.store import Store, as_row, drop_schema

POSTGRES_VARIABLE = "IVR_TEST_POSTGRES_URL"
# Read once at start: the suite's clean_environment fixture removes every IVR_* variable from each test.
POSTGRES_URL = os.environ.get(POSTGRES_VARIABLE)


def postgres_url() -> str:
    """Return the test PostgreSQL URL, or skip: CI always sets it (see .ci/postgres)."""
    if not POSTGRES_URL:
        pytest.skip(f"{POSTGRES_VARIABLE} is not set; .ci/postgres starts a server and prints one")
    return POSTGRES_URL


def fresh_postgres() -> str:
    """Return the test PostgreSQL URL with the statistics table dropped."""
    url = postgres_url()
    engine = create_engine(url)
    drop_schema(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """An empty statistics database: a SQLite file, or the real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{os.path.join(tmp_path, 'stats.sqlite')}"
        return
    url = fresh_postgres()
    yield url
    engine = create_engine(url)
    drop_schema(engine)
    engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store on the empty database, its connections closed after the test."""
    store = Store(database_url)
    yield store
    store.dispose()


def call_event(
    call: str,
    at: datetime,
    event: str,
    *,
    menu: str = "main",
    key: str | None = None,
    route: str = "voice.key",
    line: str = "",
) -> CallEvent:
    """Return one call event as the voice webhook publishes it."""
    return CallEvent(call=call, at=at, route=route, event=event, menu=menu, key=key, line=line)


def old_database(url: str, events: list[CallEvent], *, rollups: bool = True) -> None:
    """Make the statistics tables as they were before lines (no `line` column), holding `events`.

    With `rollups`, the counts of that time too (keyed without a line), filled as its writers filled them;
    without, a database from before the roll-ups as well.
    """
    old = MetaData()
    events_table = Table(
        "call_events",
        old,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("call", String(32), nullable=False),
        Column("at", DateTime(), nullable=False, index=True),
        Column("route", String(32), nullable=False),
        Column("event", String(32), nullable=False),
        Column("menu", String(16), nullable=False),
        Column("key", String(1)),
    )
    hours = Table(
        "call_hours",
        old,
        Column("hour", DateTime(), primary_key=True),
        Column("event", String(32), primary_key=True),
        Column("menu", String(16), primary_key=True),
        Column("n", BigInteger(), nullable=False),
    )
    last = Table(
        "call_last",
        old,
        Column("call", String(32), primary_key=True),
        Column("first_at", DateTime(), nullable=False),
        Column("last_at", DateTime(), nullable=False),
        Column("event", String(32), nullable=False),
        Column("menu", String(16), nullable=False),
        Index("call_last_last_at", "last_at"),
    )
    rows = sorted((as_row(event) for event in events), key=lambda row: row.at)
    engine = create_engine(url)
    try:
        old.create_all(engine, tables=[events_table, hours, last] if rollups else [events_table])
        with engine.begin() as connection:
            if rows:
                fields = ("call", "at", "route", "event", "menu", "key")
                connection.execute(
                    insert(events_table), [dict(zip(fields, row[:6], strict=True)) for row in rows]
                )
            if rollups and rows:
                counted = Counter(
                    (row.at.replace(minute=0, second=0, microsecond=0), row.event, row.menu) for row in rows
                )
                connection.execute(
                    insert(hours),
                    [{"hour": h, "event": e, "menu": m, "n": n} for (h, e, m), n in counted.items()],
                )
                ends: dict[str, dict[str, Any]] = {}
                for row in rows:
                    end = ends.setdefault(row.call, {"call": row.call, "first_at": row.at})
                    end |= {"last_at": row.at, "event": row.event, "menu": row.menu}
                connection.execute(insert(last), list(ends.values()))
    finally:
        engine.dispose()
