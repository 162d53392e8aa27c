"""The fixtures every test may ask for: an app on a fixed clock with its own database, its client and runner.

Shared helpers that are not fixtures live in tests/support.py.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine

from ivr import create_app, state
from ivr.line.content import Content
from ivr.stats.gate import StaffGate
from ivr.stats.store import Store, drop_schema
from tests.support import (  # noqa: F401  (re-exported for tests not yet importing tests.support)
    CALL,
    CLOSED_TIME,
    CPH,
    INSTANCE,
    OPEN_TIME,
    SECRETARIAT,
    TOKEN,
    FixedClock,
    TwilioClient,
    fresh_postgres,
    spoken,
    text,
    verbs,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's IVR_* and Twilio settings out of every test; statistics go to its own file."""
    for name in list(os.environ):
        if name.startswith(("IVR_", "TWILIO_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'env-stats.sqlite'}")


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(path): (path.stat().st_size, path.stat().st_mtime_ns) for path in folder.rglob("*")}


@pytest.fixture(scope="session", autouse=True)
def instance_folder_untouched() -> Iterator[None]:
    """Fail the run if any test wrote into the developer's instance folder (their statistics live there)."""
    before = _files(INSTANCE)
    yield
    after = _files(INSTANCE)
    assert after == before, f"tests wrote into {INSTANCE}: {sorted(set(after.items()) ^ set(before.items()))}"


@pytest.fixture(scope="session", autouse=True)
def staff_gates_removed() -> Iterator[None]:
    """Remove the staff gates' lock folders the tests' apps made (one per test database) when the run ends."""
    started = time.time()
    yield
    base = StaffGate.for_line("", 1).folder.parent
    for folder in base.glob("rodblokade-linjen-staff-*"):
        if folder.stat().st_mtime >= started:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(OPEN_TIME)


@pytest.fixture
def config(clock: FixedClock, tmp_path: Path) -> dict[str, Any]:
    # Call statistics go to a database of the test's own, never the instance folder; an empty audio folder,
    # so tests hear <Say> whatever audio the repository holds.
    stats_db = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    return {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "CLOCK": clock,
        "TESTING": True,
        "DATABASE_URL": stats_db,
        "AUDIO_DIR": tmp_path / "audio",
    }


@pytest.fixture
def app(config: dict[str, Any]) -> Flask:
    return create_app(config)


@pytest.fixture
def content(app: Flask) -> Content:
    """The content the app under test speaks."""
    content_: Content = state.of(app).line.content
    return content_


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioClient:
    return TwilioClient(client)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


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
