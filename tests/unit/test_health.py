"""GET /healthz: the content is loaded, how many prompts it has, and 503 once the file cannot be loaded."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.db import Database
from ivr.line.content import Content
from ivr.line.content_loader import default_path, load_content
from ivr.ops import contentwatch
from ivr.stats.recorder import Recorder
from ivr.stats.store import EventRow, Store
from ivr.stats.web import Statistics
from ivr.webhook.endpoint import Webhook
from tests.support import CALL, PATHOLOGICAL, FixedClock, TwilioClient


@pytest.fixture
def content_file(tmp_path: Path) -> Path:
    path = tmp_path / "content.toml"
    path.write_text(default_path().read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def watched(make_app: Callable[..., Flask], content_file: Path) -> FlaskClient:
    return make_app({"CONTENT_FILE": content_file}).test_client()


def touch_later(path: Path) -> None:
    """Move the file's modification time on, as a later edit would."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_healthz_reports_the_loaded_content(app: Flask, client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "ok"
    assert report["prompts"] == len(Webhook.of(app).lines.first.content.audio_prompts())
    assert report["content"] == {"loaded": True, "loadable": True, "changed": False, "problem": None}
    audio = report["audio"]
    assert set(audio) == {"fresh", "stale", "missing", "files_missing"}
    assert audio["files_missing"] == []
    assert audio["fresh"] + audio["stale"] + audio["missing"] == report["prompts"]
    assert report["worker"] == {
        "pid": os.getpid(),
        "statistics": {"dropped_15min": 0, "queued": 0, "kept": 0, "last_error": None},
    }


def test_healthz_fails_when_the_content_file_breaks(watched: FlaskClient, content_file: Path) -> None:
    content_file.write_text("[prompts\nwelcome = ", encoding="utf-8")
    response = watched.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "error"
    assert "ikke gyldig TOML" in report["content"]["problem"]


def test_healthz_fails_when_the_content_file_is_gone(watched: FlaskClient, content_file: Path) -> None:
    content_file.unlink()
    response = watched.get("/healthz")
    assert response.status_code == 503
    assert "findes ikke" in response.get_json()["content"]["problem"]


def test_healthz_recovers_and_says_a_restart_would_load_the_change(
    watched: FlaskClient, content_file: Path
) -> None:
    good = content_file.read_text(encoding="utf-8")
    content_file.write_text(good.replace('closes = "14:00"', 'closes = "09:00"'), encoding="utf-8")
    assert watched.get("/healthz").status_code == 503
    content_file.write_text(good.replace("Haster det", "Er det akut"), encoding="utf-8")
    touch_later(content_file)
    response = watched.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["content"]["changed"] is True


def test_calls_go_on_with_the_loaded_content_while_the_file_is_broken(
    watched: FlaskClient, content_file: Path
) -> None:
    content_file.write_text("broken", encoding="utf-8")
    assert watched.get("/healthz").status_code == 503
    assert TwilioClient(watched).post("/voice", {}).status_code == 200


