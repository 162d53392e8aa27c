"""Helpers the tests share: a call as Twilio makes it, reading TwiML, a real `ivr serve`, raw HTTP."""

from __future__ import annotations

import base64
import functools
import importlib.util
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import responses
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    insert,
)
from sqlalchemy import text as text_sql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from bench import stalling
from bench.servers import (
    CALL,  # one call's parameters as Twilio sends them, as the benchmarks send them
    LEAFLET_URL,
    with_sms,
)
from ivr.audio import manifest
from ivr.audio.engines import EspeakEngine, Sound, SynthesisError, TransientError
from ivr.audio.manifest import Entry
from ivr.audio.processing import Output, process
from ivr.caps import Cap
from ivr.db import Database, drop_all
from ivr.line.clock import FixedClock
from ivr.line.content import Content
from ivr.line.content_loader import load_content
from ivr.line.events import CallEvent
from ivr.sms.ledger import SmsLedger
from ivr.stats.store import as_row

# isort: split
# pydub warns as it imports, so only after ivr.audio.processing: that imports it with the warnings silenced
# and points it at the bundled ffmpeg, but does not export the class the tests need.
from pydub import AudioSegment

# Re-exported for the tests.
__all__ = ["CALL", "LEAFLET_URL", "AudioSegment", "FixedClock", "with_sms"]

# The developer's instance folder, where `make run` keeps its statistics: no test may write there.
ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
TOKEN = "test-auth-token-0123456789abcdef"
CPH = ZoneInfo("Europe/Copenhagen")
SECRETARIAT = "+4597662400"
# Wednesday 25 November 2026, 11:00 in Copenhagen: the secretariat is open.
OPEN_TIME = datetime(2026, 11, 25, 11, 0, tzinfo=CPH)
CLOSED_TIME = datetime(2026, 11, 25, 15, 0, tzinfo=CPH)


class TwilioClient:
    """Posts to the app as Twilio would: standard call parameters and a valid signature."""

    def __init__(self, client: FlaskClient, token: str = TOKEN, base: str = "http://localhost") -> None:
        self.client = client
        self.validator = RequestValidator(token)
        self.base = base

    def post(
        self, path: str, data: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> TestResponse:
        """Sign `path` with the call parameters plus `data`, and post it."""
        form = {**CALL, **(data or {})}
        signature = self.validator.compute_signature(self.base + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature, **(headers or {})})

    def twiml(self, path: str, data: Mapping[str, str] | None = None) -> ET.Element:
        """Post and parse the TwiML answer, checking it is a 200 text/xml document."""
        response = self.post(path, data)
        assert response.status_code == 200, response.data
        assert response.mimetype == "text/xml"
        return ET.fromstring(response.data)


def assert_worked(response: TestResponse, content: Content | None = None) -> ET.Element:
    """Check a call step worked: a 200 TwiML document that says something and is not the apology for a fault.

    The apology after an internal failure is a 200 too, so a status alone proves nothing.
    """
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    said = spoken(root)
    assert said, "the step said nothing"
    apology = (content or load_content()).prompt("error").text
    assert apology not in said, "the line apologised for a fault instead of answering"
    return root


def spoken(element: ET.Element) -> list[str]:
    """Return every <Say> text below `element`, in order."""
    return [" ".join("".join(say.itertext()).split()) for say in element.iter("Say")]


def verbs(root: ET.Element) -> list[str]:
    """Return the top-level verbs of a <Response>."""
    return [child.tag for child in root]


