"""Caps shared by every node: SMS per line per hour and day, callback requests per line per hour and per call,
and the numbers that are never rung back or texted."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ivr.callbacks.desk import CallbackDesk, new_key
from ivr.caps import DAY, HOUR, Cap
from ivr.db import cap_counts
from ivr.line.events import call_hash, hash_key
from ivr.line.flow import Asked
from ivr.line.phonenumbers import callable_number
from ivr.sms.ledger import SmsLedger
from ivr.stats.store import Store
from tests.support import claims_at_once

KEY = hash_key("test-auth-token")
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PER_HOUR = Cap("sms_per_hour", 3, HOUR)
PER_DAY = Cap("sms_per_day", 5, DAY)


def a_number(n: int) -> str:
    """The n-th spoofed Danish mobile number."""
    return f"+4520{n:06d}"


def a_call(n: int) -> str:
    return call_hash(f"CA{n:032x}", KEY)


@pytest.fixture
def ledger(store: Store) -> SmsLedger:
    return SmsLedger(store.database, KEY, caps=(PER_HOUR, PER_DAY))


@pytest.fixture
def desk(store: Store) -> CallbackDesk:
    return CallbackDesk(store.database, new_key(), KEY, days=7, per_hour=3)


# --- SMS ----------------------------------------------------------------------------------------------------


def test_sms_from_spoofed_numbers_stop_at_the_lines_cap_per_hour_and_per_day(ledger: SmsLedger) -> None:
    first_hour = [ledger.reserve(a_call(n), a_number(n), T0, "rodblokade") for n in range(6)]
    assert first_hour == [True] * 3 + [False] * 3
    # Another line has its own cap; the next hour the line may send again, up to the day's five.
    assert ledger.reserve(a_call(50), a_number(50), T0, "knae")
    later = T0 + timedelta(hours=1)
    next_hour = [ledger.reserve(a_call(n), a_number(n), later, "rodblokade") for n in range(10, 14)]
    assert next_hour == [True, True, False, False]
    tomorrow = T0 + timedelta(days=1)
    assert ledger.reserve(a_call(20), a_number(20), tomorrow, "rodblokade")


def test_an_sms_refused_by_a_cap_keeps_nothing_for_the_call_or_the_number(ledger: SmsLedger) -> None:
    for n in range(3):
        ledger.reserve(a_call(n), a_number(n), T0, "rodblokade")
    assert not ledger.reserve(a_call(9), a_number(9), T0, "rodblokade")
    # The refused call may still get one the next hour: neither it nor its number was counted.
    assert ledger.count(a_number(9), T0.date()) == 0
    assert ledger.reserve(a_call(9), a_number(9), T0 + timedelta(hours=1), "rodblokade")


def test_reaching_a_cap_logs_one_warning_naming_the_cap_and_no_number(
    ledger: SmsLedger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for n in range(8):
        ledger.reserve(a_call(n), a_number(n), T0, "rodblokade")
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "sms_per_hour" in warnings[0]
    assert "rodblokade" in warnings[0]
    assert not any(a_number(n)[3:] in caplog.text for n in range(8))


class Watch:
    """Notes what the caps tell it; fails on the first fill when `broken`."""

    def __init__(self, *, broken: bool = False) -> None:
        self.told: list[tuple[str, str]] = []
        self.broken = broken

    def cap_reached(self, name: str) -> None:
        self.told.append(("reached", name))
        if self.broken:
            raise RuntimeError("the metrics are gone")

    def cap_refused(self, name: str) -> None:
        self.told.append(("refused", name))


def test_a_watch_is_told_each_fill_and_refusal_and_its_faults_never_cost_a_send(store: Store) -> None:
    broken, watch = Watch(broken=True), Watch()
    ledger = SmsLedger(store.database, KEY, caps=(PER_HOUR, PER_DAY), watches=[broken, watch])
    sent = [ledger.reserve(a_call(n), a_number(n), T0, "rodblokade") for n in range(5)]
    # The broken watch raised on the third send (the one that filled the cap): that send still went out.
    assert sent == [True, True, True, False, False]
    refused = ("refused", "sms_per_hour")
    assert watch.told == [("reached", "sms_per_hour"), refused, refused]
    assert broken.told == watch.told


def test_workers_at_once_never_send_past_the_cap(store: Store) -> None:
    claims = [(a_call(n), a_number(n)) for n in range(10)]
    results = claims_at_once(store.url, KEY, claims, T0, caps=(PER_HOUR, PER_DAY), line="rodblokade")
    assert sorted(results) == [False] * 7 + [True] * 3


# --- callbacks ----------------------------------------------------------------------------------------------


def test_one_call_puts_one_number_on_the_list(desk: CallbackDesk) -> None:
    assert desk.ask("rodblokade", "+4520304050", T0, call_sid="CA1") is Asked.NEW
    later = T0 + timedelta(minutes=1)
    assert desk.ask("rodblokade", "+4540506070", later, call_sid="CA1") is Asked.ALREADY
    assert desk.ask("rodblokade", "+4540506070", later, call_sid="CA2") is Asked.NEW
    assert [item.number for item in desk.pending("anna", later)] == ["+4520304050", "+4540506070"]


def test_new_requests_stop_at_the_lines_cap_per_hour(desk: CallbackDesk) -> None:
    asked = [desk.ask("rodblokade", a_number(n), T0, call_sid=f"CA{n}") for n in range(5)]
    assert asked == [Asked.NEW] * 3 + [Asked.FULL] * 2
    # A number already waiting is still told so; another line, and the next hour, take new ones.
    assert desk.ask("rodblokade", a_number(0), T0, call_sid="CA10") is Asked.ALREADY
    assert desk.ask("knae", a_number(3), T0, call_sid="CA11") is Asked.NEW
    assert desk.ask("rodblokade", a_number(4), T0 + timedelta(hours=1), call_sid="CA4") is Asked.NEW
    # Refused requests left nothing: neither a number nor an access-log line.
    assert len(desk.pending("anna", T0 + timedelta(hours=1))) == 5
    assert sum(action == "asked" for _, _, action, _ in desk.access_log()) == 5


def test_the_desk_itself_refuses_a_number_it_may_never_ring(desk: CallbackDesk) -> None:
    with pytest.raises(ValueError, match="may ring"):
        desk.ask("rodblokade", "+4590123456", T0, call_sid="CA1")


def test_caps_keep_line_ids_and_call_hashes_never_numbers(desk: CallbackDesk, store: Store) -> None:
    desk.ask("rodblokade", "+4520304050", T0, call_sid="CA1")
    with store.engine.connect() as connection:
        rows = connection.execute(select(cap_counts)).all()
    assert {row.cap for row in rows} == {"callbacks_per_call", "callbacks_per_hour"}
    assert "20304050" not in repr(rows)
    assert "CA1" not in {row.key for row in rows}


def test_old_windows_are_deleted_on_the_way(ledger: SmsLedger, store: Store) -> None:
    ledger.reserve(a_call(1), a_number(1), T0, "rodblokade")
    ledger.reserve(a_call(2), a_number(2), T0 + timedelta(days=3), "rodblokade")
    with store.engine.connect() as connection:
        windows = connection.execute(select(cap_counts.c.window)).scalars().all()
    assert min(windows) >= (T0 + timedelta(days=2)).replace(tzinfo=None)


# --- numbers never rung back or texted ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+4520304050", "+4520304050"),
        ("20304050", "+4520304050"),
        ("97662400", None),  # the secretariat's, in `never`
        ("+4590123456", None),  # premium rate
        ("90001234", None),
        ("+4511223344", None),  # service numbers start with 1
        ("112", None),  # short
        ("+44207946000", None),  # not Danish
        ("+46701234567", None),
        ("+452030405", None),
        ("２０３０４０５０", None),  # digits of another script
        ("", None),
    ],
)
def test_callable_numbers(text: str, expected: str | None) -> None:
    assert callable_number(text, {"+4597662400"}) == expected
