"""Sending the leaflet by SMS: who may get one, the limits in the database, and the send through the real
twilio client against a local fake of Twilio's Messages API."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from ivr.db import sms_calls, sms_numbers
from ivr.line.events import call_hash, hash_key
from ivr.line.phonenumbers import is_danish_mobile
from ivr.sms.ledger import SmsLedger, number_hash
from ivr.sms.sender import SmsSender
from ivr.stats.store import Store
from tests.fake_twilio import ACCOUNT, TOKEN, FakeTwilio, Mode
from tests.support import claims_at_once

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial

NUMBER = "+4520123456"
OTHER = "+4531987654"
FROM = "+4570707070"
BODY = "Folderen om rodblokade: https://example.dk/folder"
KEY = hash_key("test-auth-token")
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
# The client's timeout in these tests, and how long a slow fake takes to answer: well beyond it.
TIMEOUT = 0.3
SLOW = 1.5


# --- who can get an SMS -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "+4520123456",  # 2x
        "+4529999999",
        "+4530123456",  # 30, 31
        "+4531123456",
        "+4540123456",  # 40-42
        "+4542123456",
        "+4550123456",  # 50-53
        "+4553123456",
        "+4560123456",  # 60, 61
        "+4561999999",
        "+4571123456",  # 71
        "+4581123456",  # 81
        "+4591123456",  # 91-93
        "+4593123456",
        "+4534212345",  # three-digit series taken from landline series: 342, 431, 829
        "+4543112345",
        "+4582912345",
    ],
)
def test_danish_mobile_numbers_can_get_an_sms(number: str) -> None:
    assert is_danish_mobile(number)


@pytest.mark.parametrize(
    "number",
    [
        None,
        "",
        "anonymous",
        "Anonymous",
        "+266696687",  # Twilio's "withheld"
        "Restricted",
        "unknown",
        "+4532123456",  # landline series
        "+4533123456",
        "+4543012345",  # 43 is landline but for the 431 series
        "+4586123456",
        "+4570123456",  # split charge
        "+4580123456",  # freephone
        "+4590123456",  # premium rate
        "+46701234567",  # a Swedish mobile
        "+298201234",  # the Faroe Islands
        "+45201234567",  # nine digits
        "+452012345",  # seven
        "4520123456",  # not E.164
        "+45 20 12 34 56",
        "+4520123456\n",
        "+45２0123456",  # a full-width digit
    ],
)
def test_other_numbers_cannot(number: str | None) -> None:
    assert not is_danish_mobile(number)


# --- the ledger ---------------------------------------------------------------------------------------------


@pytest.fixture
def ledger_store(store: Store) -> Store:
    """The line's database: a SQLite file, or the test PostgreSQL server."""
    return store


@pytest.fixture
def ledger(ledger_store: Store) -> SmsLedger:
    return SmsLedger(ledger_store.database, KEY)


def a_call(n: int) -> str:
    """Return the keyed hash of the n-th test call, as the webhook makes it."""
    return call_hash(f"CA{n:032x}", KEY)


def test_one_sms_per_call(ledger: SmsLedger) -> None:
    assert ledger.reserve(a_call(1), NUMBER, T0)
    assert not ledger.reserve(a_call(1), NUMBER, T0 + timedelta(seconds=30))
    assert not ledger.reserve(a_call(1), OTHER, T0 + timedelta(seconds=40))
    assert ledger.count(NUMBER, T0.date()) == 1


def test_three_sms_per_number_a_day_counted_apart_per_day(ledger: SmsLedger) -> None:
    assert [ledger.reserve(a_call(n), NUMBER, T0 + timedelta(minutes=n)) for n in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert ledger.reserve(a_call(10), OTHER, T0 + timedelta(minutes=10)), "another number counts apart"
    assert ledger.reserve(a_call(11), NUMBER, T0 + timedelta(days=1))
    assert ledger.count(NUMBER, T0.date()) == 3
    assert ledger.count(NUMBER, (T0 + timedelta(days=1)).date()) == 1


def test_the_day_is_the_danish_day(ledger: SmsLedger) -> None:
    # 22:30 UTC is 23:30 in Copenhagen in November; 23:30 UTC is already the next day there.
    evening = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)
    assert all(ledger.reserve(a_call(n), NUMBER, evening) for n in range(3))
    assert not ledger.reserve(a_call(3), NUMBER, evening + timedelta(minutes=29))
    assert ledger.reserve(a_call(4), NUMBER, evening + timedelta(hours=1))


