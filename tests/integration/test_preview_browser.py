"""The preview page in a real headless Chromium: click through calls and read what the page shows."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, Response
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Play

from ivr import create_app
from ivr.line.content import Content, Prompt
from ivr.line.speech import SaySpeaker
from ivr.webhook.endpoint import Webhook
from tests.support import chromium, require_chromium, serving

require_chromium()

from playwright.sync_api import Browser, Page, expect  # noqa: E402

# Real servers, browsers or several processes: left out of the quick loop, `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parents[2] / "build" / "test-output"
USER, PASSWORD = "personale", "hemmelig-og-lang"
# The page plays prompts without a click; Danish dates in the date field where the browser allows.
PAGE_ARGS = ["--autoplay-policy=no-user-gesture-required", "--lang=da-DK"]


def tone() -> bytes:
    """Return half a second of an 8 kHz mono WAV, as a stand-in for a built prompt."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(8000))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium(*PAGE_ARGS) as launched:
        yield launched


@pytest.fixture
def line_app(monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The line with a staff login, playing the welcome from a file as built audio would be."""
    for name in ("TWILIO_AUTH_TOKEN", "IVR_DEVELOPMENT", "IVR_PUBLIC_URL", "IVR_CONTENT_FILE"):
        monkeypatch.delenv(name, raising=False)
    say = SaySpeaker.add

    def add(self: SaySpeaker, parent: TwiML, prompt: Prompt) -> None:
        if prompt.id == "welcome":
            parent.nest(Play("/test-audio/welcome-0a1b.wav"))
        else:
            say(self, parent, prompt)

    monkeypatch.setattr(SaySpeaker, "add", add)
    app = create_app({"TWILIO_AUTH_TOKEN": "browser-token", "STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})
    app.add_url_rule("/test-audio/<name>", "audio", lambda name: Response(tone(), mimetype="audio/wav"))
    return app


@pytest.fixture
def page(browser: Browser, line_app: Flask) -> Iterator[tuple[Page, str]]:
    with serving(line_app) as base:
        context = browser.new_context(
            http_credentials={"username": USER, "password": PASSWORD},
            viewport={"width": 1200, "height": 900},
            locale="da-DK",
        )
        yield context.new_page(), base
        context.close()


def content_of(app: Flask) -> Content:
    content: Content = Webhook.of(app).lines.first.content
    return content


def start(page: Page, base: str, at: str, dial: str) -> None:
    page.goto(base + "/preview/")
    page.fill("#at", at)
    page.select_option("#dial", dial)
    page.click("#start")
    waiting(page)


def waiting(page: Page) -> None:
    expect(page.locator("#status")).to_contain_text("venter på en tast")


def press(page: Page, key: str) -> None:
    count = page.locator("#transcript li").count()
    page.click(f'.key[data-key="{key}"]' if key != "T" else "#silence")
    expect(page.locator("#transcript li")).not_to_have_count(count)


def test_open_call_section_transfer_busy_then_silence_to_goodbye(
    page: tuple[Page, str], line_app: Flask
) -> None:
    tab, base = page
    content = content_of(line_app)
    start(tab, base, "2026-11-25T11:00", "busy")
    transcript = tab.locator("#transcript")
    played = transcript.locator('li[data-kind="play"]')
    expect(played).to_contain_text(content.prompt("welcome").text)
    expect(tab.locator("#player")).to_have_attribute("src", "/test-audio/welcome-0a1b.wav")
    # The browser fetched and decoded the prompt's file: it knows how long it lasts.
    tab.wait_for_function("document.getElementById('player').duration > 0.4")
    expect(transcript).to_contain_text(content.prompt("transfer_offer").text)
    expect(tab.locator("#status")).to_contain_text("Sekretariatet har åbent")

    section = content.section("3")
    assert section is not None
    press(tab, "3")
    waiting(tab)
    # Open: the section menu, then the secretariat's offer, are the last words before the keypad.
    expect(tab.locator("#now-text")).to_have_text(content.prompt("transfer_offer").text)
    expect(transcript).to_contain_text(content.prompt("section_menu").text)
    expect(transcript).to_contain_text(section.prompt.text)

    press(tab, "0")
    waiting(tab)
    expect(transcript.locator('li[data-kind="dial"]')).to_have_text(
        f"Linjen stiller om til{content.number}: optaget"
    )
    expect(transcript).to_contain_text(content.prompt("transfer_failed").text)

    for _ in range(3):
        press(tab, "T")
    expect(tab.locator("#status")).to_have_text("Opkaldet er slut.")
    expect(transcript.locator("li").last).to_contain_text("Linjen lagde på.")
    expect(transcript.locator('li[data-kind="say"]').last).to_have_text(
        "Linjen siger:" + content.prompt("goodbye_failed").text
    )
    expect(tab.locator('.key[data-key="1"]')).to_be_disabled()
    expect(tab.locator("#start")).to_have_text("Ring op igen")
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "preview.png"), full_page=True)


def test_closed_call_tells_the_hours_and_never_transfers(page: tuple[Page, str], line_app: Flask) -> None:
    tab, base = page
    start(tab, base, "2026-11-25T15:00", "completed")
    transcript = tab.locator("#transcript")
    expect(transcript).to_contain_text("Sekretariatet har lukket og åbner igen i morgen klokken 10.")
    expect(tab.locator("#status")).to_contain_text("Sekretariatet har lukket")
    press(tab, "0")
    waiting(tab)
    expect(transcript.locator('li[data-kind="dial"]')).to_have_count(0)
    expect(transcript.locator('li[data-kind="keys"]')).to_have_text(["Du trykker:0"])
    tab.click("#hangup")
    expect(transcript.locator("li").last).to_have_text("Opkaldet er slut:Du lagde på.")
    expect(tab.locator("#at")).to_be_enabled()


def test_a_caller_who_speaks_and_asks_for_slower_speech(page: tuple[Page, str], line_app: Flask) -> None:
    tab, base = page
    content = content_of(line_app)
    start(tab, base, "2026-11-25T11:00", "completed")
    transcript = tab.locator("#transcript")
    expect(transcript).to_contain_text(content.prompt("speech_offer").text)
    count = transcript.locator("li").count()
    tab.fill("#said", "øh komplikationerne")
    tab.click("#say")
    expect(transcript.locator("li")).not_to_have_count(count)
    waiting(tab)
    expect(transcript.locator('li[data-kind="speech"]')).to_have_text(['Du siger:"øh komplikationerne"'])
    section = content.section("5")
    assert section is not None
    expect(transcript).to_contain_text(section.prompt.text)
    press(tab, "7")
    waiting(tab)
    expect(transcript).to_contain_text(content.prompt("slower_on").text)


def test_without_the_staff_login_the_browser_is_refused(browser: Browser, line_app: Flask) -> None:
    with serving(line_app) as base:
        context = browser.new_context()
        response = context.request.get(base + "/preview/")
        assert response.status == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        context.close()
