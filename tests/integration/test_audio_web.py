"""Playing and serving built audio: <Play> only when fresh, <Say> otherwise, files cached for good."""

from __future__ import annotations

import logging
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from twilio.twiml.voice_response import VoiceResponse

from ivr.audio import manifest
from ivr.audio.library import Library
from ivr.audio.web import AudioSpeaker
from ivr.line.content import Prompt
from ivr.line.content_loader import default_path, load_content
from ivr.line.speech import SaySpeaker
from ivr.tryout.caller import PromptNames
from tests.support import CLOSED_TIME, CPH, FixedClock, TwilioClient, spoken

# Every test hears the catalogue espeak-ng builds once a run (conftest's shipped_audio): the full run only.
pytestmark = pytest.mark.slow

YEAR = 31_536_000


@pytest.fixture
def built(shipped_audio: Path) -> Path:
    """The shipped line's built catalogue, which a test only reads."""
    return shipped_audio


@pytest.fixture
def audio(built: Path, tmp_path: Path) -> Path:
    """A copy of the built catalogue that a test may change."""
    folder = tmp_path / "built"
    shutil.copytree(built, folder)
    return folder


def app_with(make_app: Callable[..., Flask], **overrides: Any) -> Flask:
    return make_app(overrides)


def played(root: ET.Element) -> list[str]:
    return [play.text or "" for play in root.iter("Play")]


def file_of(folder: Path, prompt_id: str) -> str:
    return manifest.load(folder)[prompt_id].file


def test_fresh_prompts_are_played_from_their_hashed_urls(make_app: Callable[..., Flask], built: Path) -> None:
    client = app_with(make_app, AUDIO_DIR=built).test_client()
    root = TwilioClient(client).twiml("/voice")
    gather = root.find("Gather")
    assert gather is not None
    # The welcome is played before the <Gather>, so no key cuts its 1-1-2 sentence off.
    assert [child.tag for child in root][:2] == ["Play", "Gather"]
    assert [child.tag for child in gather] == ["Play"] * 4
    said = ("welcome", "main_menu", "transfer_offer", "speech_offer", "slower_offer")
    expected = [f"/audio/{file_of(built, key)}" for key in said]
    assert played(root) == expected
    assert spoken(root) == []
    for url in expected:
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.data == (built / url.removeprefix("/audio/")).read_bytes()


def test_the_closed_notice_is_played_in_the_built_voice(
    make_app: Callable[..., Flask], built: Path, clock: FixedClock
) -> None:
    # Wednesday 15:00: "Sekretariatet har lukket og åbner igen" + "i morgen" + "klokken 10", all built.
    clock.at = CLOSED_TIME
    root = TwilioClient(app_with(make_app, AUDIO_DIR=built).test_client()).twiml("/voice")
    gather = root.find("Gather")
    assert gather is not None
    assert [child.tag for child in gather] == ["Play"] * 6
    assert spoken(root) == []
    fragments = [
        "fragment_sekretariatet_har_lukket_og_aabner_igen",
        "fragment_i_morgen",
        "fragment_klokken_10",
    ]
    # After the welcome and the main menu.
    assert played(root)[2:5] == [f"/audio/{file_of(built, key)}" for key in fragments]


def test_christmas_eve_says_why_in_one_voice(
    make_app: Callable[..., Flask], built: Path, clock: FixedClock
) -> None:
    clock.at = datetime(2026, 12, 24, 11, 0, tzinfo=CPH)
    root = TwilioClient(app_with(make_app, AUDIO_DIR=built).test_client()).twiml("/voice")
    assert spoken(root) == []
    names = PromptNames(load_content(), Library.load(built).spoken())
    texts = [names(url) for url in played(root)]
    # Thursday 24 December 2026; the next opening is Monday the 28th.
    assert texts[2:8] == [
        "I dag er det",
        "juleaften",
        "så sekretariatet har lukket",
        "Det åbner igen",
        "på mandag",
        "klokken 10",
    ]


def test_one_missing_fragment_says_the_whole_sentence_with_say(
    make_app: Callable[..., Flask], audio: Path, clock: FixedClock
) -> None:
    (audio / file_of(audio, "fragment_i_morgen")).unlink()
    clock.at = CLOSED_TIME
    root = TwilioClient(app_with(make_app, AUDIO_DIR=audio).test_client()).twiml("/voice")
    gather = root.find("Gather")
    assert gather is not None
    # Never half in one voice: the sentence is <Say> as a whole, the other prompts still <Play>.
    assert [child.tag for child in gather] == ["Play", "Say", "Play", "Play"]
    assert spoken(root) == ["Sekretariatet har lukket og åbner igen i morgen klokken 10."]
    assert gather[1].get("language") == "da-DK"


