"""Helpers the tests share: a call as Twilio makes it, reading TwiML, a real `ivr serve`, raw HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr.line.clock import FixedClock
from ivr.line.content import Content

__all__ = ["FixedClock"]

# The developer's instance folder, where `make run` keeps its statistics: no test may write there.
INSTANCE = Path(__file__).resolve().parent.parent / "instance"
TOKEN = "test-auth-token-0123456789abcdef"
CPH = ZoneInfo("Europe/Copenhagen")
SECRETARIAT = "+4597662400"
# Wednesday 25 November 2026, 11:00 in Copenhagen: the secretariat is open.
OPEN_TIME = datetime(2026, 11, 25, 11, 0, tzinfo=CPH)
CLOSED_TIME = datetime(2026, 11, 25, 15, 0, tzinfo=CPH)
CALL = {
    "CallSid": "CA0123456789abcdef0123456789abcdef",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+4520304050",
    "To": "+4570701234",
    "CallStatus": "in-progress",
    "Direction": "inbound",
    "ApiVersion": "2010-04-01",
}


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


def spoken(element: ET.Element) -> list[str]:
    """Return every <Say> text below `element`, in order."""
    return [" ".join("".join(say.itertext()).split()) for say in element.iter("Say")]


def verbs(root: ET.Element) -> list[str]:
    """Return the top-level verbs of a <Response>."""
    return [child.tag for child in root]


def text(content: Content, prompt_id: str) -> str:
    """Return a system prompt's text."""
    return content.prompt(prompt_id).text


# Content files that once took seconds to check or ended in a RecursionError: (name, text, what is said).
PATHOLOGICAL = [
    ("30 MB", "a = [" + "1, " * 10_000_000 + "]\n", "is too large (30000007 bytes; at most 262144)"),
    ("deep arrays", "a = " + "[" * 100_000, "is nested too deeply or too large to read"),
    ("deep tables", "a = " + "{b = " * 50_000, "is nested too deeply or too large to read"),
]
IVR = Path(sys.executable).parent / "ivr"


def free_port() -> int:
    """Return a loopback port that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the developer's IVR_* settings or token, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IVR_")}
    env.pop("TWILIO_AUTH_TOKEN", None)
    return env | extra


@dataclass
class LiveLine:
    """A running `ivr serve`: where it listens, its process, its log and its statistics database."""

    base: str
    port: int
    process: subprocess.Popen[str]
    log: Path
    database: Path


@contextmanager
def live_line(folder: Path, **env: str) -> Iterator[LiveLine]:
    """Run `ivr serve` on a free loopback port with its own statistics database in `folder`; stop it after."""
    port = free_port()
    database = folder / "stats.sqlite"
    settings = {"IVR_BIND": f"127.0.0.1:{port}", "IVR_DATABASE_URL": f"sqlite:///{database}"} | env
    log = folder / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([str(IVR), "serve"], env=clean_env(**settings), stderr=stderr, text=True)
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
    from ivr.line.content import default_path  # noqa: PLC0415  (tests.support is imported by conftest)

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


# The leaflet by SMS, added to a content file (the shipped line names no web address for its leaflet).
LEAFLET_URL = "https://hospital.example.dk/foldere/rodblokade.pdf"


def with_sms(text: str) -> str:
    """The content text with the leaflet's link, key 8 and the SMS's texts."""
    text = text.replace("default = true", f'default = true\nleaflet_url = "{LEAFLET_URL}"', 1)
    text = text.replace('slower = "7"', 'slower = "7"\nsms = "8"', 1)
    text = text.replace(
        "[prompts]\n",
        "[prompts]\n"
        'sms_offer = "Tryk 8 for at få folderen som SMS."\n'
        'sms_sent = "Du får en SMS om lidt."\n'
        'sms_not_sent = "Jeg kan desværre ikke sende en SMS til dit nummer lige nu."\n',
        1,
    )
    text = text.replace(
        "[phrases]\n", '[phrases]\nsms = ["sms", "send en sms", "folderen som sms", "send mig folderen"]\n', 1
    )
    return text.replace("[templates]\n", '[templates]\nsms_text = "Folderen om rodblokade: {url}"\n', 1)
