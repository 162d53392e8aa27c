"""Debian's Chromium for the browser tests: where it is, and how it is started here."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Headless, as root, and never reaching out: no updates, no sync, no background requests.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip the calling test module without Chromium, except in CI, which installs it (.ci/run)."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@contextmanager
def chromium(*extra_args: str) -> Iterator[Browser]:
    """Start Debian's Chromium headless through Playwright (never a browser of its own); close it after."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*ARGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
