"""A built file gone from the disk (deleted, or not on this node's copy of a shared folder) is spoken with
<Say> from the next look on, never sent to Twilio as a URL that answers 404; it is played again once back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ivr.audio import web as audio_web
from ivr.webhook.endpoint import Webhook
from tests.support import TwilioClient, fake_built_audio, spoken


def welcome_verbs(app: Flask) -> list[tuple[str, str]]:
    """The verbs and their text or URL that a new call hears first (the welcome comes first)."""
    root = TwilioClient(app.test_client()).twiml("/voice")
    return [
        (element.tag, (element.text or "").strip())
        for element in root.iter()
        if element.tag in {"Play", "Say"}
    ]


@pytest.fixture
def built(make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An audio folder with every prompt built; the line looks at the disk at every step, not each second."""
    monkeypatch.setattr(audio_web, "LOOK_EVERY_SECONDS", 0.0)
    fake_built_audio(tmp_path / "audio", Webhook.of(make_app()).lines.first.content)
    return tmp_path / "audio"


def test_a_deleted_file_is_said_and_played_again_once_back(
    make_app: Callable[..., Flask], built: Path
) -> None:
    app = make_app()
    welcome = Webhook.of(app).lines.first.content.prompts["welcome"]
    first = welcome_verbs(app)[0]
    assert first[0] == "Play"
    name = first[1].rsplit("/", 1)[-1]
    with app.test_client().get(f"/audio/{name}") as served:
        assert served.status_code == 200
    data = (built / name).read_bytes()
    (built / name).unlink()
    verbs = welcome_verbs(app)
    assert verbs[0] == ("Say", welcome.text)
    assert all(name not in url for _, url in verbs)
    (built / name).write_bytes(data)
    assert welcome_verbs(app)[0] == first


def test_a_file_missing_at_start_is_said(make_app: Callable[..., Flask], built: Path) -> None:
    file = next(built.glob("welcome-*.wav"))
    file.unlink()
    app = make_app()
    root = TwilioClient(app.test_client()).twiml("/voice")
    assert Webhook.of(app).lines.first.content.prompts["welcome"].text in spoken(root)
    assert all(file.name not in (play.text or "") for play in root.iter("Play"))
