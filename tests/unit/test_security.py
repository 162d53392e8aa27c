"""Signatures and start-up configuration: only Twilio gets answers, and mistakes stop the start."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import HMAC_SHA256, RequestValidator
from werkzeug.datastructures import MultiDict

from ivr import create_app
from ivr.line.content_loader import ContentError
from ivr.settings import ConfigError
from ivr.webhook.form import Fields
from ivr.webhook.signature import Validator
from tests.support import CALL, SECRETARIAT, TOKEN, FixedClock, TwilioClient, assert_worked

ROUTES = ["/voice", "/voice/key?menu=main&tries=0", "/voice/dial", "/voice/fallback"]


def signature(url: str, form: dict[str, str], token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, form))


@pytest.mark.parametrize("path", ROUTES[:-1])
def test_signed_requests_are_answered(twilio: TwilioClient, path: str) -> None:
    assert_worked(twilio.post(path))


def test_a_signed_fallback_is_answered_with_the_apology(twilio: TwilioClient) -> None:
    # Twilio calls the fallback URL only after the primary URL failed: there the apology is the answer.
    with pytest.raises(AssertionError, match="apologised"):
        assert_worked(twilio.post("/voice/fallback"))


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Twilio-Signature": signature("http://localhost/voice/other", CALL)},
        {"X-Twilio-Signature": signature("http://localhost/voice", CALL, token="another-account")},
    ],
    ids=["missing", "empty", "garbage", "other-url", "other-token"],
)
def test_unsigned_or_wrongly_signed_requests_get_403(
    client: FlaskClient, path: str, headers: dict[str, str]
) -> None:
    response = client.post(path, data=CALL, headers=headers)
    assert response.status_code == 403


def test_a_tampered_body_gets_403(client: FlaskClient) -> None:
    good = signature("http://localhost/voice/key?menu=main&tries=0", {**CALL, "Digits": "1"})
    response = client.post(
        "/voice/key?menu=main&tries=0", data={**CALL, "Digits": "0"}, headers={"X-Twilio-Signature": good}
    )
    assert response.status_code == 403


def test_a_tampered_query_gets_403(client: FlaskClient) -> None:
    good = signature("http://localhost/voice/key?menu=main&tries=0", {**CALL, "Digits": "9"})
    response = client.post(
        "/voice/key?menu=main&tries=2", data={**CALL, "Digits": "9"}, headers={"X-Twilio-Signature": good}
    )
    assert response.status_code == 403


def test_behind_a_proxy_the_public_url_is_checked(make_app: Callable[..., Flask]) -> None:
    app = make_app({"PUBLIC_URL": "https://ivr.example.dk/"})
    public = TwilioClient(app.test_client(), base="https://ivr.example.dk")
    internal = TwilioClient(app.test_client(), base="http://localhost")
    assert_worked(public.post("/voice/key?menu=2&tries=0", {"Digits": "1"}))
    assert internal.post("/voice/key?menu=2&tries=0", {"Digits": "1"}).status_code == 403


def test_trusted_forwarded_headers_give_the_public_url(make_app: Callable[..., Flask]) -> None:
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "ivr.example.dk",
        "X-Forwarded-For": "1.2.3.4",
    }
    trusting = TwilioClient(make_app({"TRUSTED_PROXIES": 1}).test_client(), base="https://ivr.example.dk")
    assert_worked(trusting.post("/voice", headers=forwarded))
    # Without trust, the same headers are ignored: a client cannot choose the URL that is checked.
    wary = TwilioClient(make_app().test_client(), base="https://ivr.example.dk")
    assert wary.post("/voice", headers=forwarded).status_code == 403


def test_no_token_refuses_to_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        make_app({"TWILIO_AUTH_TOKEN": None})


def test_development_mode_runs_without_a_token_and_says_so_loudly(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ivr"):
        app = make_app({"TWILIO_AUTH_TOKEN": None, "DEVELOPMENT": True})
    assert any("DEVELOPMENT MODE" in r.message and r.levelno == logging.WARNING for r in caplog.records)
    assert_worked(app.test_client().post("/voice", data=CALL))


def test_the_token_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-the-environment")
    app = create_app(clock=clock)
    client = TwilioClient(app.test_client(), token="from-the-environment")
    assert_worked(client.post("/voice"))


def test_ivr_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]
) -> None:
    monkeypatch.setenv("IVR_VOICE", "Polly.Mads")
    monkeypatch.setenv("IVR_SECRETARIAT_NUMBER", '"+4511223344"')
    monkeypatch.setenv("IVR_GATHER_TIMEOUT", "10")
    client = TwilioClient(make_app().test_client())
    root = client.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"})
    assert [n.text for n in root.iter("Number")] == ["+4511223344"]
    assert {say.get("voice") for say in root.iter("Say")} == {"Polly.Mads"}


def test_an_unquoted_number_from_the_environment_still_works(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]
) -> None:
    # Flask JSON-decodes IVR_* values; a bare number would otherwise arrive as an int.
    monkeypatch.setenv("IVR_SECRETARIAT_NUMBER", SECRETARIAT)
    client = TwilioClient(make_app().test_client())
    root = client.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"})
    assert [n.text for n in root.iter("Number")] == [SECRETARIAT]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IVR_GATHER_TIMEOUT", "soon"),
        ("IVR_GATHER_TIMEOUT", "0"),
        ("IVR_PUBLIC_URL", "ftp://ivr.example.dk"),
        ("IVR_DEVELOPMENT", "maybe"),
        ("IVR_TRUSTED_PROXIES", "-1"),
    ],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        make_app()


def test_a_bad_secretariat_number_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask]
) -> None:
    monkeypatch.setenv("IVR_SECRETARIAT_NUMBER", '"97 66 24 00"')
    with pytest.raises(ContentError, match="IVR_SECRETARIAT_NUMBER"):
        make_app()


def test_duplicated_parameters_are_signed_as_twilio_signs_them(client: FlaskClient) -> None:
    form = MultiDict([*CALL.items(), ("Digits", "1"), ("Digits", "2")])
    sig = RequestValidator(TOKEN).compute_signature("http://localhost/voice/key?menu=main&tries=0", form)
    response = client.post(
        "/voice/key?menu=main&tries=0",
        data=form,
        headers={"X-Twilio-Signature": sig},
    )
    assert response.status_code == 200


def test_a_signature_for_the_url_without_its_port_is_accepted(client: FlaskClient) -> None:
    # Twilio signs some URLs without the port they were called on; the validator's full check allows it.
    sig = signature("http://localhost/voice", CALL)
    response = client.post(
        "/voice", data=CALL, headers={"X-Twilio-Signature": sig}, base_url="http://localhost:443"
    )
    assert response.status_code == 200


FORMS = st.dictionaries(st.text(max_size=10), st.text(max_size=16), max_size=12)
URLS = st.text(max_size=40).map(lambda path: "https://line.example.org/" + path)


@given(URLS, FORMS, st.text(min_size=1, max_size=20))
def test_the_validator_signs_exactly_as_twilio_does(url: str, form: dict[str, str], token: str) -> None:
    ours, twilios = Validator(token), RequestValidator(token)
    expected = twilios.compute_signature(url, form)
    assert ours.compute_signature(url, form) == expected
    assert ours.compute_signature(url, Fields(form)) == expected
    # The keyed HMAC is copied, never updated itself: the same request signs the same twice.
    assert ours.compute_signature(url, form) == expected


@given(URLS, st.lists(st.tuples(st.text(max_size=6), st.text(max_size=8)), max_size=10))
def test_the_validator_signs_repeated_names_as_twilio_does(url: str, pairs: list[tuple[str, str]]) -> None:
    form = MultiDict(pairs)
    assert Validator(TOKEN).compute_signature(url, form) == RequestValidator(TOKEN).compute_signature(
        url, form
    )


def test_the_validator_leaves_other_algorithms_to_twilio() -> None:
    url, form = "https://line.example.org/voice", dict(CALL)
    ours = Validator(TOKEN).compute_signature(url, form, HMAC_SHA256)
    assert ours == RequestValidator(TOKEN).compute_signature(url, form, HMAC_SHA256)
    assert ours != Validator(TOKEN).compute_signature(url, form)


@given(FORMS, st.booleans())
def test_the_validator_accepts_and_refuses_as_twilio_does(form: dict[str, str], tampered: bool) -> None:
    url = "https://line.example.org:443/voice/key?menu=main&tries=0"
    # Signed without the port, as Twilio sometimes signs: the full check tries both forms of the URL.
    sig = RequestValidator(TOKEN).compute_signature(url.replace(":443", ""), form)
    sent = {**form, "Digits": "1"} if tampered else form
    assert Validator(TOKEN).validate(url, sent, sig) == RequestValidator(TOKEN).validate(url, sent, sig)
    assert Validator(TOKEN).validate(url, sent, sig) == (sent == form)
