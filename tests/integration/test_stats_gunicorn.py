"""Under gunicorn: forked workers record every call, and a graceful stop loses nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from ivr.db import Database
from ivr.stats.store import Store
from tests.support import free_port

# Real servers, browsers or several processes: left out of the quick loop, `pytest -m "not slow"`.
pytestmark = [pytest.mark.slow, pytest.mark.serial]

TOKEN = "gunicorn-test-token"
CALLS = 120
ROOT = Path(__file__).resolve().parents[2]


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def post_call(port: int, number: int) -> int:
    """Start one call as Twilio would, signed; return the HTTP status."""
    url = f"http://127.0.0.1:{port}/voice"
    form = {"CallSid": f"CA{number:032d}", "From": "+4520304050"}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=body, headers={"X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_preloaded_workers_record_every_call_and_flush_on_stop(tmp_path: Path) -> None:
    pytest.importorskip("gunicorn")
    url = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    port = free_port()
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "IVR_DATABASE_URL": url}
    # --preload builds the app before forking: each worker must still start a writer of its own.
    command = [sys.executable, "-m", "gunicorn", "--workers", "3", "--preload"]
    command += ["--bind", f"127.0.0.1:{port}", "ivr:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, process)
        assert [post_call(port, n) for n in range(CALLS)] == [200] * CALLS
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    store = Store(Database(url))
    rows = store.rows()
    store.dispose()
    assert len(rows) == CALLS
    assert {row.event for row in rows} == {"welcome"}