def test_a_refused_claim_leaves_no_trace(ledger: SmsLedger) -> None:
    for n in range(3):
        ledger.reserve(a_call(n), NUMBER, T0)
    assert not ledger.reserve(a_call(9), NUMBER, T0)
    # The call refused for its number still gets one to another number: its own claim was rolled back.
    assert ledger.reserve(a_call(9), OTHER, T0)


def test_the_ledger_keeps_keyed_hashes_never_numbers(ledger: SmsLedger, ledger_store: Store) -> None:
    ledger.reserve(a_call(1), NUMBER, T0)
    with ledger_store.engine.connect() as connection:
        calls = connection.execute(select(sms_calls)).all()
        numbers = connection.execute(select(sms_numbers)).all()
    assert [row.call for row in calls] == [a_call(1)]
    assert [row.number for row in numbers] == [number_hash(NUMBER, KEY)]
    assert NUMBER[3:] not in repr([*calls, *numbers])
    assert number_hash(NUMBER, KEY) != number_hash(NUMBER, hash_key("another token"))


def test_rows_older_than_two_days_are_deleted_on_the_way(ledger: SmsLedger, ledger_store: Store) -> None:
    for n in range(3):
        ledger.reserve(a_call(n), NUMBER, T0 + timedelta(hours=n))
    ledger.reserve(a_call(10), OTHER, T0 + timedelta(days=2, hours=1, minutes=30))
    with ledger_store.engine.connect() as connection:
        calls = connection.execute(select(sms_calls.c.call)).scalars().all()
        days = connection.execute(select(sms_numbers.c.day)).scalars().all()
    # The first two calls are over two days old, the third not yet; a day's counts stay until the next day.
    assert sorted(calls) == sorted([a_call(2), a_call(10)])
    assert sorted(days) == [T0.date()] * 3 + [(T0 + timedelta(days=2)).date()]


def test_several_workers_at_once_never_send_twice_for_a_call(ledger_store: Store) -> None:
    results = _at_once(ledger_store, [(a_call(1), NUMBER)] * 8)
    assert sorted(results) == [False] * 7 + [True]


def test_several_workers_at_once_never_send_a_fourth_to_a_number(ledger_store: Store) -> None:
    results = _at_once(ledger_store, [(a_call(n), NUMBER) for n in range(10)])
    assert sorted(results) == [False] * 7 + [True] * 3
    assert SmsLedger(ledger_store.database, KEY).count(NUMBER, T0.date()) == 3


def _at_once(store: Store, claims: list[tuple[str, str]]) -> list[bool]:
    """Claim from as many threads, each with a ledger of its own (as workers have), all at once."""
    return claims_at_once(store.url, KEY, claims, T0)


