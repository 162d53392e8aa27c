"""The fast lane answers well-formed signed steps exactly as the Flask views would, and hands on the rest."""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import Client

from ivr import create_app, voice
from ivr.events import CallEvent
from ivr.fastlane import FastLane, _fields
from ivr.webhook_request import MAX_FIELDS
from tests.conftest import CALL, OPEN_TIME, TOKEN, FixedClock, TwilioClient

STEPS = [
    ("/voice", {}),
    ("/voice/fallback", {}),
    ("/voice/dial", {"DialCallStatus": "busy"}),
    ("/voice/dial", {"DialCallStatus": "completed"}),
    *[(f"/voice/key?menu={menu}&tries=1", {"Digits": key}) for menu in ("main", "3") for key in "0159*#"],
    ("/voice/key?menu=2&tries=2", {}),
]


@pytest.fixture
def lane(app: Flask) -> FastLane:
    lane_: FastLane = app.extensions["ivr.fastlane"]
    return lane_


@pytest.fixture
def flask_views(app: Flask) -> list[str]:
    """Record which call views Flask runs: the fast lane's requests never reach them."""
    ran: list[str] = []
    for endpoint in ("voice.welcome", "voice.key", "voice.dial", "voice.fallback"):
        view = app.view_functions[endpoint]

        def recording(view: object = view, endpoint: str = endpoint) -> object:
            ran.append(endpoint)
            return view()  # type: ignore[operator]

        app.view_functions[endpoint] = recording
    return ran


@pytest.mark.parametrize(("path", "form"), STEPS)
def test_the_fast_lane_answers_as_flask_would(
    app: Flask, lane: FastLane, flask_views: list[str], path: str, form: dict[str, str]
) -> None:
    fast = TwilioClient(app.test_client()).post(path, form)
    assert flask_views == []
    slow = TwilioClient(Client(lane.inner)).post(path, form)  # type: ignore[arg-type]
    assert flask_views != []
    assert (fast.status_code, fast.headers["Content-Type"], fast.data) == (
        slow.status_code,
        slow.headers["Content-Type"],
        slow.data,
    )


def test_each_step_is_told_and_logged_once(
    app: Flask, twilio: TwilioClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[CallEvent] = []
    app.extensions["ivr.observers"].append(seen.append)
    caplog.set_level(logging.INFO)
    twilio.post("/voice/key?menu=main&tries=0", {"Digits": "4"})
    assert [(e.route, e.event, e.menu, e.key) for e in seen] == [("voice.key", "section", "4", "4")]
    [line] = [r for r in caplog.records if r.name == "ivr.requests"]
    assert line.ivr["event"] == "section"  # type: ignore[attr-defined]
    assert line.ivr["call"] == seen[0].call  # type: ignore[attr-defined]


def test_odd_requests_go_to_flask(app: Flask, flask_views: list[str]) -> None:
    client = app.test_client()
    # A repeated field: Flask's path keeps every value and signs them all.
    form = MultiDict([*CALL.items(), ("Digits", "1"), ("Digits", "2")])
    path = "/voice/key?menu=main&tries=0"
    signature = RequestValidator(TOKEN).compute_signature("http://localhost" + path, form)
    assert client.post(path, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200
    # Unsigned: Flask answers 403.
    assert client.post("/voice", data=CALL).status_code == 403
    # Another content type.
    assert client.post("/voice", json=CALL).status_code == 403
    assert flask_views == ["voice.key", "voice.welcome", "voice.welcome"]


def test_a_fault_in_the_lane_is_answered_by_flask_calmly(
    app: Flask, twilio: TwilioClient, monkeypatch: pytest.MonkeyPatch, flask_views: list[str]
) -> None:
    seen: list[CallEvent] = []
    app.extensions["ivr.observers"].append(seen.append)
    line = app.extensions["ivr.line"]

    def broken(*args: object) -> object:
        raise RuntimeError("the flow broke")

    monkeypatch.setattr(line.flow, "key", broken)
    root = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "3"})
    assert flask_views == ["voice.key"]
    assert root.find("Gather") is not None
    # Told once, by Flask's apology, never by the lane that failed.
    assert [e.event for e in seen] == ["error"]


def test_oversized_bodies_are_refused_by_flask(app: Flask, twilio: TwilioClient) -> None:
    big = {"Padding": "x" * (app.config["MAX_BODY_BYTES"] + 1)}
    assert twilio.post("/voice", big).status_code == 413


def test_every_call_route_has_a_step_in_the_fast_lane(app: Flask, lane: FastLane) -> None:
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("voice.")}
    assert routes == set(voice.STEPS)
    assert {endpoint for endpoint, _ in lane.routes.values()} == routes


class CountingClock(FixedClock):
    """A fixed clock that counts its readings."""

    readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return self.at


def test_a_step_reads_the_clock_once(config: dict[str, object]) -> None:
    clock = CountingClock(OPEN_TIME)
    app = create_app({**config, "CLOCK": clock})
    client = app.test_client()
    TwilioClient(client).post("/voice/key?menu=main&tries=0", {"Digits": "0"})
    assert clock.readings == 1
    # Through Flask too: a repeated field takes Flask's path.
    form = MultiDict([*CALL.items(), ("Digits", "1"), ("Digits", "2")])
    path = "/voice/key?menu=main&tries=0"
    signature = RequestValidator(TOKEN).compute_signature("http://localhost" + path, form)
    client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert clock.readings == 2


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=12)), max_size=12))
def test_fields_parse_as_the_standard_library_does(pairs: list[tuple[str, str]]) -> None:
    text = urlencode(pairs)
    expected = parse_qsl(text, keep_blank_values=True)
    fields = _fields(text)
    if len({name for name, _ in expected}) < len(expected):
        assert fields is None
    else:
        assert fields == dict(expected)


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
    fields = _fields(f"{text}={text}")
    assert fields is not None
    assert list(fields.items()) == parse_qsl(f"{text}={text}", keep_blank_values=True)


def test_fields_refuse_too_many() -> None:
    assert _fields("&".join(f"f{n}=1" for n in range(MAX_FIELDS + 1))) is None
