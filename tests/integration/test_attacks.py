"""Attacks on the call routes through a real `ivr serve`, with raw bytes no test client would send."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.support import CALL, TOKEN, LiveLine, live_line, raw_request

# Real servers, browsers or several processes: left out of the quick loop, `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

ROUTES = [
    ("/voice", {}),
    ("/voice/key?menu=main&tries=0", {"Digits": "1"}),
    ("/voice/dial", {"DialCallStatus": "busy"}),
    ("/voice/fallback", {}),
]
BAD_HOSTS = [b"127.0.0.1:99999", b"127.0.0.1:abc", b"[::1", b"127.0.0.1:-1"]
WRONG = b"bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=="


@pytest.fixture(scope="module", params=["direct", "behind-a-proxy"])
def line(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLine]:
    """A real line, answering directly (Host counts) or trusting one proxy (X-Forwarded-Host counts)."""
    proxies = "1" if request.param == "behind-a-proxy" else "0"
    folder = tmp_path_factory.mktemp(request.param)
    with live_line(
        folder, {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_WORKERS": "2", "IVR_TRUSTED_PROXIES": proxies}
    ) as live:
        yield live


def post(line: LiveLine, path: str, form: dict[str, str], *headers: bytes, host: bytes | None = None) -> int:
    """POST a call step with these raw header lines; the Host is the line's own unless given."""
    body = urlencode({**CALL, **form}).encode()
    head = [
        b"POST " + path.encode() + b" HTTP/1.1",
        b"Content-Type: application/x-www-form-urlencoded",
        b"Content-Length: %d" % len(body),
        *headers,
        b"Host: " + (host if host is not None else b"127.0.0.1:%d" % line.port),
    ]
    return raw_request(line.port, head, body)[0]


def signed(line: LiveLine, path: str, form: dict[str, str]) -> bytes:
    """The signature Twilio would send for this step at the line's own address."""
    url = f"http://127.0.0.1:{line.port}{path}"
    signature: str = RequestValidator(TOKEN).compute_signature(url, {**CALL, **form})
    return b"X-Twilio-Signature: " + signature.encode()


def stored_events(line: LiveLine) -> list[tuple[str, str]]:
    """The (route, event) rows the line has written to its statistics so far."""
    if not line.database.exists():
        return []
    with sqlite3.connect(line.database) as connection:
        return list(connection.execute("SELECT route, event FROM call_events ORDER BY id"))


@pytest.mark.parametrize(("path", "form"), ROUTES)
def test_a_non_ascii_signature_is_refused(line: LiveLine, path: str, form: dict[str, str]) -> None:
    assert post(line, path, form, b"X-Twilio-Signature: " + b"\xe9" * 28) == 403


@pytest.mark.parametrize(("path", "form"), ROUTES)
@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_malformed_host_is_refused(line: LiveLine, path: str, form: dict[str, str], host: bytes) -> None:
    assert post(line, path, form, b"X-Twilio-Signature: " + WRONG, host=host) == 403


@pytest.mark.parametrize(("path", "form"), ROUTES)
@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_malformed_forwarded_host_is_refused(
    line: LiveLine, path: str, form: dict[str, str], host: bytes
) -> None:
    headers = (b"X-Forwarded-Host: " + host, b"X-Forwarded-Proto: https", b"X-Twilio-Signature: " + WRONG)
    assert post(line, path, form, *headers) == 403


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    signature=st.binary(max_size=64).filter(lambda value: b"\r" not in value and b"\n" not in value),
    host=st.binary(max_size=40).filter(lambda value: b"\r" not in value and b"\n" not in value),
)
def test_random_bytes_in_signature_and_host_are_only_ever_refused(
    line: LiveLine, signature: bytes, host: bytes
) -> None:
    status = post(
        line, "/voice/key?menu=main&tries=0", {"Digits": "0"}, b"X-Twilio-Signature: " + signature, host=host
    )
    assert status in {400, 403}


def test_refusals_leave_no_trace_but_a_few_warnings(line: LiveLine) -> None:
    # Runs after the attacks above on the same line: a flood of 300 more, then one real step.
    for _ in range(300):
        assert post(line, "/voice", {}, b"X-Twilio-Signature: " + b"\xe9" * 28) == 403
    path, form = "/voice/key?menu=main&tries=0", {"Digits": "3"}
    assert post(line, path, form, signed(line, path, form)) == 200
    deadline = time.monotonic() + 10
    while not stored_events(line) and time.monotonic() < deadline:
        time.sleep(0.1)
    # Only the signed step counts: no "error" event, no row for any refusal.
    assert stored_events(line) == [("voice.key", "section")]
    records = [json.loads(text) for text in line.log.read_text().splitlines()]
    assert not [r for r in records if r["level"] in {"ERROR", "CRITICAL"}]
    refused = [r for r in records if r.get("refused")]
    # Each of the two workers logs at most ten refusals a minute; the rest are counted, not written.
    assert 0 < len(refused) <= 2 * 10 * 2
    assert all(r["level"] == "WARNING" for r in refused)
