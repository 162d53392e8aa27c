"""The staff pages' policies in a real Chromium: everything they need loads, nothing is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.support import chromium, require_chromium, serving

require_chromium()

from playwright.sync_api import Browser, ConsoleMessage, Page, expect  # noqa: E402

# Real servers, browsers or several processes: left out of the quick loop, `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

USER, PASSWORD = "personale", "rigtig-hemmelig"
# Records every policy violation the page reports, from before its first script runs.
WATCH = """
window.violations = [];
document.addEventListener("securitypolicyviolation",
    (event) => window.violations.push(`${event.effectiveDirective} ${event.blockedURI}`));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def staff_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})


@pytest.fixture
def page(browser: Browser, staff_app: Flask) -> Iterator[tuple[Page, str, list[str]]]:
    """A logged-in tab on the served app, and the console errors it has shown."""
    with serving(staff_app) as base:
        context = browser.new_context(http_credentials={"username": USER, "password": PASSWORD})
        context.add_init_script(WATCH)
        tab = context.new_page()
        errors: list[str] = []

        def note(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(message.text)

        tab.on("console", note)
        yield tab, base, errors
        context.close()


def test_the_preview_runs_a_call_within_its_policy(page: tuple[Page, str, list[str]]) -> None:
    tab, base, errors = page
    tab.goto(base + "/preview/")
    # The stylesheet applied (the page is a grid), the script ran and posted the call.
    assert tab.evaluate("getComputedStyle(document.querySelector('main')).display") == "grid"
    tab.fill("#at", "2026-11-25T11:00")
    tab.click("#start")
    expect(tab.locator("#status")).to_contain_text("venter på en tast")
    assert tab.evaluate("window.violations") == []
    assert not [text for text in errors if "Content Security Policy" in text]


def test_the_statistics_show_their_inline_style_within_their_policy(
    page: tuple[Page, str, list[str]],
) -> None:
    tab, base, errors = page
    response = tab.goto(base + "/staff/stats?since=2026-11-01&until=2026-11-30")
    assert response is not None
    assert response.status == 200
    assert tab.evaluate("getComputedStyle(document.querySelector('.totals')).display") == "flex"
    assert tab.evaluate("window.violations") == []
    assert not [text for text in errors if "Content Security Policy" in text]


def test_the_statistics_show_a_refused_period_in_danish(page: tuple[Page, str, list[str]]) -> None:
    tab, base, _ = page
    response = tab.goto(base + "/staff/stats?since=0001-01-01")
    assert response is not None
    assert response.status == 400
    expect(tab.locator("#error")).to_have_text(
        "Datoen »fra og med« skal være en dato som 2026-11-01 mellem år 2000 og 2100."
    )
    expect(tab.locator("#calls")).to_have_count(0)


def test_no_page_can_frame_a_staff_page(page: tuple[Page, str, list[str]]) -> None:
    tab, base, _ = page
    # Even a page of the app's own origin (/healthz's JSON, which may be framed) is refused.
    tab.goto(base + "/healthz")
    with tab.expect_console_message(lambda message: "frame-ancestors 'none'" in message.text) as refusal:
        tab.set_content(f'<iframe src="{base}/healthz"></iframe><iframe src="{base}/staff/stats"></iframe>')
    assert "blocked" in refusal.value.text
    urls = sorted(frame.url for frame in tab.frames[1:])
    assert urls == ["chrome-error://chromewebdata/", base + "/healthz"]


def test_the_start_page_leads_to_every_staff_page(page: tuple[Page, str, list[str]]) -> None:
    tab, base, errors = page
    tab.goto(base + "/")
    expect(tab.locator("h1")).to_have_text("Rodblokade-linjen")
    titles = ["Prøv linjen", "Statistik", "Menuen som tegning", "Driftsstatus"]
    for title in titles:
        tab.goto(base + "/")
        with tab.expect_navigation():
            tab.get_by_role("link", name=title).click()
        assert tab.url != base + "/"
        if title in {"Prøv linjen", "Statistik"}:
            # Each staff page links back to the others.
            expect(tab.locator("nav.staff-nav").get_by_role("link", name="Forside")).to_be_visible()
    assert tab.evaluate("window.violations") == []
    assert errors == []
