"""A rebuild under a running line: it never points a call at a missing file, and a lost file is a 404."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from ivr.line.content_loader import default_path
from tests.support import CALL, TOKEN, LiveLine, live_line, serving

pytestmark = pytest.mark.slow
NEW_WELCOME = "Velkommen til en ny udgave af linjen."


def build_audio(content: Path, audio: Path) -> None:
    """Run `ivr build-audio` with the offline voice, as staff would."""
    command = [sys.executable, "-c", "from ivr.cli import main; main()", "build-audio", "--engine", "espeak"]
    subprocess.run(
        [*command, "--content", str(content), "--out", str(audio)], check=True, capture_output=True
    )


def shipped(tmp_path: Path, built: Path) -> tuple[Path, Path]:
    """The shipped content file and its built audio, copied into `tmp_path` as a build leaves them."""
    content, audio = tmp_path / "content.toml", tmp_path / "audio"
    content.write_text(default_path().read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(built, audio)
    return content, audio


def change_welcome(content: Path) -> str:
    """Give the welcome new words in the content file, as staff would; return the words it had."""
    text = content.read_text(encoding="utf-8")
    old = text.split('welcome = "', 1)[1].split('"\n', 1)[0]
    content.write_text(text.replace(old, NEW_WELCOME, 1), encoding="utf-8")
    return " ".join(old.split())


def call(line: LiveLine) -> ET.Element:
    """Start a call as Twilio would and return its TwiML."""
    url = line.base + "/voice"
    signature = RequestValidator(TOKEN).compute_signature(url, CALL)
    request = urllib.request.Request(url, urlencode(CALL).encode(), {"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return ET.fromstring(answer.read())


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def health(line: LiveLine) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(line.base + "/healthz", timeout=5) as answer:
            return dict(json.load(answer))
    except urllib.error.HTTPError as error:
        return dict(json.load(error))


def test_a_rebuild_under_a_running_line_never_leaves_a_call_without_its_file(
    tmp_path: Path, shipped_audio: Path
) -> None:
    content, audio = shipped(tmp_path, shipped_audio)
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_CONTENT_FILE": str(content), "IVR_AUDIO_DIR": str(audio)}
    with live_line(tmp_path, {"IVR_WORKERS": "2", **env}) as line:
        before = [play.text or "" for play in call(line).iter("Play")]
        welcome = next(url for url in before if "/welcome-" in url)
        assert all(status(line.base + url) == 200 for url in before)

        # Staff change the welcome and rebuild while the line runs (it keeps the content it started with).
        old = change_welcome(content)
        build_audio(content, audio)
        # A call told to play the old file a moment ago still gets it.
        assert status(line.base + welcome) == 200

        time.sleep(1.2)  # each worker looks for a new manifest at most once a second
        for _ in range(4):  # both workers
            root = call(line)
            played = [play.text or "" for play in root.iter("Play")]
            assert not any("/welcome-" in url for url in played)  # built for other text: spoken instead
            assert old in [say.text for say in root.iter("Say")]
            assert all(status(line.base + url) == 200 for url in played)
        report = health(line)
        assert report["status"] == "ok", report
        assert (report["audio"]["stale"], report["audio"]["files_missing"]) == (2, [])  # and its slow variant

        # A file deleted by hand is a 404, never a 500, and the health check names it.
        lost = next(url for url in played if "/main_menu-" in url)
        (audio / lost.rsplit("/", 1)[1]).unlink()
        assert status(line.base + lost) == 404
        report = health(line)
        assert report["status"] == "degraded"
        assert report["audio"]["files_missing"] == [lost.rsplit("/", 1)[1]]
    assert "Traceback" not in line.log.read_text()


def test_the_preview_names_what_the_played_file_says_and_warns_of_a_changed_file(
    tmp_path: Path, make_app: Callable[..., Flask], shipped_audio: Path
) -> None:
    content, audio = shipped(tmp_path, shipped_audio)
    app = make_app(
        {"CONTENT_FILE": content, "AUDIO_DIR": audio, "DEVELOPMENT": True, "TWILIO_AUTH_TOKEN": None}
    )
    client = app.test_client()
    old = change_welcome(content)
    build_audio(content, audio)
    time.sleep(1.1)
    answer = client.post("/preview/call", json={"keys": []}).get_json()
    said = [step["text"] for step in answer["steps"] if step["kind"] in {"say", "play"}]
    # The line runs the content it loaded: the preview shows and plays the same, never the new file's text.
    assert old in said
    assert NEW_WELCOME not in said
    assert answer["content_changed"] is True
    assert "Indholdsfilen er ændret" in client.get("/preview/").get_data(as_text=True)


def test_in_a_browser_the_preview_after_a_rebuild_shows_what_callers_hear(
    tmp_path: Path, make_app: Callable[..., Flask], shipped_audio: Path
) -> None:
    from tests.support import CHROMIUM, chromium  # noqa: PLC0415  (only this test needs a browser)

    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import expect  # noqa: PLC0415

    content, audio = shipped(tmp_path, shipped_audio)
    app = make_app(
        {"CONTENT_FILE": content, "AUDIO_DIR": audio, "DEVELOPMENT": True, "TWILIO_AUTH_TOKEN": None}
    )
    with serving(app) as base, chromium() as browser:
        old = change_welcome(content)
        build_audio(content, audio)
        time.sleep(1.1)
        tab = browser.new_page()
        tab.goto(base + "/preview/")
        expect(tab.locator("#content-changed")).to_be_visible()
        tab.fill("#at", "2026-11-25T11:00")
        tab.click("#start")
        expect(tab.locator("#status")).to_contain_text("venter på en tast")
        transcript = tab.locator("#transcript").inner_text()
        assert old[:40] in " ".join(transcript.split())
        assert NEW_WELCOME not in transcript
        # Every prompt the transcript plays is served: none points at a missing file.
        for source in tab.eval_on_selector_all("#transcript audio, audio", "els => els.map(e => e.src)"):
            if source:
                assert tab.request.get(source).status == 200
