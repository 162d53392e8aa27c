"""Calls through the webhook leave events in the statistics, and never who called."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ivr import create_app
from ivr.stats.recorder import Recorder
from ivr.stats.store import Row, Store
from ivr.stats.web import Statistics
from tests.support import CALL, CLOSED_TIME, TOKEN, FixedClock, TwilioClient


def recorded(app: Flask) -> list[Row]:
    """Wait for the app's writer, then return everything stored."""
    recorder: Recorder = Statistics.of(app).recorder
    assert recorder.flush()
    store: Store = Statistics.of(app).store
    return store.rows()


def test_each_step_of_a_call_is_recorded(app: Flask, twilio: TwilioClient) -> None:
    twilio.post("/voice")
    twilio.post("/voice/key?menu=main&tries=0", {"Digits": "2"})
    twilio.post("/voice/key?menu=2&tries=0", {"Digits": "*"})
    twilio.post("/voice/key?menu=2&tries=0", {"Digits": "0"})
    twilio.post("/voice/dial?menu=main", {"DialCallStatus": "no-answer"})
    twilio.post("/voice/key?menu=main&tries=0")
    rows = recorded(app)
    assert [(row.event, row.menu, row.key) for row in rows] == [
        ("welcome", "main", None),
        ("section", "2", "2"),
        ("repeat", "2", "*"),
        ("transfer_open", "main", "0"),
        ("dial_no_answer", "main", None),
        ("silence", "main", None),
    ]
    assert len({row.call for row in rows}) == 1


def test_no_phone_number_or_call_sid_is_stored(app: Flask, twilio: TwilioClient) -> None:
    twilio.post("/voice")
    twilio.post("/voice/key?menu=main&tries=0", {"Digits": "1"})
    stored = " ".join(str(value) for row in recorded(app) for value in row._asdict().values())
    for secret in (CALL["CallSid"], CALL["From"], CALL["To"], CALL["From"].lstrip("+")):
        assert secret not in stored


def test_a_transfer_asked_while_closed_is_recorded_as_such(
    app: Flask, twilio: TwilioClient, clock: FixedClock
) -> None:
    clock.at = CLOSED_TIME
    twilio.post("/voice")
    twilio.post("/voice/key?menu=main&tries=0", {"Digits": "0"})
    assert [row.event for row in recorded(app)] == ["welcome", "transfer_closed"]


def test_a_call_goes_on_when_the_database_cannot_be_written(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    config: dict[str, Any] = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{blocker / 'stats.sqlite'}",
    }
    app = create_app(config, clock=clock)
    twilio = TwilioClient(app.test_client())
    with caplog.at_level(logging.ERROR):
        root = twilio.twiml("/voice")
        assert [child.tag for child in root] == ["Say", "Gather", "Redirect"]
        assert Statistics.of(app).recorder.flush()
    assert "could not store 1 call events" in caplog.text


def test_the_default_database_is_a_file_in_the_instance_folder(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    app = make_app({"DATABASE_URL": None})
    store: Store = Statistics.of(app).store
    assert store.url == f"sqlite:///{Path(app.instance_path) / 'ivr-stats.sqlite'}"