def text(content: Content, prompt_id: str) -> str:
    """Return a system prompt's text."""
    return content.prompt(prompt_id).text


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The request log's lines a test caught (ivr/webhook/requestlog.py's logger)."""
    return [record for record in caplog.records if record.name == "ivr.requests"]


def logged(record: logging.LogRecord) -> dict[str, object]:
    """Return the fields of a request log line (ivr/webhook/requestlog.py passes `extra={"ivr": ...}`)."""
    fields: dict[str, object] = vars(record)["ivr"]
    return fields


Edit = Callable[[str], str]

SIXTH = """
[[sections]]
key = "8"
title = "Efter blokaden"
text = "Et nyt afsnit, som menuen ikke nævner."
"""

# Edits of the shipped content file that `ivr check` must refuse: (name, edit, the key, what is said).
BROKEN: list[tuple[str, Edit, str, str]] = [
    ("missing prompt", lambda t: re.sub(r"\ngoodbye = .*\n", "\n", t), "prompts.goodbye", "mangler"),
    ("bad number", lambda t: t.replace('"+4597662400"', '"97 66 24 00"'),
     "secretariat.number", "telefonnummer"),
    ("bad time", lambda t: t.replace('opens = "10:00"', 'opens = "10"'), "hours.opens", "klokkeslæt som"),
    ("closes first", lambda t: t.replace('closes = "14:00"', 'closes = "09:00"'), "hours.closes", "efter"),
    ("bad day", lambda t: t.replace('"fredag"]', '"friday"]'), "hours.days", "ugedage"),
    ("bad zone", lambda t: t.replace("Europe/Copenhagen", "Europe/Aarhus"), "hours.timezone", "tidszone"),
    ("bad closed day", lambda t: t.replace('"12-31"', '"13-45"'),
     "hours.extra_closed_days[1].days", "ikke en dato"),
    ("backwards range", lambda t: t.replace('"12-31"', '"2027-07-30..2027-07-05"'),
     "hours.extra_closed_days[1].days", "slutter, før det begynder"),
    ("half a year", lambda t: t.replace('"12-31"', '"2027-07-05..07-30"'),
     "hours.extra_closed_days[1].days", "i begge ender"),
    ("empty reason", lambda t: t.replace('reason = "juleaften"', 'reason = " "'),
     "hours.extra_closed_days[0].reason", "kort tekst"),
    ("placeholder", lambda t: t.replace("{hours}.\n\"\"\"", "{hour}.\n\"\"\"", 1), "prompts.after_problems",
     "ukendt pladsholder {hour}"),
    ("empty text", lambda t: t.replace('invalid = "Den tast kender jeg ikke."', 'invalid = " "'),
     "prompts.invalid", "tekst, der ikke er tom"),
    ("typo prompt", lambda t: t.replace("goodbye = ", "goodby = "), "prompts.goodby",
     "ukendt nøgle 'goodby'; mente du 'goodbye'?"),
    ("reserved key", lambda t: t.replace('transfer = "0"', 'transfer = "5"'),
     "sections[4].key", "ét ciffer 1-9"),
    ("twin section", lambda t: t.replace('key = "2"', 'key = "1"'), "sections[1].key", "tidligere afsnit"),
    ("shared key", lambda t: t.replace('repeat = "*"', 'repeat = "#"'), "keys", "samme tast"),
    ("template", lambda t: t.replace("{when}", "{nar}"), "templates.closed", "ukendt pladsholder"),
    ("not toml", lambda t: t + "\n[[[", "linje ", "er ikke gyldig TOML: en linje begynder med noget"),
    # Typos the line used to ignore in silence (the first put callers through on 24 December).
    ("closed days typo", lambda t: t.replace("extra_closed_days =", "extra_closed_day ="),
     "hours.extra_closed_day", "ukendt nøgle 'extra_closed_day'; mente du 'extra_closed_days'?"),
    ("title typo", lambda t: t.replace('title = "Komplikationer"', 'tittle = "Komplikationer"'),
     "sections[4].tittle", "mente du 'title'?"),
    ("unknown key", lambda t: t.replace('main_menu = "#"', 'main_menu = "#"\nback = "9"'), "keys.back",
     "ukendt nøgle 'back'"),
    ("saturday", lambda t: t.replace('closes = "14:00"', 'closes = "14:00"\nopen_saturday = true'),
     "hours.open_saturday", "ukendt nøgle"),
    ("stray table", lambda t: t + '\n[secretary]\nnumber = "+4511223344"\n', "secretary",
     "ukendt tabel 'secretary'; mente du 'secretariat'?"),
    ("closed day key", lambda t: t.replace('reason = "juleaften"', 'reson = "juleaften"'),
     "hours.extra_closed_days[0].reson", "mente du 'reason'?"),
    # The menus must match the sections.
    ("sixth section", lambda t: t + SIXTH, "prompts.main_menu", 'tilbyder ikke tast 8 ("Efter blokaden")'),
    ("sixth in section menu", lambda t: t + SIXTH, "prompts.section_menu", "tilbyder ikke tast 8"),
    ("promise of nothing",
     lambda t: t.replace("For komplikationer, tryk 5.", "For komplikationer, tryk 5. For mere, tryk 8."),
     "prompts.main_menu", "tilbyder tast 8, som ikke gør noget"),
    ("menu offers 0",
     lambda t: t.replace("For et andet emne, tryk 1", "For sekretariatet, tryk 0. For et andet emne, tryk 1"),
     "prompts.section_menu", "tilbyder tast 0 til sekretariatet"),
    ("long closed notice",
     lambda t: t.replace("Sekretariatet har lukket og åbner",
                         "Sekretariatet i Neurokirurgisk Ambulatorium har desværre lukket og åbner"),
     "templates.closed", "hold hver sætning på højst 12 ord"),
    # What callers say beyond a choice (issue 26).
    ("no urgent words", lambda t: re.sub(r"\nurgent = \[.*\]\n", "\n", t),
     "phrases.urgent", "skal nævne de akutte ord"),
    ("no advice", lambda t: re.sub(r'\nafter_problems = """.*?"""\n', "\n", t, flags=re.S),
     "prompts.after_problems", "mangler"),
    ("long question",
     lambda t: t.replace('question = "Vil du høre om komplikationer?"',
                         'question = "Nu skal du høre om alle de komplikationer der kan komme."'),
     "sections[4].question", "ét kort spørgsmål"),
    ("question for nothing",
     lambda t: t.replace("[questions]\n", '[questions]\nsms = "Vil du have en SMS?"\n'),
     "questions.sms", "stilles aldrig"),
    ("number key unsaid", lambda t: re.sub(r"\nsecretariat_number = .*\n", "\n", t),
     "prompts.secretariat_number", "mangler"),
    ("todo", lambda t: t.replace('number = "+4597662400"', 'number = "TODO: nummeret stod ikke i folderen"'),
     "secretariat.number", "mangler stadig at blive udfyldt"),
]  # fmt: skip


# Content files that once took seconds to check or ended in a RecursionError: (name, text, what is said).
PATHOLOGICAL = [
    ("30 MB", "a = [" + "1, " * 10_000_000 + "]\n", "er for stor (30000007 bytes; højst 262144)"),
    (
        "deep arrays",
        "a = " + "[" * 100_000,
        "har for mange lag inden i hinanden eller er for stor til at kunne læses",
    ),
    (
        "deep tables",
        "a = " + "{b = " * 50_000,
        "har for mange lag inden i hinanden eller er for stor til at kunne læses",
    ),
]
IVR = Path(sys.executable).parent / "ivr"


def load_script() -> ModuleType:
    """Import scripts/load.py, which is a script, not part of the package."""
    spec = importlib.util.spec_from_file_location("load_script", ROOT / "scripts" / "load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    """Return a loopback port that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the developer's IVR_* settings or token, plus `extra`.

    A server started with it binds a free port unless `extra` names one: another program on the
    default 127.0.0.1:8000 must not fail a test."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IVR_")}
    env.pop("TWILIO_AUTH_TOKEN", None)
    return env | {"IVR_BIND": f"127.0.0.1:{free_port()}"} | extra


