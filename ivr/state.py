"""The app's state: everything create_app builds once, in one typed object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from ivr.line.clock import Clock, system_clock

if TYPE_CHECKING:
    from ivr.audio.library import AudioFile, Library
    from ivr.callbacks.desk import CallbackDesk
    from ivr.line.events import Observer
    from ivr.line.lines import Lines
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
    # Each line's built audio, by line id.
    libraries: dict[str, Library]
    lines: Lines
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
    # The callback list, where IVR_CALLBACK_KEY is set.
    callbacks: CallbackDesk | None = None
    # The app's one clock: calls and staff pages alike read the time here (a test's or trial's fixed clock).
    clock: Clock = system_clock
    # The preview's twin of this app, built on its first call.
    preview_twin: Flask | None = None

    @property
    def line(self) -> Line:
        """The line staff pages show unless told otherwise (the default line, else the first)."""
        return self.lines.first

    @property
    def audio(self) -> Library:
        """That line's built audio."""
        return self.libraries[self.line.content.line.id]

    def audio_file(self, name: str) -> AudioFile | None:
        """A built file any line's manifest has named, by its name."""
        for library in self.libraries.values():
            found = library.files.get(name)
            if found is not None:
                return found
        return None


def of(app: Flask) -> AppState:
    """Return the state of `app`."""
    state: AppState = app.extensions[KEY]
    return state


def current() -> AppState:
    """Return the state of the app handling the current request."""
    return of(current_app._get_current_object())  # type: ignore[attr-defined]
