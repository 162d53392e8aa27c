"""`ivr call`: walk through the line in a terminal, scripted or by hand, in-process or against a server."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import click
from flask import Flask

from ivr import settings
from ivr.app import create_app
from ivr.audio.library import Library, default_folder
from ivr.audio.web import AudioFiles
from ivr.cli_errors import Stop, one_line
from ivr.cli_options import LINE_OPTION, configured_content, configured_lines
from ivr.line.clock import FixedClock
from ivr.line.content import Content
from ivr.line.content_loader import ContentError
from ivr.line.lines import configured_contents
from ivr.line.moments import option_moment
from ivr.line.phonenumbers import E164
from ivr.tryout.caller import (
    DIAL_RESULTS,
    LOCAL_BASE,
    SILENCE,
    Caller,
    CallerHangsUp,
    CallParameters,
    FlaskTransport,
    HttpTransport,
    Keypad,
    PromptNames,
    ScriptedKeypad,
    Step,
    Transport,
    parse_script,
)
from ivr.tryout.trial import Trial
from ivr.versions import drafts
from ivr.webhook.endpoint import Webhook

# Players tried in turn for <Play> in a terminal; each plays a file and exits.
PLAYERS = (
    ("ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"),
    ("paplay",),
    ("aplay", "-q"),
    ("afplay",),
)


def _play_text() -> Callable[[str], str | None]:
    """Name played files as this machine's lines say them (every line of IVR_CONTENT_DIR, or the one), when
    they can be read: first by their audio folders' manifests (a file's name holds its text's hash, so the
    lines never disagree), then by their prompts' ids."""
    try:
        config = settings.from_environment()
        contents = configured_contents(config)
    except (settings.ConfigError, ContentError):
        return lambda url: None
    base: Path = config["AUDIO_DIR"] or default_folder()
    folders = bool(config["CONTENT_DIR"])
    spoken: dict[str, str] = {}
    for content in contents:
        spoken |= Library.load(base / content.line.id if folders else base).spoken()
    namers = [PromptNames(content, spoken) for content in contents]
    return lambda url: next((text for namer in namers if (text := namer(url)) is not None), None)


def in_process_caller(  # noqa: PLR0917 (each is one of `ivr call`'s options)
    at: datetime | None,
    dial_result: str,
    line_id: str | None = None,
    to: str | None = None,
    caller: str | None = None,
    sms_result: str = "sent",
    *,
    draft: bool = False,
) -> Caller:
    """Build the app here (at a fixed moment when given) and a caller that signs with its token.

    The call reaches the line `line_id` (through `?line=` in the voice URL, as a Twilio number's webhook can
    name it), or the one the number `to` reaches, or the default line.
    """
    # Without the real token, a throwaway one still makes the app check every signature.
    token = os.environ.get(settings.TOKEN_VARIABLE) or "local-" + secrets.token_hex(16)
    # A trial call is never a real one: it counts in no statistics and writes no request log lines.
    clock = FixedClock(at) if at is not None else None
    app = create_app(
        {settings.TOKEN_VARIABLE: token}, clock=clock, trial=Trial(sms_sent=sms_result == "sent")
    )
    if draft:
        app = _draft_app(app, token, clock, sms_result)
    lines = Webhook.of(app).lines
    params = CallParameters(called=to or CallParameters.called, caller=caller or CallParameters.caller)
    query = {"line": line_id} if line_id else {}
    line = lines.route(query, {"To": params.called}) or lines.first
    # Sign for the URL the app believes Twilio calls, as Twilio would.
    url = (app.config["PUBLIC_URL"] or LOCAL_BASE) + "/voice" + (f"?{urlencode(query)}" if query else "")
    transport = FlaskTransport(app.test_client())
    names = PromptNames(line.content, AudioFiles.of(app).libraries[line.content.line.id].spoken())
    return Caller(transport, url, token, dial_result, names, params)