@dataclass
class LiveLine:
    """A running `ivr serve`: where it listens, its process, its log and its statistics database."""

    base: str
    port: int
    process: subprocess.Popen[str]
    log: Path
    database: Path


@contextmanager
def live_line(
    folder: Path, env: Mapping[str, str], *, ivr: Path = IVR, cwd: Path | None = None
) -> Iterator[LiveLine]:
    """Run `ivr serve` (this environment's, or `ivr`, in `cwd`) with `env` on a free loopback port and
    its own database in `folder` (made first by that `ivr db upgrade`, as a deploy does); stop it after."""
    port = free_port()
    database = folder / "stats.sqlite"
    settings = {"IVR_BIND": f"127.0.0.1:{port}", "IVR_DATABASE_URL": f"sqlite:///{database}", **env}
    subprocess.run(
        [str(ivr), "db", "upgrade"], cwd=cwd, env=clean_env(**settings), capture_output=True, check=True
    )
    log = folder / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(ivr), "serve"], cwd=cwd, env=clean_env(**settings), stderr=stderr, text=True
        )
    line = LiveLine(f"http://127.0.0.1:{port}", port, process, log, database)
    try:
        wait_until_up(line)
        yield line
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(line: LiveLine, seconds: float = 20.0) -> None:
    """Wait until the line answers /healthz; fail with its log if it stopped or never did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if line.process.poll() is not None:
            raise RuntimeError(f"ivr serve stopped: {line.log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(line.base + "/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"ivr serve did not answer in {seconds} s: {line.log.read_text()[-2000:]}")


def raw_request(port: int, head: list[bytes], body: bytes = b"", timeout: float = 10.0) -> tuple[int, bytes]:
    """Send an HTTP/1.1 request exactly as given (request line and header lines); return status and body."""
    message = b"\r\n".join([*head, b"Connection: close", b"", b""]) + body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(message)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


# A second line of our own making, for deployments of several lines: another clinic, number, hours, leaflet.
KNEE_LINE = """
[line]
id = "knae"
name = "Kikkertundersøgelse af knæet"
numbers = ["+4578000002"]