def test_healthz_rereads_the_file_only_when_its_bytes_change(
    watched: FlaskClient, content_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[Path] = []

    def counted(path: Path, number: str | None) -> Content:
        loads.append(path)
        return load_content(path, number)

    monkeypatch.setattr(contentwatch, "load_content", counted)
    for _ in range(3):
        watched.get("/healthz")
    touch_later(content_file)
    for _ in range(3):
        assert watched.get("/healthz").get_json()["content"]["changed"] is False
    assert loads == []
    content_file.write_text(content_file.read_text(encoding="utf-8") + "\n# en note\n", encoding="utf-8")
    for _ in range(3):
        assert watched.get("/healthz").get_json()["content"]["changed"] is True
    assert loads == [content_file]


def test_restoring_the_loaded_file_is_no_change(watched: FlaskClient, content_file: Path) -> None:
    original = content_file.read_text(encoding="utf-8")
    content_file.write_text(original.replace("Haster det", "Er det akut"), encoding="utf-8")
    touch_later(content_file)
    assert watched.get("/healthz").get_json()["content"]["changed"] is True
    content_file.write_text(original, encoding="utf-8")
    touch_later(content_file)
    report = watched.get("/healthz").get_json()
    assert report["content"] == {"loaded": True, "loadable": True, "changed": False, "problem": None}


@pytest.mark.parametrize(("name", "text", "problem"), PATHOLOGICAL, ids=[p[0] for p in PATHOLOGICAL])
def test_a_pathological_content_file_is_refused_quickly(
    watched: FlaskClient, content_file: Path, name: str, text: str, problem: str
) -> None:
    content_file.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    response = watched.get("/healthz")
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "error"
    assert report["content"]["changed"] is True
    assert problem in report["content"]["problem"]
    assert elapsed < 1.0, f"{name}: {elapsed:.2f} s"


class FailingStore(Store):
    """A database that refuses every write until told otherwise, with a driver message that quotes what it
    was given."""

    refusing = True

    def add(self, rows: Sequence[EventRow]) -> None:
        if not self.refusing:
            return
        raise OSError(f"disk full while writing {rows[0].call} for {CALL['From']}")


@pytest.fixture
def failing(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    """An app whose statistics writer loses every event, on a clock the test moves."""
    app = make_app()
    recorder: Recorder = Statistics.of(app).recorder
    recorder.store = FailingStore(Database(f"sqlite:///{tmp_path / 'failing.sqlite'}"))
    recorder.clock = FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    return app


def test_statistics_not_stored_make_the_node_degraded_but_keep_it_in_the_pool(failing: Flask) -> None:
    client = failing.test_client()
    recorder: Recorder = Statistics.of(failing).recorder
    assert TwilioClient(client).post("/voice", {}).status_code == 200
    assert recorder.flush()
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "degraded"
    statistics = report["worker"]["statistics"]
    # Kept for the writer's next try, not lost.
    assert (statistics["dropped_15min"], statistics["queued"], statistics["kept"]) == (0, 0, 1)
    assert statistics["last_error"] == {
        "doing": "storing call events",
        "type": "OSError",
        "cause": None,
        "at": "2026-11-25T10:00:00+00:00",
    }
    # Only fixed words and type names: never what the driver said, which may quote numbers and calls.
    assert b"disk full" not in response.data
    assert CALL["From"].encode() not in response.data
    recorder.close()


def test_the_node_is_ok_again_15_minutes_after_the_last_drop(failing: Flask) -> None:
    client = failing.test_client()
    recorder: Recorder = Statistics.of(failing).recorder
    TwilioClient(client).post("/voice", {})
    assert recorder.flush()
    # The database is back (the kept event is stored), then a burst finds the queue full: one event dropped.
    store = recorder.store
    assert isinstance(store, FailingStore)
    store.refusing = False
    assert recorder.flush()
    recorder.queue_size = 0
    TwilioClient(client).post("/voice", {})
    assert client.get("/healthz").get_json()["worker"]["statistics"]["dropped_15min"] == 1
    assert isinstance(recorder.clock, FixedClock)
    recorder.clock.at += timedelta(minutes=14)
    assert client.get("/healthz").get_json()["status"] == "degraded"
    recorder.clock.at += timedelta(minutes=1)
    report = client.get("/healthz").get_json()
    assert report["status"] == "ok"
    assert report["worker"]["statistics"]["dropped_15min"] == 0
    # The last error stays on show, with its time, for whoever looks later.
    assert report["worker"]["statistics"]["last_error"]["type"] == "OSError"
    recorder.close()


def test_an_unloadable_content_file_is_an_error_even_when_degraded(
    make_app: Callable[..., Flask], content_file: Path
) -> None:
    app = make_app({"CONTENT_FILE": content_file})
    recorder: Recorder = Statistics.of(app).recorder
    recorder.store = FailingStore(Database(recorder.store.url))
    client = app.test_client()
    TwilioClient(client).post("/voice", {})
    assert recorder.flush()
    content_file.write_text("broken", encoding="utf-8")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
    assert response.get_json()["worker"]["statistics"]["kept"] == 1
    recorder.close()
