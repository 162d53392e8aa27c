"""Fixtures for the call statistics (a pytest plugin): a database of each kind, and events for it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import create_engine

from ivr.line.events import CallEvent
from ivr.stats.store import Store, drop_schema

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
) -> CallEvent:
    """Return one call event as the voice webhook publishes it."""
    return CallEvent(call=call, at=at, route=route, event=event, menu=menu, key=key)