def test_a_prompt_whose_text_changed_is_spoken_with_its_new_text(
    make_app: Callable[..., Flask], built: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    content_file = tmp_path / "content.toml"
    old = 'invalid = "Den tast kender jeg ikke."'
    content_file.write_text(
        default_path().read_text(encoding="utf-8").replace(old, 'invalid = "Den tast virker ikke."')
    )
    with caplog.at_level(logging.INFO):
        app = app_with(make_app, AUDIO_DIR=built, CONTENT_FILE=content_file)
    root = TwilioClient(app.test_client()).twiml("/voice/key?menu=main&tries=0", {"Digits": "9"})
    assert spoken(root) == ["Den tast virker ikke."]
    assert played(root)[0] == f"/audio/{file_of(built, 'main_menu')}"
    total = len(load_content().audio_prompts())
    assert f"{total - 2} fresh, 2 stale, 0 missing" in caplog.text  # the prompt and its slow variant
    assert "spoken with <Say> instead: invalid" in caplog.text


def test_a_missing_file_is_spoken(
    make_app: Callable[..., Flask], audio: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (audio / file_of(audio, "welcome")).unlink()
    with caplog.at_level(logging.INFO):
        app = app_with(make_app, AUDIO_DIR=audio)
    root = TwilioClient(app.test_client()).twiml("/voice")
    assert spoken(root) == [load_content().prompt("welcome").text]
    assert f"{len(load_content().audio_prompts()) - 1} fresh, 0 stale, 1 missing" in caplog.text


def test_a_truncated_file_is_not_played(make_app: Callable[..., Flask], audio: Path) -> None:
    (audio / file_of(audio, "welcome")).write_bytes(b"")
    root = TwilioClient(app_with(make_app, AUDIO_DIR=audio).test_client()).twiml("/voice")
    assert spoken(root) == [load_content().prompt("welcome").text]


def test_a_broken_manifest_means_say_everything_and_start_anyway(
    make_app: Callable[..., Flask], audio: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (audio / manifest.MANIFEST).write_text("[", encoding="utf-8")
    with caplog.at_level(logging.INFO):
        app = app_with(make_app, AUDIO_DIR=audio)
    root = TwilioClient(app.test_client()).twiml("/voice")
    assert played(root) == []
    assert len(spoken(root)) == 5
    assert "cannot be read" in caplog.text
    assert f"0 fresh, 0 stale, {len(load_content().audio_prompts())} missing" in caplog.text
    assert "error, goodbye, goodbye_failed" in caplog.text
    assert "and 72 fragments" not in caplog.text


def test_a_public_url_makes_the_audio_urls_absolute(make_app: Callable[..., Flask], built: Path) -> None:
    app = app_with(make_app, AUDIO_DIR=built, PUBLIC_URL="https://ivr.example.dk/line")
    root = TwilioClient(app.test_client(), base="https://ivr.example.dk/line").twiml("/voice")
    assert played(root)[0] == f"https://ivr.example.dk/line/audio/{file_of(built, 'welcome')}"


def test_the_speaker_checks_the_text_not_only_the_id(built: Path) -> None:
    library = Library.load(built)
    speaker = AudioSpeaker(library, "", SaySpeaker("Polly.Naja"))
    response = VoiceResponse()
    speaker.add(response, Prompt("welcome", "En anden velkomst."))
    speaker.add(response, load_content().prompt("welcome"))
    root = ET.fromstring(str(response.to_xml()))
    assert [child.tag for child in root] == ["Say", "Play"]


def test_audio_is_served_with_type_etag_and_a_years_immutable_caching(
    make_app: Callable[..., Flask], built: Path
) -> None:
    client = app_with(make_app, AUDIO_DIR=built).test_client()
    entry = manifest.load(built)["welcome"]
    with client.get(f"/audio/{entry.file}") as response:
        assert response.status_code == 200
        assert len(response.data) == entry.size
    assert response.mimetype == "audio/wav"
    assert response.get_etag() == (entry.sha256, False)
    cache = response.cache_control
    assert (cache.public, cache.max_age, cache.immutable, cache.no_cache) == (True, YEAR, True, None)
    with client.get(f"/audio/{entry.file}", headers={"If-None-Match": f'"{entry.sha256}"'}) as again:
        assert again.status_code == 304
        assert again.data == b""


@pytest.mark.parametrize(
    "path",
    [
        "/audio/welcome.wav",
        "/audio/manifest.json",
        "/audio/welcome-000000000000.wav",
        "/audio/..%2F..%2Fivr%2Fcontent.toml",
        "/audio/%2e%2e%2fmanifest.json",
        "/audio/../pyproject.toml",
        "/audio/recorded/README.md",
        "/audio/",
    ],
)
def test_only_files_named_in_the_manifest_are_served(
    make_app: Callable[..., Flask], built: Path, path: str
) -> None:
    client = app_with(make_app, AUDIO_DIR=built).test_client()
    assert client.get(path).status_code == 404


def test_a_stray_file_in_the_folder_is_not_served(make_app: Callable[..., Flask], audio: Path) -> None:
    (audio / "secret-0123456789ab.wav").write_bytes(b"RIFF")
    client = app_with(make_app, AUDIO_DIR=audio).test_client()
    assert client.get("/audio/secret-0123456789ab.wav").status_code == 404


def test_an_edited_manifest_cannot_point_outside_the_folder(
    make_app: Callable[..., Flask], audio: Path
) -> None:
    entries = manifest.load(audio)
    (audio.parent / "secret.wav").write_bytes(b"RIFF")
    entries["welcome"] = replace(entries["welcome"], file="../secret.wav", size=4)
    manifest.save(audio, entries)
    client = app_with(make_app, AUDIO_DIR=audio).test_client()
    root = TwilioClient(client).twiml("/voice")
    assert spoken(root) == [load_content().prompt("welcome").text]
    assert client.get("/audio/..%2Fsecret.wav").status_code == 404


def test_slower_speech_plays_the_slow_files_built_alongside(
    make_app: Callable[..., Flask], built: Path
) -> None:
    twilio = TwilioClient(app_with(make_app, AUDIO_DIR=built).test_client())
    root = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "7"})
    assert spoken(root) == []
    slow = ("slower_on_slow", "main_menu_slow")
    assert played(root)[:2] == [f"/audio/{file_of(built, key)}" for key in slow]
    entries = manifest.load(built)
    # The same words, slowed down with the pitch kept: longer, and built from the same text.
    assert entries["main_menu_slow"].text == entries["main_menu"].text
    assert entries["main_menu_slow"].duration > entries["main_menu"].duration * 1.15
