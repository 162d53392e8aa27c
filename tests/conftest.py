"""The fixtures every test may ask for: an app on a fixed clock with its own database, its client and runner.

Shared helpers that are not fixtures live in tests/support.py.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from ivr import create_app, migrations
from ivr.audio.build import build
from ivr.audio.engines import EspeakEngine
from ivr.db import Database, create, create_engine, sqlite_file
from ivr.line.content import Content
from ivr.line.content_loader import load_content
from ivr.stats.gate import StaffGate
from ivr.stats.store import Store
from ivr.webhook.endpoint import Webhook
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
def config(tmp_path: Path) -> dict[str, Any]:
    # Call statistics go to a database of the test's own, never the instance folder; an empty audio folder,
    # so tests hear <Say> whatever audio the repository holds.
    stats_db = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    return {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TESTING": True,
        "DATABASE_URL": stats_db,
        "AUDIO_DIR": tmp_path / "audio",
    }


@pytest.fixture
def make_app(config: dict[str, Any], clock: FixedClock) -> Callable[..., Flask]:
    """Make an app from the test's config with `overrides` on top, on the test's fixed clock unless given
    another (`create_app`'s keyword arguments pass through)."""

    def make(overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> Flask:
        return create_app({**config, **(overrides or {})}, **{"clock": clock, **kwargs})

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def content(app: Flask) -> Content:
    """The content the app under test speaks."""
    content_: Content = Webhook.of(app).lines.first.content
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


@pytest.fixture(scope="session")
def shipped_audio(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The shipped line's catalogue as espeak-ng builds it (about 20 s), once for the whole run: copy it first
    to change it. Under pytest-xdist the workers share it: the first to ask builds it, the others wait."""
    base = tmp_path_factory.getbasetemp()
    run = base if worker_id == "master" else base.parent  # a worker's folder lies in the run's
    folder = run / "shipped-audio"
    with (run / "shipped-audio.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not folder.is_dir():
            building = run / "shipped-audio.building"
            shutil.rmtree(building, ignore_errors=True)
            report = build(load_content().audio_prompts(), building, EspeakEngine())
            assert not report.failed, report.failed
            building.rename(folder)
    return folder


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file not yet made, or the real PostgreSQL server with no tables."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stats.sqlite'}"
        return
    url = fresh_postgres()
    yield url
    fresh_postgres()


@pytest.fixture(scope="session")
def template_at_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file upgraded to the schema's head by the revisions, once per run, for tests to copy."""
    path = tmp_path_factory.mktemp("template") / "stats.sqlite"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(empty_database_url: str, template_at_head: Path) -> str:
    """A database at the schema's head, as `ivr db upgrade` leaves it: SQLite or the real PostgreSQL."""
    path = sqlite_file(empty_database_url)
    if path is not None:
        shutil.copyfile(template_at_head, path)
        return empty_database_url
    engine = create_engine(empty_database_url, schema=True)
    with engine.begin() as connection:
        create(connection)
    engine.dispose()
    return empty_database_url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A store on the database, its connections closed after the test."""
    store = Store(Database(database_url))
    yield store
    store.dispose()
