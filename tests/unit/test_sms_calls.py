"""The leaflet by SMS in a call: offered to mobiles, sent once off the request path, by the real client."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from ivr.line.content_loader import default_path
from ivr.line.events import CallEvent
from ivr.sms.service import LeafletSms
from ivr.webhook.endpoint import Webhook
from tests.fake_twilio import ACCOUNT, FakeTwilio
from tests.support import CALL, LEAFLET_URL, TOKEN, TwilioClient, spoken, with_sms

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial

OFFER = "Tryk 8 for at få folderen som SMS."
SENT = "Du får en SMS om lidt."
NOT_SENT = "Jeg kan desværre ikke sende en SMS til dit nummer lige nu."


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(token=TOKEN, slow_seconds=5.0) as server:
        yield server


@pytest.fixture
def sms_app(make_app: Callable[..., Flask], tmp_path: Path, fake: FakeTwilio) -> Iterator[Flask]:
    content = tmp_path / "rodblokade.toml"
    content.write_text(with_sms(default_path().read_text(encoding="utf-8")), encoding="utf-8")
    settings = {
        "CONTENT_FILE": content,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "SMS_FROM": "+4578787878",
        "TWILIO_API_URL": fake.url,
    }
    app = make_app(settings)
    yield app
    sms = Webhook.of(app).lines.first.flow.sms
    assert isinstance(sms, LeafletSms)
    sms.sender.close()


def sent_when_done(app: Flask) -> dict[str, int]:
    sms = Webhook.of(app).lines.first.flow.sms
    assert isinstance(sms, LeafletSms)
    sms.sender.close()
    return sms.sender.outcomes()


def test_a_mobile_caller_is_offered_the_leaflet_and_gets_it_once(sms_app: Flask, fake: FakeTwilio) -> None:
    twilio = TwilioClient(sms_app.test_client())
    assert OFFER in spoken(twilio.twiml("/voice"))
    answer = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "8"})
    assert spoken(answer)[0] == SENT
    again = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "8"})
    assert spoken(again)[0] == NOT_SENT  # at most one SMS per call
    assert OFFER not in spoken(again)  # and no offer right after saying it cannot be sent
    assert sent_when_done(sms_app)["sent"] == 1
    [message] = fake.received
    assert (message.form["To"], message.form["From"]) == (CALL["From"], "+4578787878")
    assert message.form["Body"] == f"Folderen om rodblokade: {LEAFLET_URL}"


def action(root: ET.Element) -> str:
    """The URL the caller's next key goes to: the path and query Twilio would post to."""
    gather = root.find("Gather")
    assert gather is not None
    return gather.attrib["action"]


def test_every_main_menu_offers_it_until_it_has_gone(sms_app: Flask, fake: FakeTwilio) -> None:
    twilio = TwilioClient(sms_app.test_client())
    # Back in the main menu from a section: offered again, last, after the menu's choices.
    section = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "2"})
    assert OFFER not in spoken(section)
    menu = twilio.twiml(action(section), {"Digits": "#"})
    assert spoken(menu)[-1] == OFFER
    assert "texted" not in action(menu)
    # After a failed transfer, and after the line's own error, too.
    assert spoken(twilio.twiml("/voice/dial", {"DialCallStatus": "busy"}))[-1] == OFFER
    assert spoken(twilio.twiml("/voice/fallback"))[-1] == OFFER
    # Sent: the next URLs say so, and no menu offers it again in this call, whatever route it comes by.
    sent = twilio.twiml(action(menu), {"Digits": "8"})
    assert spoken(sent)[0] == SENT
    assert OFFER not in spoken(sent)
    assert parse_qs(urlsplit(action(sent)).query)["texted"] == ["1"]
    again = twilio.twiml(action(sent), {"Digits": "#"})
    assert OFFER not in spoken(again)
    assert "texted=1" in action(again)
    assert OFFER not in spoken(twilio.twiml("/voice/dial?texted=1", {"DialCallStatus": "busy"}))
    # A landline caller's main menu never offers it.
    landline = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "#", "From": "+4597662400"})
    assert OFFER not in spoken(landline)
    assert sent_when_done(sms_app)["sent"] == 1


def test_a_caller_may_say_they_want_it(sms_app: Flask, fake: FakeTwilio) -> None:
    events: list[CallEvent] = []
    Webhook.of(sms_app).observers.append(events.append)
    twilio = TwilioClient(sms_app.test_client())
    said = {"SpeechResult": "øh send mig lige folderen som sms", "Confidence": "0.91"}
    answer = twilio.twiml("/voice/key?menu=main&tries=0", said)
    assert spoken(answer)[0] == SENT
    assert "texted=1" in action(answer)
    # Counted as the SMS key on the speech route; never the words.
    assert [(e.route, e.event, e.key) for e in events] == [("voice.speech", "sms_sent", "8")]
    assert sent_when_done(sms_app)["sent"] == 1
    assert len(fake.received) == 1


@pytest.mark.parametrize("caller", ["anonymous", "+266696687", "", "+4597662400", "+4420304050"])
def test_withheld_and_landline_callers_are_not_offered_it(
    sms_app: Flask, fake: FakeTwilio, caller: str
) -> None:
    twilio = TwilioClient(sms_app.test_client())
    assert OFFER not in spoken(twilio.twiml("/voice", {"From": caller}))
    assert (
        spoken(twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "8", "From": caller}))[0] == NOT_SENT
    )
    assert sent_when_done(sms_app)["sent"] == 0
    assert fake.received == []


def test_three_a_day_per_number_whatever_the_calls(sms_app: Flask, fake: FakeTwilio) -> None:
    twilio = TwilioClient(sms_app.test_client())
    said = [
        spoken(twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "8", "CallSid": f"CA{n:032x}"}))[0]
        for n in range(5)
    ]
    assert said == [SENT, SENT, SENT, NOT_SENT, NOT_SENT]
    assert sent_when_done(sms_app)["sent"] == 3


def test_a_slow_or_failing_api_never_delays_the_call(sms_app: Flask, fake: FakeTwilio) -> None:
    fake.plan("slow", "error")
    twilio = TwilioClient(sms_app.test_client())
    started = time.perf_counter()
    answer = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "8"})
    assert time.perf_counter() - started < 0.5
    assert spoken(answer)[0] == SENT
    outcomes = sent_when_done(sms_app)
    # Timed out, retried once, refused with a 500 the second time: given up, the call long since answered.
    assert outcomes["failed"] == 1
    assert len(fake.received) == 2


def test_a_trial_call_tries_the_sms_without_sending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from ivr.cli import main  # noqa: PLC0415

    content = tmp_path / "rodblokade.toml"
    content.write_text(with_sms(default_path().read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("IVR_CONTENT_FILE", str(content))
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'stats.sqlite'}")
    for outcome, said in [("sent", SENT), ("not-sent", NOT_SENT)]:
        result = CliRunner().invoke(main, ["call", "--keys", "8", "--sms", outcome, "--json"])
        assert result.exit_code == 0, result.output
        texts = [step.get("text") for step in json.loads(result.output)["steps"]]
        assert OFFER in texts
        assert said in texts
    landline = CliRunner().invoke(main, ["call", "--keys", "8", "--from", "+4597662400", "--json"])
    assert NOT_SENT in landline.output