def test_a_database_failure_refuses_the_send(
    ledger: SmsLedger, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    monkeypatch.setattr(ledger, "_claim", broken)
    assert not ledger.reserve(a_call(1), NUMBER, T0)
    assert "OperationalError" in caplog.text
    assert NUMBER not in caplog.text


def test_a_time_without_zone_is_refused(ledger: SmsLedger) -> None:
    with pytest.raises(ValueError, match="time zone"):
        ledger.reserve(a_call(1), NUMBER, datetime(2026, 11, 25, 10, 0))


# --- the send -----------------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(slow_seconds=SLOW) as server:
        yield server


@pytest.fixture
def sender(fake: FakeTwilio) -> Iterator[SmsSender]:
    sender = SmsSender(ACCOUNT, TOKEN, FROM, api_url=fake.url, timeout=TIMEOUT, retry_pause=0)
    yield sender
    sender.close()


def _send(sender: SmsSender, call: str | None = "c0ffee") -> dict[str, int]:
    """Send the leaflet to NUMBER, wait for it, and return the outcomes."""
    sender.send_later(NUMBER, BODY, call=call)
    sender.close()
    return sender.outcomes()


def test_a_message_goes_out_with_to_from_body_and_auth(fake: FakeTwilio, sender: SmsSender) -> None:
    assert _send(sender) == {"sent": 1, "failed": 0, "refused": 0, "dropped": 0, "pending": 0}
    [request] = fake.received
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request.form == {"To": NUMBER, "From": FROM, "Body": BODY}
    assert request.auth == (ACCOUNT, TOKEN)


def test_a_messaging_service_sends_as_such(fake: FakeTwilio) -> None:
    service = "MG" + "a" * 32
    sender = SmsSender(ACCOUNT, TOKEN, service, api_url=fake.url, timeout=TIMEOUT, retry_pause=0)
    assert _send(sender)["sent"] == 1
    assert fake.received[0].form == {"To": NUMBER, "MessagingServiceSid": service, "Body": BODY}


def test_wrong_credentials_are_a_refusal(fake: FakeTwilio) -> None:
    sender = SmsSender(ACCOUNT, "not the token", FROM, api_url=fake.url, timeout=TIMEOUT, retry_pause=0)
    assert _send(sender)["refused"] == 1
    assert len(fake.received) == 1


def test_send_later_returns_at_once_even_when_twilio_is_slow(fake: FakeTwilio, sender: SmsSender) -> None:
    fake.mode = "slow"
    started = time.perf_counter()
    for n in range(3):
        sender.send_later(NUMBER, BODY, call=f"call{n}")
    assert time.perf_counter() - started < 0.2
    assert sender.outcomes()["pending"] == 3


def test_a_500_is_tried_once_more_and_sent(fake: FakeTwilio, sender: SmsSender) -> None:
    fake.plan("error")
    assert _send(sender)["sent"] == 1
    assert [request.mode for request in fake.received] == ["error", "ok"]
    assert fake.received[0].form == fake.received[1].form


def test_always_500_gives_up_after_two_tries(
    fake: FakeTwilio, sender: SmsSender, caplog: pytest.LogCaptureFixture
) -> None:
    fake.mode = "error"
    caplog.set_level(logging.INFO, logger="ivr.sms")
    assert _send(sender)["failed"] == 1
    assert len(fake.received) == 2
    assert [record.getMessage() for record in caplog.records] == [
        "sms: failed after 2 tries, last HTTP 500; call c0ffee"
    ]


def test_a_slow_server_times_out_and_is_tried_once_more(fake: FakeTwilio, sender: SmsSender) -> None:
    fake.plan("slow")
    started = time.perf_counter()
    assert _send(sender)["sent"] == 1
    assert [request.mode for request in fake.received] == ["slow", "ok"]
    assert time.perf_counter() - started < SLOW, "the client gave up on the slow answer"


def test_an_always_slow_server_gives_up_after_two_timeouts(fake: FakeTwilio, sender: SmsSender) -> None:
    fake.mode = "slow"
    assert _send(sender)["failed"] == 1
    assert len(fake.received) == 2


def test_a_400_is_not_tried_again(
    fake: FakeTwilio, sender: SmsSender, caplog: pytest.LogCaptureFixture
) -> None:
    fake.mode = "refused"
    caplog.set_level(logging.INFO, logger="ivr.sms")
    assert _send(sender)["refused"] == 1
    assert len(fake.received) == 1
    assert [record.getMessage() for record in caplog.records] == [
        "sms: refused, HTTP 400, Twilio error 21211; call c0ffee"
    ]


def test_no_server_is_tried_once_more() -> None:
    with FakeTwilio() as gone:
        url = gone.url
    sender = SmsSender(ACCOUNT, TOKEN, FROM, api_url=url, timeout=TIMEOUT, retry_pause=0)
    assert _send(sender)["failed"] == 1


def test_a_send_after_close_is_dropped(sender: SmsSender, fake: FakeTwilio) -> None:
    sender.close()
    sender.send_later(NUMBER, BODY)
    assert sender.outcomes()["dropped"] == 1
    assert fake.received == []


@pytest.mark.parametrize(
    "plan", [["ok"], ["error", "ok"], ["error", "error"], ["slow", "ok"], ["slow", "slow"], ["refused"]]
)
def test_one_log_line_per_send_without_number_or_text(
    fake: FakeTwilio, sender: SmsSender, caplog: pytest.LogCaptureFixture, plan: list[Mode]
) -> None:
    fake.plan(*plan)
    caplog.set_level(logging.DEBUG)
    _send(sender, call="c0ffee")
    ours = [record for record in caplog.records if record.name.startswith("ivr.")]
    assert len(ours) == 1
    assert "call c0ffee" in ours[0].getMessage()
    assert ours[0].exc_info is None
    for record in caplog.records:
        assert NUMBER not in record.getMessage()
        assert NUMBER[3:] not in record.getMessage()
        assert "rodblokade" not in record.getMessage()


def test_the_sent_line_names_the_message_sid(sender: SmsSender, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ivr.sms")
    _send(sender, call=None)
    [record] = caplog.records
    assert record.getMessage() == f"sms: sent, sid SM{1:032x}, try 1; call None"