[secretariat]
number = "+4586123456"

[hours]
timezone = "Europe/Copenhagen"
days = ["mandag", "tirsdag", "onsdag", "torsdag"]
opens = "08:00"
closes = "11:00"
extra_closed_days = [{ days = "2026-12-21..2026-12-23", reason = "juleferie" }]

[keys]
transfer = "0"
repeat = "*"
main_menu = "#"
slower = "7"

[prompts]
welcome = "Ortopædkirurgisk Klinik. Haster det, så ring 1-1-2."
slower_offer = "Tryk 7 for langsommere tale."
slower_on = "Nu taler jeg langsommere."
slower_off = "Nu taler jeg i almindeligt tempo igen."
main_menu = "Tryk 1 for at høre om undersøgelsen. Tryk 2 for tiden bagefter."
transfer_offer = "Tryk 0 for at tale med klinikken."
section_menu = "Tryk stjerne for at høre det igen, firkant for menuen, eller 1 til 2 for et andet emne."
invalid = "Den tast kender jeg ikke."
silence = "Jeg hørte ikke noget tastetryk."
goodbye = "Tak fordi du ringede. Farvel."
goodbye_failed = "Har du spørgsmål, så ring til klinikken på {phone}, {hours}. Farvel."
transfer = "Et øjeblik. Jeg stiller dig om."
transfer_failed = "Klinikken kunne ikke tage telefonen. Ring på {phone}, {hours}."
transfer_loop = "Du ringer fra klinikkens eget nummer. Klinikken har åbent {hours}."
error = "Undskyld, der skete en fejl hos os. Vi prøver igen."

[templates]
closed = "Klinikken har lukket og åbner igen {when}."
closed_today = "I dag er det {reason}, så klinikken har lukket. Den åbner igen {when}."

[[sections]]
key = "1"
title = "Om undersøgelsen"
text = "Ved en kikkertundersøgelse ser lægen ind i knæet gennem et lille snit. Du er bedøvet imens."

