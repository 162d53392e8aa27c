"""One JSON line per request, identifying a call only by its keyed hash; no caller number in any log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from ivr.line.events import call_hash
from ivr.line.running import Line
from ivr.stats.web import Statistics
from ivr.webhook import requestlog
from ivr.webhook.endpoint import Webhook
from tests.support import CALL, SECRETARIAT, TwilioClient, logged, request_lines

CALLER = {
    "From": "+4520304050",
    "Caller": "+4520304050",
    "To": "+4570701234",
    "Called": "+4570701234",
    "ForwardedFrom": "+4531323334",
    "CallerName": "Jens Hansen",
    "FromZip": "8000",
}
PRIVATE = ["CA0123456789abcdef0123456789abcdef", "Jens Hansen"]
PRIVATE += [number for number in CALLER.values() if number.startswith("+")]
PRIVATE += [number[3:] for number in CALLER.values() if number.startswith("+45")]


def test_each_call_request_logs_one_line_with_its_step_and_outcome(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    twilio.post("/voice/key?menu=main&tries=0", {"Digits": "2"})
    [record] = request_lines(caplog)
    fields = logged(record)
    assert fields["call"] == call_hash(CALL["CallSid"], Webhook.of(app).hash_key)
    assert fields["route"] == "voice.key"
    assert (fields["event"], fields["menu"], fields["key"], fields["status"]) == ("section", "2", "2", 200)
    assert isinstance(fields["ms"], float)
    assert fields["ms"] >= 0


def test_a_refused_request_is_logged_without_a_call(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client.post("/voice", data=CALL)
    [record] = request_lines(caplog)
    assert record.levelname == "WARNING"
    assert logged(record) == {"route": "voice.welcome", "status": 403, "refused": "no signature"}


def test_a_fault_is_marked_in_the_request_line(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    line: Line = Webhook.of(app).lines.first

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("x")

    monkeypatch.setattr(line.flow, "welcome", broken)
    twilio.post("/voice", {})
    [record] = request_lines(caplog)
    assert logged(record)["fault"] == "KeyError"
    assert logged(record)["event"] == "error"


def test_a_healthy_healthz_is_not_logged(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert client.get("/healthz").status_code == 200
    assert request_lines(caplog) == []


@pytest.mark.parametrize(
    ("digits", "logged"),
    [
        (None, None),
        ("", ""),
        ("1", "1"),
        ("*", "*"),
        ("#1", "#1"),
        ("12345678", "<8 odd characters>"),
        ("é", "<1 odd characters>"),
    ],
)
def test_only_keypad_keys_are_logged_as_pressed(digits: str | None, logged: str | None) -> None:
    assert requestlog.loggable_key(digits) == logged


def test_no_caller_number_or_callsid_reaches_any_log(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    # A whole call, including a transfer, a loop, odd input and a fault whose message quotes the caller.
    steps = [
        ("/voice", {}),
        ("/voice/key?menu=main&tries=0", {"Digits": "3"}),
        ("/voice/key?menu=3&tries=0", {"Digits": CALLER["From"]}),
        ("/voice/key?menu=main&tries=0", {"Digits": "0"}),
        ("/voice/dial?menu=main", {"DialCallStatus": "no-answer"}),
        ("/voice/key?menu=main&tries=0", {"Digits": "0", "To": SECRETARIAT}),
        ("/voice/nowhere", {}),
    ]
    for path, data in steps:
        twilio.post(path, {**CALLER, **data})
    line: Line = Webhook.of(app).lines.first

    def leaky(*args: object, **kwargs: object) -> object:
        raise ValueError(f"no flow for {CALLER['From']} on {CALL['CallSid']}")

    monkeypatch.setattr(line.flow, "welcome", leaky)
    twilio.post("/voice", CALLER)
    assert len(caplog.records) >= len(steps) + 1
    formatter = requestlog.JsonFormatter()
    for record in caplog.records:
        written = [formatter.format(record), logging.Formatter().format(record), repr(record.__dict__)]
        for text in written:
            for private in PRIVATE:
                assert private not in text, (private, text)


def test_the_json_formatter_writes_one_object_per_line_with_the_fields() -> None:
    record = logging.LogRecord("ivr.requests", logging.INFO, __file__, 1, "request", None, None)
    record.ivr = {"route": "voice.key", "status": 200}
    line = requestlog.JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert (parsed["route"], parsed["status"], parsed["msg"]) == ("voice.key", 200, "request")


@pytest.mark.parametrize(
    "private", ["+4520304050", "4520304050", "20304050", "CA0123456789abcdef0123456789abcdef"]
)
def test_the_json_formatter_masks_anything_shaped_like_a_number_or_callsid(private: str) -> None:
    try:
        raise ValueError(f"caller {private} broke it")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "saw %s", (private,), sys.exc_info())
    line = requestlog.JsonFormatter().format(record)
    assert private not in line
    assert "<redacted>" in line
    assert json.loads(line)["level"] == "ERROR"


def test_the_json_formatter_keeps_times_hashes_and_latencies() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "request", None, None)
    record.ivr = {"call": "1234567890abcdef", "ms": 12345.67, "status": 200}
    parsed = json.loads(requestlog.JsonFormatter().format(record))
    assert (parsed["call"], parsed["ms"]) == ("1234567890abcdef", 12345.67)
    assert parsed["ts"].startswith("20")


def test_when_even_the_apology_fails_the_line_still_names_the_call(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    line: Line = Webhook.of(app).lines.first

    def broken(*args: object, **kwargs: object) -> object:
        raise OSError("no clock")

    monkeypatch.setattr(line, "clock", broken)
    twilio.post("/voice", {})
    [record] = request_lines(caplog)
    assert logged(record)["call"] == call_hash(CALL["CallSid"], Webhook.of(app).hash_key)
    assert logged(record)["fault"] == "OSError"
    assert "event" not in logged(record)


def test_the_json_formatter_writes_utc_times_with_milliseconds() -> None:
    formatter = requestlog.JsonFormatter()
    stamps = []
    for created, msecs in ((1795600931, 0), (1795600931, 482), (1795600932, 999)):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
        record.created, record.msecs = created + msecs / 1000, msecs
        stamps.append(json.loads(formatter.format(record))["ts"])
    assert stamps == ["2026-11-25T10:02:11.000Z", "2026-11-25T10:02:11.482Z", "2026-11-25T10:02:12.999Z"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"count": 2**70}, {"count": 2**70}),  # beyond orjson's 64-bit integers
        ({"by": {1: "one"}}, {"by": {"1": "one"}}),  # a key that is not a string
        ({"seen": Path("/tmp/x"), "word": "æblegrød"}, {"seen": "/tmp/x", "word": "æblegrød"}),
    ],
    ids=["big-integer", "integer-key", "other-types"],
)
def test_the_json_formatter_writes_what_the_fast_encoder_cannot(
    fields: dict[str, object], expected: dict[str, object]
) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.ivr = fields
    line = requestlog.JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert {name: parsed[name] for name in expected} == expected


@given(st.text(max_size=80), st.binary(min_size=32, max_size=32))
def test_a_call_is_named_by_its_keyed_hash_remembered_or_not(call_sid: str, key: bytes) -> None:
    # CallSid-long values are remembered, longer ones hashed each time: the same HMAC either way.
    expected = hmac.new(key, call_sid.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
    assert call_hash(call_sid, key) == call_hash(call_sid, key) == expected
    assert call_hash(call_sid, bytes(32) if key != bytes(32) else b"\x01" * 32) != expected
    assert call_hash(None, key) == call_hash("", key)


def test_what_a_caller_says_never_reaches_a_log_or_the_statistics(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Words a caller might say about themselves; each must never be written anywhere, not even in part.
    said = ["jeg hedder Karen Kvistgaard og har komplikationer", "Kvistgaard siger bivirkninger", "zzqx wwyy"]
    store = Statistics.of(app).store
    recorder = Statistics.of(app).recorder
    caplog.set_level(logging.DEBUG)
    for words, confidence in zip(said, ["0.95", "0.2", "0.9"], strict=True):
        twilio.post(
            "/voice/key?menu=main&tries=0", {**CALLER, "SpeechResult": words, "Confidence": confidence}
        )
    recorder.flush()
    rows = store.rows()
    # Counted as the choice and that it came by speech: the matched key, on the speech route.
    assert [(row.route, row.event, row.key) for row in rows][:1] == [("voice.speech", "section", "5")]
    assert all(row.route in {"voice.speech", "voice.key"} for row in rows)
    written = " ".join(repr(row) for row in rows)
    formatter = requestlog.JsonFormatter()
    for record in caplog.records:
        written += formatter.format(record) + logging.Formatter().format(record) + repr(record.__dict__)
    for words in said:
        for word in words.split():
            if len(word) > 3:
                assert word not in written, word
