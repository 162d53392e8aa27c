"""Trial calls (`ivr call` in-process, the preview) are never counted or logged as real calls."""

from __future__ import annotations

import base64
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.cli import main
from ivr.stats.store import Store
from ivr.stats.web import Statistics

STAFF = {"STAFF_USER": "personale", "STAFF_PASSWORD": "en-lang-hemmelighed-ø"}


def stored(path: Path) -> int:
    """How many call events a SQLite statistics file holds (none when it was never made)."""
    if not path.exists():
        return 0
    with sqlite3.connect(path) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE name = 'call_events'").fetchall()
        return connection.execute("SELECT count(*) FROM call_events").fetchone()[0] if tables else 0


def test_an_in_process_call_writes_no_statistics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "stats.sqlite"
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{database}")
    result = CliRunner().invoke(main, ["call", "--keys", "1 2 0", "--at", "2030-06-05T11:00"])
    assert result.exit_code == 0, result.output
    assert "Tryk" in result.output or "tryk" in result.output
    # A real line's writer stores its events within 0.2 s; give a wrongly counted trial call three times that.
    time.sleep(0.6)
    assert stored(database) == 0


def test_preview_calls_write_no_request_lines_and_no_statistics(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(STAFF)
    token = base64.b64encode(f"{STAFF['STAFF_USER']}:{STAFF['STAFF_PASSWORD']}".encode()).decode()
    caplog.set_level(logging.INFO)
    response = app.test_client().post(
        "/preview/call", json={"keys": ["1", "*", "2", "0"]}, headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert len(body["steps"]) > 4
    routes = [getattr(r, "ivr", {}).get("route") for r in caplog.records if r.name == "ivr.requests"]
    # The staff request itself is logged once; the trial app's call steps are not logged at all.
    assert routes == ["preview.call"]
    store: Store = Statistics.of(app).store
    assert Statistics.of(app).recorder.flush()
    assert store.count() == 0
