"""Shared fixtures: an app on a fixed clock, and a client that signs requests as Twilio does."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr import create_app, state
from ivr.line.clock import FixedClock
from ivr.line.content import Content

# The statistics tests' fixtures (databases of each kind) live in their own module.
pytest_plugins = ["tests.stats_fixtures"]

# The developer's instance folder, where `make run` keeps its statistics: no test may write there.
INSTANCE = Path(__file__).resolve().parent.parent / "instance"
TOKEN = "test-auth-token-0123456789abcdef"
CPH = ZoneInfo("Europe/Copenhagen")
SECRETARIAT = "+4597662400"
# Wednesday 25 November 2026, 11:00 in Copenhagen: the secretariat is open.
OPEN_TIME = datetime(2026, 11, 25, 11, 0, tzinfo=CPH)
CLOSED_TIME = datetime(2026, 11, 25, 15, 0, tzinfo=CPH)
CALL = {
    "CallSid": "CA0123456789abcdef0123456789abcdef",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+4520304050",
    "To": "+4570701234",
    "CallStatus": "in-progress",
    "Direction": "inbound",
    "ApiVersion": "2010-04-01",
}


class TwilioClient:
    """Posts to the app as Twilio would: standard call parameters and a valid signature."""

    def __init__(self, client: FlaskClient, token: str = TOKEN, base: str = "http://localhost") -> None:
        self.client = client
        self.validator = RequestValidator(token)
        self.base = base

    def post(
        self, path: str, data: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> TestResponse:
        """Sign `path` with the call parameters plus `data`, and post it."""
        form = {**CALL, **(data or {})}
        signature = self.validator.compute_signature(self.base + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature, **(headers or {})})

    def twiml(self, path: str, data: Mapping[str, str] | None = None) -> ET.Element:
        """Post and parse the TwiML answer, checking it is a 200 text/xml document."""
        response = self.post(path, data)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        return ET.fromstring(response.data)


def spoken(element: ET.Element) -> list[str]:
    """Return every <Say> text below `element`, in order."""
    return [say.text or "" for say in element.iter("Say")]


def verbs(root: ET.Element) -> list[str]:
    """Return the top-level verbs of a <Response>."""
    return [child.tag for child in root]


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


def text(content: Content, prompt_id: str) -> str:
    """Return a system prompt's text."""
    return content.prompt(prompt_id).text


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioClient:
    return TwilioClient(client)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
