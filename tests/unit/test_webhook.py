"""The one way into the call routes: every request to /voice… is answered by the webhook, nothing else."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.line.events import CallEvent
from ivr.webhook.endpoint import Webhook
from ivr.webhook.form import MAX_FIELDS, FormError, RepeatedFields, parse_form
from ivr.webhook.steps import ROUTES
from tests.support import CALL, OPEN_TIME, TOKEN, FixedClock, TwilioClient, logged, request_lines


def told(app: Flask) -> list[CallEvent]:
    """Start recording the call events the app publishes."""
    seen: list[CallEvent] = []
    Webhook.of(app).observers.append(seen.append)
    return seen


def test_flask_has_no_call_route_of_its_own(app: Flask) -> None:
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not rules & set(ROUTES)
    assert not any(rule.startswith("/voice") for rule in rules)


def test_each_step_is_told_and_logged_once(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen = told(app)
    caplog.set_level(logging.INFO)
    twilio.post("/voice/key?menu=main&tries=0", {"Digits": "4"})
    assert [(e.route, e.event, e.menu, e.key) for e in seen] == [("voice.key", "section", "4", "4")]
    [line] = request_lines(caplog)
    assert logged(line)["event"] == "section"
    assert logged(line)["call"] == seen[0].call


def test_a_repeated_field_is_signed_and_answered_as_twilio_does(app: Flask) -> None:
    seen = told(app)
    form = MultiDict([*CALL.items(), ("Digits", "1"), ("Digits", "2")])
    path = "/voice/key?menu=main&tries=0"
    signature = RequestValidator(TOKEN).compute_signature("http://localhost" + path, form)
    response = app.test_client().post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    # The first value counts, as werkzeug's MultiDict reads it.
    assert [(e.event, e.key) for e in seen] == [("section", "1")]


def test_a_fault_is_answered_with_the_apology_once(
    app: Flask, twilio: TwilioClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seen = told(app)
    line = Webhook.of(app).lines.first
    calls: list[object] = []

    def broken(*args: object, **kwargs: object) -> object:
        calls.append(args)
        raise RuntimeError("the flow broke")

    monkeypatch.setattr(line.flow, "key", broken)
    caplog.set_level(logging.INFO)
    root = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "3"})
    assert root.find("Gather") is not None
    # The step ran once; the apology was told once and logged in the request's one line.
    assert len(calls) == 1
    assert [e.event for e in seen] == ["error"]
    [line_] = request_lines(caplog)
    assert logged(line_)["fault"] == "RuntimeError"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no signature"),
        ({"X-Twilio-Signature": "é" * 28}, "signature not ASCII"),
        ({"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, "wrong signature"),
    ],
)
def test_a_refusal_runs_no_step_tells_no_one_and_logs_a_warning(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    reason: str,
) -> None:
    seen = told(app)
    line = Webhook.of(app).lines.first
    monkeypatch.setattr(line.flow, "welcome", lambda *args: pytest.fail("a refused request ran a step"))
    caplog.set_level(logging.INFO)
    response = app.test_client().post("/voice", data=CALL, headers=headers)
    assert response.status_code == 403
    assert b"signature" not in response.data
    assert seen == []
    [record] = request_lines(caplog)
    assert record.levelno == logging.WARNING
    assert logged(record) == {"route": "voice.welcome", "status": 403, "refused": reason}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_any_exception_while_checking_is_a_refusal(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = told(app)
    validator = Webhook.of(app).signatures.validator

    def exploding(*args: object) -> str:
        raise TypeError("the check broke")

    monkeypatch.setattr(validator, "compute_signature", exploding)
    response = TwilioClient(app.test_client()).post("/voice")
    assert response.status_code == 403
    assert seen == []


@pytest.mark.parametrize("host", ["127.0.0.1:99999", "127.0.0.1:abc", "[::1", "127.0.0.1:-1"])
def test_a_malformed_host_is_a_refusal(app: Flask, host: str, caplog: pytest.LogCaptureFixture) -> None:
    seen = told(app)
    client = TwilioClient(app.test_client())
    response = client.post("/voice/key?menu=main&tries=0", {"Digits": "1"}, headers={"Host": host})
    assert response.status_code == 403
    assert seen == []
    # twilio's full check cannot parse the URL: the exception itself is the refusal.
    [record] = request_lines(caplog)
    assert logged(record)["refused"] == "signature check failed (ValueError)"


@pytest.mark.parametrize("host", ["127.0.0.1:99999", "127.0.0.1:abc", "[::1", "127.0.0.1:-1"])
def test_a_malformed_forwarded_host_is_a_refusal(
    make_app: Callable[..., Flask], host: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app({"TRUSTED_PROXIES": 1})
    seen = told(app)
    headers = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "https"}
    response = TwilioClient(app.test_client()).post("/voice/dial", {"DialCallStatus": "busy"}, headers)
    assert response.status_code == 403
    assert seen == []
    [record] = request_lines(caplog)
    assert logged(record)["refused"] == "signature check failed (ValueError)"


def test_refusal_lines_are_limited_per_minute(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1000.0 * 60]
    monkeypatch.setattr("ivr.webhook.endpoint.time.monotonic", lambda: now[0])
    caplog.set_level(logging.INFO)
    client = app.test_client()
    for _ in range(50):
        assert client.post("/voice", data=CALL).status_code == 403
    assert len(request_lines(caplog)) == 10
    now[0] += 60
    client.post("/voice", data=CALL)
    lines = request_lines(caplog)
    assert len(lines) == 11
    assert logged(lines[-1])["unlogged_refusals"] == 40


class CountingClock(FixedClock):
    """A fixed clock that counts its readings."""

    readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return self.at


def test_a_step_reads_the_clock_once(make_app: Callable[..., Flask]) -> None:
    clock = CountingClock(OPEN_TIME)
    app = make_app(clock=clock)
    TwilioClient(app.test_client()).post("/voice/key?menu=main&tries=0", {"Digits": "0"})
    assert clock.readings == 1


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=12)), max_size=12))
def test_forms_parse_as_the_standard_library_does(pairs: list[tuple[str, str]]) -> None:
    text = urlencode(pairs)
    expected = parse_qsl(text, keep_blank_values=True)
    fields = parse_form(text)
    assert fields == dict(reversed(expected))  # the first value of a name counts
    for name, _ in expected:
        assert fields.getall(name) == [value for other, value in expected if other == name]
    assert isinstance(fields, RepeatedFields) == (len({name for name, _ in expected}) < len(expected))


@given(
    st.lists(
        st.sampled_from(
            ["%2B", "%2b", "%23", "%2A", "%2a", "%2", "%", "+", "2B", "23", "%25", "%C3%A6", "%ZZ", "4", "#"]
        ),
        max_size=8,
    )
)
def test_escapes_decode_as_the_standard_library_does(pieces: list[str]) -> None:
    # Text made of escapes, near-escapes and plain characters, as urlencode would never make it.
    text = "".join(pieces)
    assert list(parse_form(f"{text}={text}").items()) == parse_qsl(f"{text}={text}", keep_blank_values=True)


def test_forms_refuse_too_many_fields() -> None:
    assert len(parse_form("&".join(f"f{n}=1" for n in range(MAX_FIELDS)))) == MAX_FIELDS
    with pytest.raises(FormError):
        parse_form("&".join(f"f{n}=1" for n in range(MAX_FIELDS + 1)))
