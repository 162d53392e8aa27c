"""The browser preview: staff walk a call on a keypad; the server runs it through the real webhook."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from ivr import settings, staff, state
from ivr.line.clock import Clock
from ivr.line.keypad import KEYPAD
from ivr.line.moments import read_moment
from ivr.line.running import Line
from ivr.tryout.caller import (
    DIAL_RESULTS,
    LOCAL_BASE,
    MAX_SPEECH,
    SILENCE,
    SPEECH_CLOSE,
    SPEECH_OPEN,
    Caller,
    FlaskTransport,
    PromptNames,
    ScriptedKeypad,
    walk,
)

bp = Blueprint(
    "preview",
    __name__,
    url_prefix="/preview",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
# How many key presses one preview call may carry: far more than any real call, and bounded.
MAX_KEYS = 200

# The moment a preview call is simulated at; read by the preview line's clock during that call only.
_simulated_at: ContextVar[datetime | None] = ContextVar("ivr_preview_at", default=None)
_build_lock = threading.Lock()


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse a staff user without a password (or the reverse)."""
    if bool(config["STAFF_USER"]) != bool(config["STAFF_PASSWORD"] or config["STAFF_PASSWORD_HASH"]):
        raise settings.ConfigError(
            f"configuration problem:\n  set both {settings.PREFIX}STAFF_USER and "
            f"{settings.PREFIX}STAFF_PASSWORD (or {settings.PREFIX}STAFF_PASSWORD_HASH) for the staff pages, "
            "or neither"
        )


def _simulated_clock(real: Clock) -> Clock:
    """A clock that reads the preview call's chosen moment, or `real` when none was chosen."""
    return lambda: _simulated_at.get() or real()


@contextmanager
def simulated(at: datetime | None) -> Iterator[None]:
    """Run the enclosed preview call at `at`."""
    reset = _simulated_at.set(at)
    try:
        yield
    finally:
        _simulated_at.reset(reset)


def preview_app(app: Flask) -> Flask:
    """Return the app's twin that preview calls go through, built once on first use."""
    shared = state.of(app)
    twin = shared.preview_twin
    if twin is not None:
        return twin
    with _build_lock:
        twin = shared.preview_twin
        if twin is None:
            twin = shared.preview_twin = _build_twin(app)
    return twin


def _build_twin(app: Flask) -> Flask:
    """Build the same line from the same settings, with the preview's clock and no observers."""
    from ivr import create_app  # noqa: PLC0415  (the package's factory imports this module)

    config: dict[str, Any] = {setting.name: app.config[setting.name] for setting in settings.SETTINGS}
    # A development line has no token; its twin gets a throwaway one so every signature is still checked.
    token = app.config[settings.TOKEN_VARIABLE] or "preview-" + secrets.token_hex(16)
    # Its calls are staff trying the line: no request log lines, as no statistics below.
    clock = _simulated_clock(state.of(app).clock)
    config |= {settings.TOKEN_VARIABLE: token, "CLOCK": clock, "LOG_CALL_REQUESTS": False}
    # Nor callback requests on the secretariat's real list.
    config["TRIAL_CALLS"] = True
    # The content the line runs with, not the file as it may read now: the preview is what callers hear.
    config["CONTENTS"] = tuple(line.content for line in state.of(app).lines)
    twin = create_app(config)
    # Staff trying the line must never count in the call statistics, whoever listens in create_app.
    state.of(twin).observers.clear()
    return twin


# Hidden unless enabled; the staff login asked for when one is configured.
bp.before_request(staff.login_required)


@bp.get("/")
def page() -> str:
    """Show the keypad, the time and transfer choices, and an empty transcript."""
    shared = state.current()
    line = shared.line
    now = state.current().clock().astimezone(line.content.hours.timezone)
    return render_template(
        "preview.html",
        lines=[running.content.line for running in shared.lines],
        listens=any(running.understanding is not None for running in shared.lines),
        line_id=line.content.line.id,
        content_changed=shared.content_watch.state().changed,
        now=now.strftime("%Y-%m-%dT%H:%M"),
        dial_results=DIAL_RESULTS,
        sections=line.content.sections,
        keys=line.content.keys,
    )


