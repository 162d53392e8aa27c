"""The browser preview: staff walk a call on a keypad; the server runs it through the real webhook."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from ivr import settings, staff
from ivr.audio.web import AudioFiles
from ivr.cli_errors import one_line
from ivr.component import Component
from ivr.line.clock import Clock
from ivr.line.content import Content
from ivr.line.content_loader import ContentError
from ivr.line.keypad import KEYPAD
from ivr.line.lines import Lines
from ivr.line.moments import read_moment
from ivr.line.running import Line
from ivr.ops.contentwatch import ContentWatch
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
from ivr.tryout.trial import Trial
from ivr.versions import drafts
from ivr.webhook.endpoint import Webhook


class AppFactory(Protocol):
    """ivr.app.create_app, as the preview calls it."""

    def __call__(
        self, test_config: Mapping[str, Any], *, clock: Clock, contents: Sequence[Content], trial: Trial
    ) -> Flask: ...


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


class Preview(Component):
    """The browser preview: staff press keys and hear the line, through an app of the same settings and
    content built for trial calls (its calls counted nowhere, its callbacks and SMS never real)."""

    extension = "ivr.preview"
    blueprint = bp

    def __init__(
        self, config: Mapping[str, Any], lines: Lines, watch: ContentWatch, clock: Clock, factory: AppFactory
    ) -> None:
        # Every setting the line runs with, its Twilio token too (the trial app checks signatures with it).
        names = [setting.name for setting in settings.SETTINGS] + [settings.TOKEN_VARIABLE]
        self.settings = {name: config[name] for name in names}
        # create_app, handed down by create_app itself: the factory is above this module, never imported here.
        self.factory = factory
        self.lines = lines
        self.watch = watch
        self.clock = clock
        self.trial_app: Flask | None = None
        # The app for staff's drafts, with the running content and drafts' stamps it was built for.
        self._draft_app: tuple[object, Flask] | None = None
        self._lock = threading.Lock()

    def trial(self) -> Flask:
        """The app preview calls go through, built on first use."""
        built = self.trial_app
        if built is not None:
            return built
        with self._lock:
            if self.trial_app is None:
                self.trial_app = self._build()
            return self.trial_app

    def draft_trial(self) -> Flask:
        """The app preview calls to staff's drafts go through, built again whenever a draft or the running
        content changed; ContentError when a draft cannot be loaded, LookupError when there is none."""
        running = tuple(line.content for line in self.lines)
        stamp = (
            tuple(map(id, running)),
            _stamps(drafts.draft_file(self.settings, content.line.id) for content in running),
        )
        with self._lock:
            built = self._draft_app
            if built is not None and built[0] == stamp:
                return built[1]
            contents, ids = drafts.drafted(self.settings, running)
            if not ids:
                raise LookupError(drafts.folder(self.settings))
            app = self.factory(
                self._trial_settings() | {"AUDIO_DIR": drafts.audio_folder(self.settings)},
                clock=_simulated_clock(self.clock),
                contents=contents,
                trial=Trial(draft=True),
            )
            self._draft_app = (stamp, app)
            return app

    def _trial_settings(self) -> dict[str, Any]:
        """The line's settings for a trial app: a development line's gets a throwaway token, so every
        signature is checked."""
        token = self.settings[settings.TOKEN_VARIABLE] or "preview-" + secrets.token_hex(16)
        return self.settings | {settings.TOKEN_VARIABLE: token}

    def _build(self) -> Flask:
        """The same line from the same settings, at the moment a preview call chooses, as a trial."""
        return self.factory(
            self._trial_settings(),
            clock=_simulated_clock(self.clock),
            # The content the line runs with, not the file as it may read now: what callers hear.
            contents=tuple(line.content for line in self.lines),
            trial=Trial(),
        )


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse a staff user without a password (or the reverse)."""
    if bool(config["STAFF_USER"]) != bool(config["STAFF_PASSWORD"] or config["STAFF_PASSWORD_HASH"]):
        raise settings.ConfigError(
            f"configuration problem:\n  set both {settings.PREFIX}STAFF_USER and "
            f"{settings.PREFIX}STAFF_PASSWORD (or {settings.PREFIX}STAFF_PASSWORD_HASH) for the staff pages, "
            "or neither"
        )