[[sections]]
key = "2"
title = "Bagefter"
text = "Du må gå på benet samme dag. Hold knæet i ro de første par dage."
"""
KNEE_NUMBER = "+4578000002"
RODBLOKADE_NUMBER = "+4578000001"


def lines_folder(folder: Path, *, default: bool = True) -> Path:
    """A folder of two lines: the shipped rodblokade line (number RODBLOKADE_NUMBER) and the knee line."""
    from ivr.line.content_loader import default_path  # noqa: PLC0415  (tests.support is imported by conftest)

    folder.mkdir(parents=True, exist_ok=True)
    shipped = default_path().read_text(encoding="utf-8")
    shipped = shipped.replace("numbers = []", f'numbers = ["{RODBLOKADE_NUMBER}"]')
    if not default:
        shipped = shipped.replace("default = true", "default = false")
    (folder / "rodblokade.toml").write_text(shipped, encoding="utf-8")
    leaflet = default_path().with_name("rodblokade.txt")
    (folder / "rodblokade.txt").write_text(leaflet.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "knae.toml").write_text(KNEE_LINE, encoding="utf-8")
    return folder


# Audio: real offline speech, counted and made to fail on demand.


class CountingEngine:
    """The real offline engine, counting calls; texts in `fail` fail, `flaky` ones fail transiently first."""

    name = "espeak"
    workers = 1

    def __init__(self, rate: int = 150, fail: set[str] | None = None, flaky: Mapping[str, int] | None = None):
        self.inner = EspeakEngine(rate=rate)
        self.fail = fail or set()
        self.flaky = dict(flaky or {})
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def settings(self) -> Mapping[str, Any]:
        return self.inner.settings()

    def synthesize(self, text: str) -> Sound:
        with self.lock:
            self.calls.append(text)
            if text in self.fail:
                raise SynthesisError(f"cannot say {text!r}")
            if self.flaky.get(text, 0) > 0:
                self.flaky[text] -= 1
                raise TransientError("connection reset")
        return self.inner.synthesize(text)


def fake_built_audio(folder: Path, content: Content) -> dict[str, Entry]:
    """Write a manifest and a small file for every prompt, named as `ivr build-audio` names them (no sound:
    for what the line plays, not how it sounds)."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    for prompt in content.audio_prompts():
        digest = manifest.prompt_hash(prompt.text, {})
        name = manifest.file_name(prompt.id, digest, "wav")
        (folder / name).write_bytes(b"RIFF-fake")
        entries[prompt.id] = Entry(prompt.id, digest, "espeak", name, 1.0, 9, "0" * 64, prompt.text, {})
    manifest.save(folder, entries)
    return entries


def decoded(data: bytes, codec: str = "pcm_mulaw") -> AudioSegment:
    """Decode a built file back to samples (with ffmpeg, telling pydub the codec so it needs no ffprobe)."""
    return AudioSegment.from_file(io.BytesIO(data), codec=codec)


# Debian's Chromium for the browser tests: where it is, and how it is started here.

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


# An app on a loopback port in a thread, for tests that need real HTTP.


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 at a free port; yield its base URL; stop it afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


# Odd days and moments every surface must refuse calmly, the edges it must accept, a command's refusal.

# Beyond the accepted years (some beyond what a datetime can shift by a time zone), impossible, or no date.
ODD_DAYS = [
    "0001-01-01",
    "9999-12-31",
    "1999-12-31",
    "2101-01-01",
    "2026-02-30",
    "2026-13-01",
    "garbage",
    "25-11-2026",
    "20261125",
    "2026-11-25T10:00",
]
ODD_MOMENTS = [
    "0001-01-01T00:00",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59",
    "9999-12-31T23:59-12:00",
    "1999-12-31T23:59",
    "2101-01-01T00:00",
    "2026-02-30T10:00",
    "2026-11-25T25:00",
    "garbage",
    "2026-11-25",
    "tomorrow",
]
EDGE_DAYS = ["2000-01-01", "2100-12-31"]
EDGE_MOMENTS = ["2000-01-01T00:00", "2100-12-31T23:59", "2100-12-31T23:59:59-12:00", "2000-01-01T00:00+14:00"]


