"""The staff page in a real headless browser (Debian's Chromium, driven by Playwright)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ivr.db import Database
from ivr.line.events import CallEvent
from ivr.stats.store import Store, as_row
from tests.support import call_event, chromium, require_chromium

# Real servers, browsers or several processes: left out of the quick loop, `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

USER, PASSWORD = "personale", "rigtig-hemmelig"
CPH = ZoneInfo("Europe/Copenhagen")
MONDAY = datetime(2026, 11, 23, tzinfo=CPH)

require_chromium()


def seed_events() -> list[CallEvent]:
    """A week of calls: 6 on Monday 10-11, 3 on Wednesday 15-16 (closed), 1 on Saturday 09-10."""
    events: list[CallEvent] = []
    plan = [(0, 10, 6, "1"), (2, 15, 3, "3"), (5, 9, 1, "3")]
    for day, hour, calls, section in plan:
        for n in range(calls):
            name = f"d{day}-{n}"
            at = MONDAY + timedelta(days=day, hours=hour, minutes=n)
            events += [call_event(name, at, "welcome", route="voice.welcome")]
            events += [call_event(name, at + timedelta(seconds=30), "section", menu=section, key=section)]
            if day == 2:
                events += [call_event(name, at + timedelta(seconds=50), "transfer_closed", key="0")]
    # Two Monday callers asked for the secretariat: one got through, one found it busy.
    for n, outcome in enumerate(("dial_completed", "dial_busy")):
        at = MONDAY + timedelta(hours=10, minutes=n, seconds=40)
        events += [call_event(f"d0-{n}", at, "transfer_open", key="0")]
        events += [call_event(f"d0-{n}", at + timedelta(seconds=5), outcome, route="voice.dial")]
    return events


@pytest.fixture
def server(tmp_path: Path, make_app: Callable[..., Flask], app: object) -> Iterator[str]:
    """Serve the line, with seeded statistics, on 127.0.0.1; yield its base URL."""
    url = f"sqlite:///{tmp_path / 'browser.sqlite'}"
    store = Store(Database(url))
    store.add([as_row(event) for event in seed_events()])
    store.dispose()
    staff = make_app({"DATABASE_URL": url, "STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})
    httpd = make_server("127.0.0.1", 0, staff, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)
    httpd.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_the_staff_page_shows_the_recorded_numbers(server: str, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(
        http_credentials={"username": USER, "password": PASSWORD}, viewport={"width": 1100, "height": 900}
    )
    page = context.new_page()
    response = page.goto(server + "/staff/stats?since=2026-11-23&until=2026-11-29")
    assert response.status == 200
    assert page.locator("#calls strong").inner_text() == "10"
    assert page.locator("#transfers-open strong").inner_text() == "2"
    assert page.locator("#transfers-closed strong").inner_text() == "3"
    assert page.locator("#dial-completed strong").inner_text() == "1"

    def heat(weekday: int, hour: int) -> str:
        cell = page.locator(f'g.cell[data-weekday="{weekday}"][data-hour="{hour}"]')
        return str(cell.get_attribute("data-count"))

    assert (heat(0, 10), heat(2, 15), heat(5, 9), heat(1, 10)) == ("6", "3", "1", "0")
    # The number is written in the busiest square, and the opening hours are outlined Monday to Friday.
    assert page.locator('g.cell[data-weekday="0"][data-hour="10"] text').text_content() == "6"
    assert page.locator(".heat rect.open").count() == 5

    def bars(within: str) -> dict[str, str]:
        found = page.locator(f"{within} g.bar")
        return {
            str(found.nth(i).get_attribute("data-label")): str(found.nth(i).get_attribute("data-value"))
            for i in range(found.count())
        }

    sections = bars("#sections")
    assert sections["1. Om rodblokade"] == "6"
    assert sections["3. Sådan forbereder du dig"] == "4"
    assert sections["5. Komplikationer"] == "0"
    transfers = bars("#transfers")
    assert transfers["omstilling i åbningstiden"] == "2"
    assert transfers["omstilling uden for åbningstiden"] == "3"
    dials = bars("#dials")
    assert dials["omstillet og talt med sekretariatet"] == "1"
    assert dials["sekretariatet optaget"] == "1"
    assert dials["sekretariatet svarede ikke"] == "0"
    endings = [text.split("\t") for text in page.locator("#endings tr").all_inner_texts()]
    assert ["valgte et afsnit, afsnit 1 (Om rodblokade)", "4"] in endings
    assert ["omstilling uden for åbningstiden", "3"] in endings

    shot = tmp_path / "stats.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    context.close()


def test_the_staff_page_refuses_a_browser_with_a_wrong_password(server: str, browser: Any) -> None:
    context = browser.new_context(http_credentials={"username": USER, "password": "forkert"})
    page = context.new_page()
    response = page.goto(server + "/staff/stats")
    assert response.status == 401
    assert page.locator("svg").count() == 0
    assert "Log ind med personalets brugernavn" in page.content()
    context.close()