@bp.post("/call")
def call() -> ResponseReturnValue:
    """Run the call from its start with the keys pressed so far; answer its transcript as JSON."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "expected a JSON object")
    keys = data.get("keys", [])
    dial = data.get("dial", "completed")
    if not isinstance(keys, list) or len(keys) > MAX_KEYS or not all(_is_token(key) for key in keys):
        abort(400, "keys must be a list of keypad keys, T for silence, or words said in { }")
    if dial not in DIAL_RESULTS:
        abort(400, f"dial must be one of {', '.join(DIAL_RESULTS)}")
    lines = state.current().lines
    chosen = data.get("line")
    line = lines.first if chosen is None else lines.by_id.get(chosen) if isinstance(chosen, str) else None
    if line is None:
        abort(400, f"Linjen findes ikke; vælg en af: {', '.join(lines.by_id)}.")
    try:
        at = _moment(data.get("at"), line)
    except ValueError:
        abort(
            400, "Tidspunktet skal være en dato og et klokkeslæt som 2026-11-25T11:00 mellem år 2000 og 2100."
        )
    return jsonify(run_preview(keys, at, dial, line))


def run_preview(keys: list[str], at: datetime | None, dial: str, line: Line | None = None) -> dict[str, Any]:
    """Walk the call to `line` (else the default) through the preview twin; say whether it waits for a key."""
    line = line or state.current().line
    line_id = line.content.line.id
    twin = preview_app(current_app._get_current_object())  # type: ignore[attr-defined]
    base = twin.config["PUBLIC_URL"] or LOCAL_BASE
    token = twin.config[settings.TOKEN_VARIABLE]
    transport = FlaskTransport(twin.test_client())
    # What the twin played, named by what its files say: exactly what a caller hears.
    twin_state = state.of(twin)
    twin_state.lines.refresh()
    names = PromptNames(line.content, twin_state.libraries[line_id].spoken())
    # The line chosen, as a Twilio number's webhook URL can name it.
    url = base + "/voice" + (f"?{urlencode({'line': line_id})}" if len(twin_state.lines) > 1 else "")
    caller = Caller(transport, url, token, dial, names)
    # Each key leads to at most a few requests (a silence redirects, a transfer has its action).
    caller.max_requests = 3 * MAX_KEYS + 10
    with simulated(at):
        transcript = walk(caller, ScriptedKeypad(keys))
    steps = [step.as_dict() for step in transcript.steps]
    for step in steps:
        if step["kind"] == "play":
            step["audio"] = _browser_url(step["url"], base)
    # Out of keys at a Gather: the call goes on when staff press the next key.
    waiting = transcript.end.outcome == "caller"
    status = line.schedule.status(at or state.current().clock())
    return {
        "steps": steps[:-1] if waiting else steps,
        "waiting": waiting,
        "open": status.open,
        "at": status.at.astimezone(line.content.hours.timezone).isoformat(timespec="minutes"),
        "content_changed": state.current().content_watch.state().changed,
    }


def _is_token(key: object) -> bool:
    """Tell whether `key` is keypad keys, T (silence) or words said in braces ("{hvad er det}")."""
    if not isinstance(key, str):
        return False
    if key.startswith(SPEECH_OPEN):
        words = key[1:-1]
        return key.endswith(SPEECH_CLOSE) and 0 < len(words.strip()) <= MAX_SPEECH and "}" not in words
    return 0 < len(key) <= 20 and (key == SILENCE or all(ch in KEYPAD for ch in key))


def _moment(text: object, line: Line) -> datetime | None:
    """Read the chosen time in the content's time zone (empty means now); ValueError when unreadable."""
    if text in (None, ""):
        return None
    if not isinstance(text, str):
        raise ValueError(f"at must be a text, not {type(text).__name__}")
    return read_moment(text, line.content.hours.timezone)


def _browser_url(url: str, base: str) -> str:
    """Turn a file URL seen by the in-process caller into one the browser can fetch from this server."""
    if url.startswith(base + "/"):
        return request.script_root + url[len(base) :]
    return url