def refused_once(result: Result, option: str) -> str:
    """Check a command stopped with exit 2 and one error line naming `option`; return that line."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not an exception that escaped the command
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith(("Error", "Fejl"))]
    assert len(errors) == 1, result.output
    assert option in errors[0]
    return errors[0]


# Google Translate's TTS endpoint as gTTS sees it, answered by `responses` with canned audio: no network.

URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


def batchexecute_body(audio: bytes) -> str:
    """Return a batchexecute answer in the shape gTTS parses: an RPC line holding the base64 MP3."""
    compact = (",", ":")
    payload = json.dumps([base64.b64encode(audio).decode("ascii")], separators=compact)
    rpc = json.dumps(
        [["wrb.fr", "jQ1olc", payload, None, None, None, "generic"], ["di", 58]], separators=compact
    )
    tail = json.dumps([["e", 4, None, None, len(rpc) + 60]], separators=compact)
    return f")]}}'\n\n{len(rpc)}\n{rpc}\n{len(tail)}\n{tail}\n"


def sent(mock: responses.RequestsMock) -> list[list[object]]:
    """Return the [text, language, speed, ...] of every request gTTS sent, from its f.req form field."""
    parameters = []
    for call in mock.calls:
        body = call.request.body
        form = parse_qs(body if isinstance(body, str) else (body or b"").decode())
        rpc = json.loads(form["f.req"][0])
        parameters.append(json.loads(rpc[0][0][1]))
    return parameters


def sent_texts(mock: responses.RequestsMock) -> list[str]:
    """Return the text of every request gTTS sent."""
    return [str(parameters[0]) for parameters in sent(mock)]


def mp3_of(sound: Sound) -> bytes:
    """Encode real speech as the MP3 Google would send."""
    return process(sound, Output(format="mp3", sample_rate=24000, lead_in_ms=0, mp3_bitrate="64k")).data


# The call statistics: a database of each kind, and events for it.
POSTGRES_VARIABLE = "IVR_TEST_POSTGRES_URL"


POSTGRES_URL = os.environ.get(POSTGRES_VARIABLE)
# Under pytest-xdist (`make test` runs the tests not marked serial on two workers), each worker its own
# database, as the tests drop every table and freeze the backends of the database they use.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


@functools.cache
def _worker_database(url: str, worker: str) -> str:
    """The URL of this worker's own database beside `url`'s, made the first time (the role may CREATEDB)."""
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = text_sql("SELECT 1 FROM pg_database WHERE datname = :name")
            if connection.scalar(found, {"name": own.database}) is None:
                connection.execute(text_sql(f'CREATE DATABASE "{own.database}"'))
    except ProgrammingError as error:  # a role made before .ci/postgres let it create databases
        pytest.fail(f"cannot make {own.database} ({error.orig}): run .ci/postgres again", pytrace=False)
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def postgres_url() -> str:
    """Return the test PostgreSQL URL, or skip: CI always sets it (see .ci/postgres)."""
    if not POSTGRES_URL:
        pytest.skip(f"{POSTGRES_VARIABLE} is not set; .ci/postgres starts a server and prints one")
    return _worker_database(POSTGRES_URL, XDIST_WORKER) if XDIST_WORKER else POSTGRES_URL


def fresh_postgres() -> str:
    """Return the test PostgreSQL URL with every table of the line's dropped."""
    url = postgres_url()
    engine = create_engine(url)
    drop_all(engine)
    engine.dispose()
    return url


def call_event(
    call: str,
    at: datetime,
    event: str,
    *,
    menu: str = "main",
    key: str | None = None,
    route: str = "voice.key",
    line: str = "",
) -> CallEvent:
    """Return one call event as the voice webhook publishes it."""
    return CallEvent(call=call, at=at, route=route, event=event, menu=menu, key=key, line=line)


