"""A stalled database and a running line: how long do a caller and a staff member wait, and for what answer?

    python -m bench.stalls --postgres URL [--ivr PATH]

Runs a real `ivr serve` (two workers; SMS, callbacks and the staff login on) on SQLite and on PostgreSQL, and
stalls the database as the issue did: SQLite's write lock held by another connection, PostgreSQL's tables
locked by another transaction, and every PostgreSQL backend of the line frozen (SIGSTOP). Meanwhile it times
pressing 8 (the leaflet by SMS), confirming a callback, and a staff login with a wrong password, and prints
each answer's status, seconds and what the caller heard first. `--ivr` runs another installation's `ivr`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from bench import stalling
from bench.nodes import IVR, node
from bench.servers import CALL, sign, with_sms
from ivr.callbacks.desk import new_key
from ivr.db import create_engine, drop_all
from ivr.line.content_loader import default_path

TABLES = ("sms_calls", "sms_numbers", "callback_requests", "callback_access", "staff_login_failures")
STAFF = ("personale", "en-lang-hemmelighed")
WRONG = "Basic " + base64.b64encode(f"{STAFF[0]}:forkert-gæt-1234".encode()).decode()


def post(base: str, path: str, extra: dict[str, str], sid: str) -> urllib.request.Request:
    form = {**CALL, "CallSid": sid, **extra}
    signed = sign(base, path, form)
    headers = {"X-Twilio-Signature": signed.signature}
    return urllib.request.Request(base + path, signed.body.encode(), headers)


def timed(request: urllib.request.Request) -> dict[str, Any]:
    """Send the request; return its status, seconds and the first thing said (or the body's first line)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=40) as answer:
            status, body = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError as error:
        status, body = 0, type(error).__name__.encode()
    took = round(time.monotonic() - started, 2)
    try:
        said = next(ET.fromstring(body).iter("Say")).text or ""
    except (ET.ParseError, StopIteration):
        said = body.decode(errors="replace").strip().splitlines()[0][:70] if body.strip() else ""
    return {"status": status, "s": took, "answer": said[:70]}


def measure(ivr: Path, url: str, how: str, folder: Path) -> dict[str, Any]:
    """Start the line on `url`, stall the database `how`, and time the three requests."""
    settings = {
        "IVR_CONTENT_FILE": str(folder / "rodblokade.toml"),
        "IVR_CALLBACK_KEY": new_key(),
        "IVR_STAFF_USER": STAFF[0],
        "IVR_STAFF_PASSWORD": STAFF[1],
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "IVR_SMS_FROM": "+4578787878",
        "TWILIO_API_URL": "http://127.0.0.1:9",
    }
    process, port, _log = node(ivr, url, 2, folder, settings)
    base = f"http://127.0.0.1:{port}"
    staff = urllib.request.Request(base + "/staff/stats", headers={"Authorization": WRONG})
    try:
        # A line that has run a while: both workers hold a connection to the database.
        for n in range(4):
            timed(post(base, "/voice", {}, f"CAwarm{n:026x}"))
            timed(staff)
        with stalling.stalled(url, how, TABLES):
            sms = post(base, "/voice/key?menu=main&tries=0", {"Digits": "8"}, "CA" + "8" * 32)
            confirm = post(base, "/voice/key?menu=callback_confirm&tries=0", {"Digits": "1"}, "CA" + "1" * 32)
            return {
                "press 8 (SMS)": timed(sms),
                "confirm a callback": timed(confirm),
                "staff login": timed(staff),
            }
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True, help="a database to empty and use")
    parser.add_argument("--ivr", type=Path, default=IVR, help="the `ivr` to run (default: this one)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="ivr-bench-stalls-") as name:
        folder = Path(name)
        shipped = default_path().read_text(encoding="utf-8")
        (folder / "rodblokade.toml").write_text(with_sms(shipped), encoding="utf-8")
        (folder / "rodblokade.txt").write_bytes(default_path().with_name("rodblokade.txt").read_bytes())
        sqlite = f"sqlite:///{folder / 'stats.sqlite'}"
        for label, url, how in [
            ("sqlite write lock", sqlite, "lock"),
            ("postgresql lock", args.postgres, "lock"),
            ("postgresql frozen", args.postgres, "freeze"),
        ]:
            if url == args.postgres:
                engine = create_engine(url)
                drop_all(engine)
                engine.dispose()
            env = {**os.environ, "IVR_DATABASE_URL": url}
            subprocess.run([str(args.ivr), "db", "upgrade"], env=env, check=True, capture_output=True)
            results[label] = measure(args.ivr, url, how, folder)
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
