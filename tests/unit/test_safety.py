"""A fault inside a call is answered with a calm apology, never a 5xx; bad requests get clean 4xx."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.line.content import Content
from ivr.line.events import call_hash
from ivr.line.running import Line
from ivr.ops.contentwatch import ContentWatch
from ivr.webhook import safety
from ivr.webhook.endpoint import Webhook
from tests.support import CALL, CLOSED_TIME, OPEN_TIME, FixedClock, TwilioClient, assert_worked, spoken, verbs

CALL_ROUTES = [
    ("/voice", {}),
    ("/voice/key?menu=main&tries=0", {"Digits": "1"}),
    ("/voice/key?menu=2&tries=1", {}),
    ("/voice/dial?menu=main", {"DialCallStatus": "busy"}),
    ("/voice/fallback", {}),
]


def line(app: Flask) -> Line:
    current: Line = Webhook.of(app).lines.first
    return current


def text(content: Content, prompt_id: str) -> str:
    return content.prompt(prompt_id).text


def broken(*args: object, **kwargs: object) -> object:
    raise RuntimeError("the flow fell over for +4520304050")


def assert_apology(root: ET.Element, content: Content, *, transfer_offered: bool) -> None:
    """Check the answer apologises, then offers the main menu in a <Gather> followed by a <Redirect>."""
    assert verbs(root) == ["Gather", "Redirect"]
    said = spoken(root)
    assert said[0] == text(content, "error")
    assert text(content, "main_menu") in said
    assert (text(content, "transfer_offer") in said) is transfer_offered
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("action") == "/voice/key?menu=main&tries=0"


@pytest.mark.parametrize(("path", "data"), CALL_ROUTES)
@pytest.mark.parametrize("at", [OPEN_TIME, CLOSED_TIME])
def test_a_fault_in_the_flow_is_answered_with_an_apology_and_the_menu(
    app: Flask,
    twilio: TwilioClient,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    data: dict[str, str],
    at: datetime,
) -> None:
    clock.at = at
    flow = line(app).flow
    for step in ("welcome", "key", "dial_result"):
        monkeypatch.setattr(flow, step, broken)
    if path == "/voice/fallback":
        # The fallback itself answers with flow.error; break the clock instead.
        monkeypatch.setattr(line(app), "clock", broken)
    root = twilio.twiml(path, data)
    open_now = at == OPEN_TIME and path != "/voice/fallback"
    assert_apology(root, line(app).content, transfer_offered=open_now)


def test_a_broken_clock_still_gets_the_apology_without_a_transfer_offer(
    app: Flask, twilio: TwilioClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(line(app), "clock", broken)
    root = twilio.twiml("/voice", {})
    assert_apology(root, line(app).content, transfer_offered=False)


def test_when_rendering_fails_too_the_emergency_document_is_answered(
    app: Flask, twilio: TwilioClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(line(app).renderer, "render", broken)
    response = twilio.post("/voice", {})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.data == Webhook.of(app).emergency
    assert_apology(ET.fromstring(response.data), line(app).content, transfer_offered=False)


def test_the_emergency_document_is_built_at_start_up(app: Flask) -> None:
    assert_apology(
        ET.fromstring(safety.emergency_document(line(app))), line(app).content, transfer_offered=False
    )


def test_a_fault_is_logged_with_the_call_hash_and_without_the_message(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(line(app).flow, "welcome", broken)
    twilio.post("/voice", {})
    faults = [record for record in caplog.records if record.name == "ivr.webhook.endpoint"]
    assert len(faults) == 1
    message = faults[0].getMessage()
    assert "RuntimeError" in message
    assert "broken" in message  # where it happened
    assert "+4520304050" not in message
    expected = call_hash(CALL["CallSid"], Webhook.of(app).hash_key)
    assert message.startswith(f"call {expected}: voice.welcome failed")


def test_a_fault_outside_a_call_is_flasks_500(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app({"TESTING": False})
    monkeypatch.setattr(ContentWatch.of(app), "state", broken)
    assert app.test_client().get("/healthz").status_code == 500


def test_a_fault_outside_a_call_is_raised_in_tests(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ContentWatch.of(app), "state", broken)
    with pytest.raises(RuntimeError):
        client.get("/healthz")


@pytest.mark.parametrize("path", ["/voice", "/voice/key", "/voice/dial", "/voice/fallback"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_call_routes_accept_only_post(client: FlaskClient, path: str, method: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


@pytest.mark.parametrize("method", ["POST", "PUT", "OPTIONS"])
def test_healthz_accepts_only_get(client: FlaskClient, method: str) -> None:
    response = client.open("/healthz", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}


@pytest.mark.parametrize("path", ["/", "/voice/", "/voice/../etc/passwd", "/voice/keys", "/admin"])
def test_unknown_paths_are_404(twilio: TwilioClient, path: str) -> None:
    assert twilio.post(path, {}).status_code == 404


def test_an_oversized_body_is_refused_with_413(app: Flask, twilio: TwilioClient) -> None:
    limit = app.config["MAX_BODY_BYTES"]
    response = twilio.post("/voice/key?menu=main&tries=0", {"Digits": "1", "Padding": "x" * limit})
    assert response.status_code == 413


def test_a_real_sized_body_is_accepted(twilio: TwilioClient) -> None:
    # Twilio's largest webhook bodies (with CallToken, StirVerstat, caller location) stay under 4 KB.
    response = twilio.post("/voice/key?menu=main&tries=0", {"Digits": "1", "CallToken": "x" * 3000})
    assert_worked(response)


def test_the_body_limit_is_a_setting(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_MAX_BODY_BYTES", "4096")
    app = make_app()
    response = TwilioClient(app.test_client()).post("/voice", {"Padding": "x" * 4096})
    assert response.status_code == 413


MULTIPART = "multipart/form-data; boundary=x"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"Digits": "1"}', "application/json", 415),
        (b"Digits=1", "text/plain", 415),
        (b"Digits=%FF%FE&CallSid=%C3", "application/x-www-form-urlencoded", 403),
        (b"Digits=\xff", "application/x-www-form-urlencoded", 400),
        (b"&".join(b"f%d=1" % n for n in range(201)), "application/x-www-form-urlencoded", 400),
        (b"--x\r\nContent-Disposition: form-data; name=Digits\r\n\r\n1\r\n--x--\r\n", MULTIPART, 415),
        (b"--x\r\nbroken", MULTIPART, 415),
    ],
)
def test_odd_bodies_get_a_clean_4xx(client: FlaskClient, body: bytes, content_type: str, status: int) -> None:
    # Signed as if the body held no form parameters, so only the body itself can be the reason.
    path = "/voice/key?menu=main&tries=0"
    signature = TwilioClient(client).validator.compute_signature("http://localhost" + path, {})
    headers = {"X-Twilio-Signature": signature, "Content-Type": content_type}
    response = client.post(path, data=body, headers=headers)
    assert response.status_code == status