def old_database(url: str, events: list[CallEvent], *, rollups: bool = True) -> None:
    """Make the statistics tables as they were before lines (no `line` column), holding `events`.

    With `rollups`, the counts of that time too (keyed without a line), filled as its writers filled them;
    without, a database from before the roll-ups as well.
    """
    old = MetaData()
    events_table = Table(
        "call_events",
        old,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("call", String(32), nullable=False),
        Column("at", DateTime(), nullable=False, index=True),
        Column("route", String(32), nullable=False),
        Column("event", String(32), nullable=False),
        Column("menu", String(16), nullable=False),
        Column("key", String(1)),
    )
    hours = Table(
        "call_hours",
        old,
        Column("hour", DateTime(), primary_key=True),
        Column("event", String(32), primary_key=True),
        Column("menu", String(16), primary_key=True),
        Column("n", BigInteger(), nullable=False),
    )
    last = Table(
        "call_last",
        old,
        Column("call", String(32), primary_key=True),
        Column("first_at", DateTime(), nullable=False),
        Column("last_at", DateTime(), nullable=False),
        Column("event", String(32), nullable=False),
        Column("menu", String(16), nullable=False),
        Index("call_last_last_at", "last_at"),
    )
    rows = sorted((as_row(event) for event in events), key=lambda row: row.at)
    engine = create_engine(url)
    try:
        old.create_all(engine, tables=[events_table, hours, last] if rollups else [events_table])
        with engine.begin() as connection:
            if rows:
                fields = ("call", "at", "route", "event", "menu", "key")
                connection.execute(
                    insert(events_table), [dict(zip(fields, row[:6], strict=True)) for row in rows]
                )
            if rollups and rows:
                counted = Counter(
                    (row.at.replace(minute=0, second=0, microsecond=0), row.event, row.menu) for row in rows
                )
                connection.execute(
                    insert(hours),
                    [{"hour": h, "event": e, "menu": m, "n": n} for (h, e, m), n in counted.items()],
                )
                ends: dict[str, dict[str, Any]] = {}
                for row in rows:
                    end = ends.setdefault(row.call, {"call": row.call, "first_at": row.at})
                    end |= {"last_at": row.at, "event": row.event, "menu": row.menu}
                connection.execute(insert(last), list(ends.values()))
    finally:
        engine.dispose()