def _draft_app(live: Flask, token: str, clock: FixedClock | None, sms_result: str) -> Flask:
    """An app for trial calls to staff's drafts: each drafted line's draft in place of what callers hear,
    with the drafts' own audio; or stop (exit 2) naming a draft that cannot be loaded."""
    running = [line.content for line in Webhook.of(live).lines]
    try:
        contents, ids = drafts.drafted(live.config, running)
    except ContentError as error:
        raise Stop(f"Kladden kan ikke indlæses: {one_line(error)}") from None
    if not ids:
        raise Stop(f"Der er ingen kladder i {drafts.folder(live.config)}: lav en med ivr draft.")
    return create_app(
        {settings.TOKEN_VARIABLE: token, "AUDIO_DIR": drafts.audio_folder(live.config)},
        clock=clock,
        contents=contents,
        trial=Trial(sms_sent=sms_result == "sent", draft=True),
    )


def http_caller(url: str, dial_result: str, caller: str = CallParameters.caller) -> Caller:
    """Build a caller for a running server from the number `caller`, signing with TWILIO_AUTH_TOKEN when it
    is set."""
    token = os.environ.get(settings.TOKEN_VARIABLE) or None
    names = _play_text()
    return Caller(HttpTransport(), url, token, dial_result, names, CallParameters(caller=caller))


class TerminalKeypad:
    """Reads the caller's keys from the terminal: keys then Enter; Enter alone is silence.

    Several keys typed at once are pressed one at each menu, as on a phone ("12" is 1, then 2).
    """

    def __init__(self) -> None:
        self.pending: list[str] = []

    def __call__(self, gather: Step) -> str | None:
        """Ask for keys until they are keypad keys; q or end of input hangs up."""
        while not self.pending:
            try:
                text: str = click.prompt(
                    "keys or words (Enter = silence, q = hang up)", default="", show_default=False, err=True
                )
            except click.Abort:
                raise CallerHangsUp from None
            text = text.strip()
            if text.lower() == "q":
                raise CallerHangsUp
            if not text:
                return None
            try:
                self.pending = parse_script(text)
            except ValueError:
                # Anything that is not keys is said, as a caller would speak to the line.
                self.pending = parse_script("{" + text.replace("}", "") + "}")
        token = self.pending.pop(0)
        return None if token.upper() == SILENCE else token


