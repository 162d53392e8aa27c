"""GET /healthz: the content is loaded, how many prompts it has, and 503 once the file cannot be loaded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import contentwatch, create_app
from ivr.content import default_path
from tests.conftest import TwilioClient


@pytest.fixture
def content_file(tmp_path: Path) -> Path:
    path = tmp_path / "content.toml"
    path.write_text(default_path().read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def watched(config: dict[str, Any], content_file: Path) -> FlaskClient:
    return create_app({**config, "CONTENT_FILE": content_file}).test_client()


def touch_later(path: Path) -> None:
    """Move the file's modification time on, as a later edit would."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def test_healthz_reports_the_loaded_content(app: Flask, client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "ok"
    assert report["prompts"] == len(app.extensions["ivr.line"].content.all_prompts())
    assert report["content"] == {"loaded": True, "loadable": True, "changed": False, "problem": None}
    audio = report["audio"]
    assert set(audio) == {"fresh", "stale", "missing"}
    assert sum(audio.values()) == report["prompts"]


def test_healthz_fails_when_the_content_file_breaks(watched: FlaskClient, content_file: Path) -> None:
    content_file.write_text("[prompts\nwelcome = ", encoding="utf-8")
    response = watched.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "error"
    assert "not valid TOML" in report["content"]["problem"]


def test_healthz_fails_when_the_content_file_is_gone(watched: FlaskClient, content_file: Path) -> None:
    content_file.unlink()
    response = watched.get("/healthz")
    assert response.status_code == 503
    assert "not found" in response.get_json()["content"]["problem"]


def test_healthz_recovers_and_says_a_restart_would_load_the_change(
    watched: FlaskClient, content_file: Path
) -> None:
    good = content_file.read_text(encoding="utf-8")
    content_file.write_text(good.replace('closes = "14:00"', 'closes = "09:00"'), encoding="utf-8")
    assert watched.get("/healthz").status_code == 503
    content_file.write_text(good.replace("Velkommen", "Goddag"), encoding="utf-8")
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


def test_healthz_rereads_the_file_only_when_it_changes(
    watched: FlaskClient, content_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[Path] = []
    real = contentwatch.load_content
    monkeypatch.setattr(contentwatch, "load_content", lambda *a: loads.append(a[0]) or real(*a))
    for _ in range(3):
        watched.get("/healthz")
    assert loads == []
    touch_later(content_file)
    for _ in range(3):
        watched.get("/healthz")
    assert loads == [content_file]