def todays_database(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Make the tables exactly as the code of before the schema's revisions made them (commit 07ab00a: every
    table, no `alembic_version`), a few rows in each; return every table's rows, sorted."""
    old = MetaData()
    serial = BigInteger().with_variant(Integer, "sqlite")
    tables = [
        Table(
            "call_events", old,
            Column("id", serial, primary_key=True, autoincrement=True),
            Column("call", String(32), nullable=False),
            Column("at", DateTime(), nullable=False, index=True),
            Column("route", String(32), nullable=False),
            Column("event", String(32), nullable=False),
            Column("menu", String(16), nullable=False),
            Column("key", String(1)),
            Column("line", String(40), nullable=False, server_default=""),
        ),
        Table(
            "call_hours", old,
            Column("hour", DateTime(), primary_key=True),
            Column("line", String(40), primary_key=True),
            Column("event", String(32), primary_key=True),
            Column("menu", String(16), primary_key=True),
            Column("n", BigInteger(), nullable=False),
            Column("speech", BigInteger(), nullable=False, server_default="0"),
            Index("call_hours_line_hour", "line", "hour"),
        ),
        Table(
            "call_last", old,
            Column("call", String(32), primary_key=True),
            Column("line", String(40), primary_key=True),
            Column("first_at", DateTime(), nullable=False),
            Column("last_at", DateTime(), nullable=False),
            Column("event", String(32), nullable=False),
            Column("menu", String(16), nullable=False),
            Index("call_last_last_at", "last_at"),
            Index("call_last_line_last_at", "line", "last_at"),
        ),
        Table(
            "staff_login_failures", old,
            Column("id", serial, primary_key=True, autoincrement=True),
            Column("client", String(32), nullable=False),
            Column("at", DateTime(), nullable=False),
            Index("staff_login_failures_client_at", "client", "at"),
        ),
        Table(
            "sms_calls", old,
            Column("call", String(32), primary_key=True),
            Column("at", DateTime(), nullable=False, index=True),
        ),
        Table(
            "sms_numbers", old,
            Column("number", String(32), primary_key=True),
            Column("day", Date(), primary_key=True),
            Column("slot", SmallInteger(), primary_key=True),
            Column("at", DateTime(), nullable=False),
        ),
        Table(
            "callback_requests", old,
            Column("id", serial, primary_key=True, autoincrement=True),
            Column("line", String(40), nullable=False),
            Column("number", String(200), nullable=False),
            Column("number_hash", String(64), nullable=False),
            Column("asked_at", DateTime(), nullable=False),
            Column("attempts", Integer(), nullable=False),
            Column("last_attempt_at", DateTime()),
            UniqueConstraint("line", "number_hash", name="callback_requests_one_per_number"),
        ),
        Table(
            "callback_access", old,
            Column("id", serial, primary_key=True, autoincrement=True),
            Column("at", DateTime(), nullable=False),
            Column("who", String(64), nullable=False),
            Column("action", String(16), nullable=False),
            Column("request", BigInteger()),
            Column("line", String(40)),
            Column("hours", Float()),
        ),
    ]  # fmt: skip
    at, day = datetime(2026, 11, 25, 10, 0), date(2026, 11, 25)
    rows: dict[str, list[tuple[Any, ...]]] = {
        "call_events": [
            (1, "c1", at, "voice.welcome", "welcome", "main", None, "rodblokade"),
            (2, "c1", at.replace(minute=1), "voice.speech", "section", "3", "3", "rodblokade"),
            (3, "c0", at.replace(hour=9), "voice.key", "section", "1", "1", ""),
        ],
        "call_hours": [
            (at.replace(hour=9), "", "section", "1", 1, 0),
            (at, "rodblokade", "section", "3", 1, 1),
            (at, "rodblokade", "welcome", "main", 1, 0),
        ],
        "call_last": [
            ("c0", "", at.replace(hour=9), at.replace(hour=9), "section", "1"),
            ("c1", "rodblokade", at, at.replace(minute=1), "section", "3"),
        ],
        "staff_login_failures": [(1, "a" * 32, at)],
        "sms_calls": [("c1", at)],
        "sms_numbers": [("b" * 32, day, 1, at)],
        "callback_requests": [(1, "rodblokade", "gAAAA-token", "d" * 64, at, 1, at.replace(minute=5))],
        "callback_access": [
            (1, at, "caller", "asked", 1, "rodblokade", None),
            (2, at.replace(minute=5), "personale", "not_reached", 1, None, None),
            (3, at.replace(minute=9), "personale", "done", 7, "rodblokade", 2.5),
        ],
    }
    engine = create_engine(url)
    try:
        old.create_all(engine)
        with engine.begin() as connection:
            for table in tables:
                columns = [column.name for column in table.columns]
                connection.execute(
                    insert(table), [dict(zip(columns, row, strict=True)) for row in rows[table.name]]
                )
    finally:
        engine.dispose()
    return {name: sorted(table_rows) for name, table_rows in rows.items()}


def table_rows(url: str, names: Iterator[str] | list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the named tables, sorted: what an upgrade must keep."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: sorted(tuple(row) for row in connection.exec_driver_sql(f"SELECT * FROM {name}"))
                for name in names
            }
    finally:
        engine.dispose()


def claims_at_once(
    url: str,
    key: bytes,
    claims: list[tuple[str, str]],
    now: datetime,
    *,
    caps: tuple[Cap, ...] = (),
    line: str = "",
) -> list[bool]:
    """Claim SMS sends (call hash, number) from as many threads, each with a database and ledger of its own
    (as workers have), all at once; say which were claimed."""
    barrier = threading.Barrier(len(claims))
    results: list[bool] = []
    failures: list[BaseException] = []

    def claim(call: str, number: str) -> None:
        database = Database(url)
        try:
            ledger = SmsLedger(database, key, caps=caps)
            barrier.wait()
            results.append(ledger.reserve(call, number, now, line))
        except BaseException as error:  # reported by the test, not lost in a thread
            failures.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=claim, args=pair) for pair in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return results


# --- a database that stalls (bench/stalling.py) -------------------------------------------------------------


@contextmanager
def stalled(url: str, how: str, tables: tuple[str, ...]) -> Iterator[None]:
    """bench.stalling.stalled, the test skipped where PostgreSQL's backends are another user's to freeze."""
    if how == "freeze" and not stalling.can_freeze(url):
        pytest.skip("the PostgreSQL backends cannot be frozen from here (another user's)")
    with stalling.stalled(url, how, tables):
        yield