def _stamps(paths: Iterable[Path]) -> tuple[tuple[int, int] | None, ...]:
    """Each file's modification time and size, None where it is not there: a saved edit changes one."""
    found: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            found.append(None)
            continue
        found.append((info.st_mtime_ns, info.st_size))
    return tuple(found)


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


# Hidden unless enabled; the staff login asked for when one is configured.
bp.before_request(staff.login_required)


@bp.get("/")
def page() -> str:
    """Show the keypad, the time and transfer choices, and an empty transcript, for the line ?line= names
    (else the first): its own title and menu."""
    preview = Preview.current()
    line = preview.lines.by_id.get(request.args.get("line") or preview.lines.first.content.line.id)
    if line is None:
        abort(404, "Den linje findes ikke her.")
    now = preview.clock().astimezone(line.content.hours.timezone)
    return render_template(
        "preview.html",
        lines=[running.content.line for running in preview.lines],
        listens=any(running.understanding is not None for running in preview.lines),
        line_id=line.content.line.id,
        name=line.content.line.name,
        content_changed=preview.watch.state().changed,
        drafted=[
            running.content.line.id
            for running in preview.lines
            if drafts.draft_file(preview.settings, running.content.line.id).is_file()
        ],
        now=now.strftime("%Y-%m-%dT%H:%M"),
        dial_results=DIAL_RESULTS,
        sections=line.content.sections,
        keys=line.content.keys,
    )


@bp.post("/call")
def call() -> ResponseReturnValue:
    """Run the call from its start with the keys pressed so far; answer its transcript as JSON."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        # Python's JSON parser recurses per level: JSON nested thousands deep is refused, not a 500.
        data = None
    if not isinstance(data, dict):
        abort(400, "expected a JSON object")
    keys = data.get("keys", [])
    dial = data.get("dial", "completed")
    if not isinstance(keys, list) or len(keys) > MAX_KEYS or not all(_is_token(key) for key in keys):
        abort(400, "keys must be a list of keypad keys, T for silence, or words said in { }")
    if dial not in DIAL_RESULTS:
        abort(400, f"dial must be one of {', '.join(DIAL_RESULTS)}")
    lines = Preview.current().lines
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
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        abort(400, "draft must be true or false")
    return jsonify(run_preview(keys, at, dial, line, draft=draft))


def run_preview(
    keys: list[str], at: datetime | None, dial: str, line: Line | None = None, *, draft: bool = False
) -> dict[str, Any]:
    """Walk the call to `line` (else the default) through the trial app (or the drafts' one); say whether it
    waits for a key."""
    preview = Preview.current()
    line = line or preview.lines.first
    line_id = line.content.line.id
    trial = _draft_trial(preview) if draft else preview.trial()
    base = trial.config["PUBLIC_URL"] or LOCAL_BASE
    token = trial.config[settings.TOKEN_VARIABLE]
    transport = FlaskTransport(trial.test_client())
    # What the trial app played, named by what its files say: exactly what a caller hears.
    trial_lines = Webhook.of(trial).lines
    trial_lines.refresh()
    # The line as the trial app runs it: the draft, where staff try one.
    line = trial_lines.by_id.get(line_id, line)
    names = PromptNames(line.content, AudioFiles.of(trial).libraries[line_id].spoken())
    # The line chosen, as a Twilio number's webhook URL can name it.
    url = base + "/voice" + (f"?{urlencode({'line': line_id})}" if len(trial_lines) > 1 else "")
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
    moment = at or preview.clock()
    status = line.current_schedule(moment).status(moment)
    return {
        "steps": steps[:-1] if waiting else steps,
        "waiting": waiting,
        "open": status.open,
        "at": status.at.astimezone(line.content.hours.timezone).isoformat(timespec="minutes"),
        "content_changed": preview.watch.state().changed,
    }


def _draft_trial(preview: Preview) -> Flask:
    """The drafts' trial app, or 400 saying in Danish why there is none."""
    try:
        return preview.draft_trial()
    except ContentError as error:
        abort(400, f"Kladden kan ikke indlæses: {one_line(error)}")
    except LookupError as nothing:
        abort(400, f"Der er ingen kladder i {nothing.args[0]}: lav en med ivr draft.")


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
