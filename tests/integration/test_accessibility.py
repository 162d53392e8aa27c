"""Every staff page passes axe-core's WCAG 2.1 AA and best-practice rules in Chromium, with data or none."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ivr.app import clock_of
from ivr.callbacks.desk import new_key
from ivr.callbacks.web import CallbackPages
from ivr.db import Database
from ivr.line.events import CallEvent
from ivr.stats.store import Store, as_row
from tests.support import CPH, ROOT, chromium, require_chromium, serving

KEY = new_key()

require_chromium()

from playwright.sync_api import Browser, Page  # noqa: E402

pytestmark = pytest.mark.slow

# axe-core from the npm registry (.ci/run and `make test` install it here; IVR_AXE_JS names another copy).
AXE = Path(os.environ.get("IVR_AXE_JS", ROOT / "build/axe/node_modules/axe-core/axe.min.js"))
if not AXE.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"axe-core is missing at {AXE}: .ci/run installs it with npm")
    pytest.skip(
        "axe-core is not installed (npm install --prefix build/axe axe-core)", allow_module_level=True
    )

USER, PASSWORD = "personale", "rigtig-hemmelig"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def app_with(make_app: Callable[..., Flask], config: dict[str, Any], events: int) -> Flask:
    """The line with a staff login, its statistics holding `events` calls of a few steps, on two lines."""
    store = Store(Database(config["DATABASE_URL"]))
    rows = []
    for n in range(events):
        at = datetime(2026, 11, 2 + n % 20, 9 + n % 6, 15, tzinfo=CPH)
        call, line = f"{n:016x}", ("rodblokade", "knae")[n % 2]
        rows += [
            as_row(CallEvent(call, at, "voice.welcome", "welcome", "main", None, line)),
            as_row(CallEvent(call, at, "voice.key", "section", str(1 + n % 5), str(1 + n % 5), line)),
            as_row(CallEvent(call, at, "voice.key", "transfer_closed", "main", "0", line)),
        ]
    store.add(rows)
    store.dispose()
    app = make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD, "CALLBACK_KEY": KEY})
    desk = CallbackPages.of(app).desk
    assert desk is not None
    for n in range(min(events, 3)):
        desk.ask("rodblokade", f"+45203040{n:02d}", clock_of(app)())
    return app


def violations(browser: Browser, url: str, act: str | None = None) -> list[str]:
    """Open `url` logged in, optionally act on it, run axe, and name its serious and critical violations."""
    context = browser.new_context(
        http_credentials={"username": USER, "password": PASSWORD},
        bypass_csp=True,  # only to inject axe
    )
    try:
        tab: Page = context.new_page()
        tab.goto(url)
        if act:
            tab.evaluate(act)
            tab.wait_for_timeout(500)
        tab.add_script_tag(path=str(AXE))
        found = tab.evaluate(
            "async (rules) => (await axe.run(document, {runOnly: {type: 'tag', values: rules}}))"
            ".violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))",
            RULES,
        )
    finally:
        context.close()
    return [
        f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("events", [0, 60], ids=["empty", "with-data"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/preview/",
        "/staff/stats?since=2026-11-01&until=2026-11-30",
        "/staff/stats?since=2026-11-01&until=2026-11-30&line=rodblokade",
        "/staff/stats?line=ukendt",  # refused (400): the message and the pickers
        "/staff/callbacks",
        "/staff/closed",
        "/staff/content",
    ],
)
def test_a_staff_page_has_no_serious_violations(
    browser: Browser, config: dict[str, Any], path: str, events: int, make_app: Callable[..., Flask]
) -> None:
    with serving(app_with(make_app, config, events)) as base:
        assert violations(browser, base + path) == []


def test_the_preview_after_a_call_has_no_serious_violations(
    browser: Browser, config: dict[str, Any], make_app: Callable[..., Flask]
) -> None:
    with serving(app_with(make_app, config, 0)) as base:
        found = violations(browser, base + "/preview/", "document.querySelector('#start').click()")
    assert found == []


def test_the_preview_keypad_works_from_the_keyboard(
    browser: Browser, config: dict[str, Any], make_app: Callable[..., Flask]
) -> None:
    with serving(app_with(make_app, config, 0)) as base:
        context = browser.new_context(http_credentials={"username": USER, "password": PASSWORD})
        tab = context.new_page()
        tab.goto(base + "/preview/")
        tab.focus("#start")
        tab.keyboard.press("Enter")
        tab.wait_for_selector("#status:has-text('venter på en tast')")
        tab.focus(".keypad button >> nth=2")  # the key 3
        tab.keyboard.press("Enter")
        tab.wait_for_function("document.querySelector('#transcript').textContent.includes('3')")
        context.close()
