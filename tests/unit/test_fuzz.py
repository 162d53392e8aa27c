"""Property tests: whatever a signed request holds, the line answers valid TwiML or a clean 4xx."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from ivr.line.keypad import KEYPAD as KEYPAD_KEYS
from ivr.webhook.endpoint import Webhook
from tests.support import CALL, OPEN_TIME, SECRETARIAT, TOKEN, FixedClock, spoken

VALIDATOR = RequestValidator(TOKEN)
KEYPAD = "".join(sorted(KEYPAD_KEYS))
CALL_PATHS = ["/voice", "/voice/key", "/voice/dial", "/voice/fallback"]
# The app is not changed by a request, so one app per test serves every example.
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

digits = st.one_of(
    st.sampled_from(["", "0", "1", "5", "6", "9", "*", "#", "１", "²", "٣", "00", "1#", "*#"]),
    st.text(alphabet=KEYPAD, max_size=40),
    st.text(max_size=30),
)
query_values = st.one_of(
    st.sampled_from(["main", "1", "5", "9", "../x", "", "-1", "99", "100", "1e9", "²", "١", "0x1"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    # Characters str.isdigit() accepts that int() may not: superscripts, other scripts' digits.
    st.text(alphabet=st.characters(categories=["Nd", "No"]).filter(str.isdigit), min_size=1, max_size=2),
    st.text(max_size=20),
)
query = st.builds(
    lambda known, extra: [*known.items(), *extra],
    st.fixed_dictionaries({}, optional={"menu": query_values, "tries": query_values}),
    st.lists(
        st.tuples(st.sampled_from(["menu", "tries", "x"]) | st.text(max_size=5), query_values), max_size=2
    ),
)
extra_params = st.lists(
    st.tuples(
        st.sampled_from(["Digits", "DialCallStatus", "ForwardedFrom", "To", "From", "CallSid"])
        | st.text(max_size=8),
        st.one_of(digits, st.sampled_from(["completed", "busy", "no-answer", SECRETARIAT, "97662400"])),
    ),
    max_size=4,
)
dropped = st.sets(st.sampled_from(sorted(CALL)))
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


def signed_post(
    client: FlaskClient, path: str, form: MultiDict[str, str], method: str = "POST"
) -> TestResponse:
    """Send `form` to `path` with a valid Twilio signature over every value, duplicates included."""
    signature = VALIDATOR.compute_signature("http://localhost" + path, form)
    return client.open(path, method=method, data=form, headers={"X-Twilio-Signature": signature})


def build_form(drop: set[str], extra: list[tuple[str, str]], digits_value: str | None) -> MultiDict[str, str]:
    form: MultiDict[str, str] = MultiDict([(name, value) for name, value in CALL.items() if name not in drop])
    if digits_value is not None:
        form.add("Digits", digits_value)
    for name, value in extra:
        form.add(name, value)
    return form


def assert_safe_twiml(response: TestResponse, number: str) -> ET.Element:
    """Check a 200 answer is a TwiML <Response> whose only <Dial> goes to the secretariat."""
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    assert len(root) > 0
    for dial in root.iter("Dial"):
        assert [(child.tag, child.text) for child in dial] == [("Number", number)]
    # A <Number> anywhere but inside that <Dial> would be a second way out of the line.
    assert len(list(root.iter("Number"))) == len(list(root.iter("Dial")))
    return root


@FUZZ
@example(path="/voice/key", pairs=[("tries", "²")], drop=set(), digits_value="7", extra=[], at=OPEN_TIME)
@example(
    path="/voice/key",
    pairs=[("menu", "../x"), ("tries", "-1")],
    drop={"CallSid"},
    digits_value="",
    extra=[("Digits", "0")],
    at=OPEN_TIME,
)
@given(
    path=st.sampled_from([*CALL_PATHS, "/voice/key", "/voice/key"]),
    pairs=query,
    drop=dropped,
    digits_value=st.none() | digits,
    extra=extra_params,
    at=moments,
)
def test_any_signed_call_request_gets_valid_twiml_without_a_fault(
    app: Flask,
    client: FlaskClient,
    clock: FixedClock,
    path: str,
    pairs: list[tuple[str, str]],
    drop: set[str],
    digits_value: str | None,
    extra: list[tuple[str, str]],
    at: datetime,
) -> None:
    clock.at = at
    full = path + ("?" + urlencode(pairs) if pairs else "")
    response = signed_post(client, full, build_form(drop, extra, digits_value))
    assert response.status_code == 200, response.data
    root = assert_safe_twiml(response, SECRETARIAT)
    if path != "/voice/fallback":
        # The apology is for faults; ordinary bad input must be handled by the flow itself.
        apology = Webhook.of(app).lines.first.content.prompt("error").text
        assert apology not in spoken(root)


@FUZZ
@given(
    path=st.sampled_from([*CALL_PATHS, "/healthz", "/", "/voice/", "/voice/keys", "/x/../voice"])
    # Not "//...": the test client would read that as a host name, before the app sees anything.
    | st.text(max_size=12).map(lambda text: "/" + text.lstrip("/")),
    method=st.sampled_from(["POST", "POST", "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]),
    digits_value=st.none() | digits,
    padding=st.sampled_from([0, 0, 100, 40_000]),
)
def test_any_request_gets_twiml_or_a_clean_4xx(
    client: FlaskClient, path: str, method: str, digits_value: str | None, padding: int
) -> None:
    form = build_form(set(), [("Padding", "x" * padding)] if padding else [], digits_value)
    response = signed_post(client, path, form, method)
    assert response.status_code < 500
    if response.status_code == 200 and method == "POST":
        assert_safe_twiml(response, SECRETARIAT)
    elif response.status_code != 200:
        # 403: a generated path the client re-encodes no longer matches its signature.
        assert response.status_code in {403, 404, 405, 413}, (path, method)


@pytest.mark.parametrize("number", ["+4533445566", "+4597662400"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=st.lists(st.sampled_from([*KEYPAD, ""]), max_size=6))
def test_a_transfer_only_ever_dials_the_configured_number(
    make_app: Callable[..., Flask], number: str, keys: list[str]
) -> None:
    app = make_app({"SECRETARIAT_NUMBER": number}, clock=FixedClock(datetime(2026, 11, 25, 10, tzinfo=UTC)))
    client = app.test_client()
    path = "/voice/key?menu=main&tries=0"
    for key in [*keys, "0"]:
        root = assert_safe_twiml(signed_post(client, path, build_form(set(), [], key)), number)
        gather = root.find("Gather")
        if gather is None:
            break
        path = gather.get("action") or path
    # Either the caller was said goodbye to after too many odd keys, or the final 0 put them through.
    hung_up = root.find("Hangup") is not None
    assert hung_up or [number_.text for number_ in root.iter("Number")] == [number]