class AudioPlayer:
    """Plays <Play> files in the terminal when a player is installed; otherwise does nothing."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.player = next((player for player in PLAYERS if shutil.which(player[0])), None)

    def play(self, url: str) -> None:
        """Fetch the file and play it to the end."""
        if self.player is None:
            return
        answer = self.transport.send("GET", url, {}, {})
        if answer.status != 200:
            click.echo(f"  (could not fetch {url}: HTTP {answer.status})", err=True)
            return
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / ("prompt" + PurePosixPath(urlsplit(url).path).suffix)
            path.write_bytes(answer.body)
            subprocess.run([*self.player, str(path)], check=False, capture_output=True)


@click.command()
@click.option(
    "--keys",
    "script",
    metavar='"1 * # 0 T"',
    help='Taster, én ved hver menu ("12" er 1, så 2); T er stilhed; [97662400] sender taster samlet.',
)
@click.option("--json", "as_json", is_flag=True, help="Vis samtalen som JSON.")
@click.option(
    "--at",
    "at_text",
    metavar="ISO-TIDSPUNKT",
    help="Ring på dette tidspunkt, 2000-2100, i indholdets tidszone, hvis ingen er givet (kun i processen).",
)
@click.option(
    "--dial-result",
    type=click.Choice(DIAL_RESULTS),
    default="completed",
    show_default=True,
    help="Hvad der sker, når linjen stiller opkaldet om.",
)
@click.option(
    "--url", metavar="URL", help="Ring til en kørende servers voice-URL, fx http://127.0.0.1:8000/voice."
)
@click.option(
    "--say",
    "sayings",
    metavar="ORD",
    multiple=True,
    help="Sig dette ved næste menu i stedet for en tast, som Twilio hører tale; kan gives flere gange og "
    'siges efter --keys. I --keys siges ord i krøllede parenteser: --keys "1 {hvad er komplikationerne}".',
)
@click.option(
    "--confidence",
    type=click.FloatRange(0.0, 1.0),
    default=0.9,
    show_default=True,
    metavar="TAL",
    help="Den Confidence, Twilio sender med det sagte (hvor sikker talegenkendelsen er).",
)
@LINE_OPTION
@click.option("--to", metavar="NUMMER", help="Ring til dette nummer (E.164): linjen, det når, svarer.")
@click.option(
    "--from",
    "caller",
    metavar="NUMMER",
    default="+4520000000",
    show_default=True,
    help='Nummeret, der ringer fra, som Twilio sender det: et nummer, eller "anonymous" for et skjult.',
)
@click.option(
    "--sms",
    "sms_result",
    type=click.Choice(["sent", "not-sent"]),
    default="sent",
    show_default=True,
    help="Hvad der sker, når linjen sender folderen som SMS (et prøveopkald sender aldrig noget).",
)
@click.option(
    "--draft", is_flag=True, help="Ring til kladderne (ivr draft) i stedet for det, patienterne hører nu."
)
def call(  # noqa: PLR0912, PLR0917 (click passes every option as an argument; each is checked here)
    script: str | None,
    as_json: bool,
    at_text: str | None,
    dial_result: str,
    url: str | None,
    sayings: tuple[str, ...],
    confidence: float,
    line_id: str | None,
    to: str | None,
    caller: str,
    sms_result: str,
    draft: bool,
) -> None:
    """Ring til linjen, som Twilio ville: i hånden i en terminal, eller på forhånd med --keys."""
    if url is not None and draft:
        raise click.UsageError("--draft runs the drafts in-process: a running server runs what is live.")
    if url is not None and at_text is not None:
        raise click.UsageError(
            "--at needs the line in-process: a running server keeps its own clock. Leave out --url."
        )
    if line_id is not None and to is not None:
        raise click.UsageError("--line and --to both choose the line: give one of them.")
    if to is not None and not E164.match(to):
        raise click.BadParameter(f'{to!r} is not a phone number like "+4578787878"', param_hint="--to")
    if url is not None and (line_id or to):
        raise click.UsageError(
            "--line and --to are for the line in-process; with --url, call that line's URL."
        )
    try:
        tokens = parse_script(script) if script is not None else None
        spoken = [parse_script("{" + saying.replace("}", "") + "}")[0] for saying in sayings]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--keys" if script else "--say") from None
    if spoken:
        tokens = [*(tokens or []), *spoken]
    if url is not None:
        phone = http_caller(url, dial_result, caller)
        if phone.token is None:
            click.echo(f"{settings.TOKEN_VARIABLE} is not set: requests go unsigned.", err=True)
    else:
        content = configured_content(None, line_id) if to is None else _reached(to)
        moment = _moment(at_text, content)
        phone = in_process_caller(moment, dial_result, line_id, to, caller, sms_result, draft=draft)
    phone.confidence = confidence
    keypad: Keypad = ScriptedKeypad(tokens) if tokens is not None else TerminalKeypad()
    player = AudioPlayer(phone.transport) if tokens is None else None
    steps = []
    for step in phone.run(keypad):
        steps.append(step)
        if not as_json:
            click.echo(step.describe())
        if player is not None and step.kind == "play" and step.url:
            player.play(step.url)
    if as_json:
        data = {
            "at": at_text,
            "dial_result": dial_result,
            "steps": [step.as_dict() for step in steps],
            "end": steps[-1].as_dict(),
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    sys.exit(1 if steps[-1].outcome == "error" else 0)


def _reached(to: str) -> Content | None:
    """The line a call to `to` reaches: the one whose numbers hold it, else the default (None: no line)."""
    contents = configured_lines(None)
    claimed = next((content for content in contents if to in content.line.numbers), None)
    return claimed or next((content for content in contents if content.line.default), None)


def _moment(at_text: str | None, content: Content | None) -> datetime | None:
    """Read --at in the time zone of the line to be called (else Copenhagen's), or exit 2 explaining."""
    if at_text is None:
        return None
    zone = content.hours.timezone if content is not None else ZoneInfo("Europe/Copenhagen")
    return option_moment(at_text, zone)
