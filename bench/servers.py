"""Start the benchmarked apps under gunicorn on loopback, and sign requests as Twilio does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from twilio.request_validator import RequestValidator

from ivr.tryout.caller import CallParameters

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "benchmark-auth-token"
# One call as Twilio sends it, from the same parameters `ivr call` sends.
CALL = CallParameters(
    "CA0123456789abcdef0123456789abcdef", "AC0123456789abcdef0123456789abcdef", "+4520304050", "+4570701234"
).form("in-progress")


@dataclass(frozen=True)
class Server:
    """A running gunicorn master on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class SignedRequest:
    """One webhook request, with the signature Twilio would send for it."""

    path: str
    body: str
    signature: str


def write_lines(folder: Path, count: int) -> list[str]:
    """Write `count` lines into `folder` (the shipped line under other ids and numbers); return their numbers.

    The first is the default. Each is a full line: 17 prompts, 5 sections, its own hours and fragments.
    """
    from ivr.line.content_loader import default_path  # noqa: PLC0415  (the benchmark scripts start quickly)

    shipped = default_path().read_text(encoding="utf-8")
    leaflet = default_path().with_name("rodblokade.txt")
    (folder / leaflet.name).write_bytes(leaflet.read_bytes())
    numbers = []
    for index in range(count):
        number = f"+4578{index:06d}"
        text = shipped.replace('id = "rodblokade"', f'id = "linje-{index:03d}"')
        text = text.replace("numbers = []", f'numbers = ["{number}"]')
        text = text.replace("default = true", f"default = {'true' if index == 0 else 'false'}")
        # Another clinic's hours, so that lines differ where the schedule is concerned.
        text = text.replace('opens = "10:00"', f'opens = "{8 + index % 3:02d}:00"')
        (folder / f"linje-{index:03d}.toml").write_text(text, encoding="utf-8")
        numbers.append(number)
    return numbers


def sign(base: str, path: str, form: Mapping[str, str]) -> SignedRequest:
    """Build the form body and its X-Twilio-Signature for base + path."""
    signature = RequestValidator(TOKEN).compute_signature(base + path, dict(form))
    return SignedRequest(path, urllib.parse.urlencode(form), str(signature))


def free_port() -> int:
    """Ask the kernel for an unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(
    app: str, config: Path, extra: tuple[str, ...] = (), env_extra: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """Run `app` (module:factory()) under gunicorn with the production config file, on loopback.

    Each server writes its call statistics to a new SQLite file of its own, removed afterwards: a benchmark
    neither adds its events to the instance folder's statistics nor depends on how many are there already.
    """
    port = free_port()
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    env.pop("IVR_DEVELOPMENT", None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(config),
        "--bind",
        f"127.0.0.1:{port}",
        *extra,
        app,
    ]
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as folder:
        env["IVR_DATABASE_URL"] = f"sqlite:///{folder}/stats.sqlite"
        # Made before the server starts, as `make run` and a deployment do (`ivr db upgrade`): no worker
        # makes the schema, so none carries Alembic (docs/performance.md, memory).
        from ivr import migrations  # noqa: PLC0415  (the benchmark scripts start quickly)

        migrations.upgrade(env["IVR_DATABASE_URL"])
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_for(port, process)
            yield Server(process, port)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.5)  # let every worker finish booting
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on port {port} within {seconds} s")


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
