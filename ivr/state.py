"""The app's state: everything create_app builds once, in one typed object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from ivr.audio.library import Library
    from ivr.line.events import Observer
    from ivr.line.running import Line
    from ivr.ops.contentwatch import ContentWatch
    from ivr.staff import Login
    from ivr.stats.gate import StaffGate
    from ivr.stats.recorder import Recorder
    from ivr.stats.store import Store
    from ivr.webhook.endpoint import Webhook
    from ivr.webhook.signature import Validator

KEY = "ivr"


@dataclass
class AppState:
    """What the line's parts share, built by create_app in the order of the fields."""

    # None only in development mode: signatures are not checked.
    validator: Validator | None
    # The key of the calls' hashes in logs and statistics, derived from the auth token.
    hash_key: bytes
    audio: Library
    line: Line
    store: Store
    recorder: Recorder
    # Told about every step of every call (the statistics' recorder, tests' listeners).
    observers: list[Observer]
    content_watch: ContentWatch
    webhook: Webhook
    # How many staff pages may run at once across the line's workers.
    gate: StaffGate
    # The staff login, or None when the staff pages have none (off, or open in development mode).
    login: Login | None = None
    # The preview's twin of this app, built on its first call.
    preview_twin: Flask | None = None


def of(app: Flask) -> AppState:
    """Return the state of `app`."""
    state: AppState = app.extensions[KEY]
    return state


def current() -> AppState:
    """Return the state of the app handling the current request."""
    return of(current_app._get_current_object())  # type: ignore[attr-defined]
