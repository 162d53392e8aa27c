"""The statistics counted from events: Copenhagen days and hours, sections, transfers, where calls end,
choices by speech and by key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.line.events import SPEECH_ROUTE
from ivr.stats.report import Period, build
from ivr.stats.store import Row

CPH = ZoneInfo("Europe/Copenhagen")
ALL = Period(None, None, CPH)


def row(call: str, at: datetime, event: str, menu: str = "main") -> Row:
    return Row(call, at.astimezone(UTC), "voice.key", event, menu, None)


def call(name: str, start: datetime, *steps: tuple[str, str]) -> list[Row]:
    """Return a call's rows: a welcome at `start`, then one step (event, menu) a minute apart."""
    rows = [row(name, start, "welcome")]
    rows += [
        row(name, start + timedelta(minutes=i + 1), event, menu) for i, (event, menu) in enumerate(steps)
    ]
    return rows


@pytest.mark.parametrize(
    ("start", "weekday", "hour"),
    [
        (datetime(2026, 11, 25, 9, 30, tzinfo=UTC), 2, 10),  # winter: UTC+1
        (datetime(2026, 6, 24, 8, 30, tzinfo=UTC), 2, 10),  # summer: UTC+2
        (datetime(2026, 11, 29, 23, 10, tzinfo=UTC), 0, 0),  # Sunday in UTC, Monday in Copenhagen
    ],
)
def test_calls_are_placed_by_copenhagen_weekday_and_hour(start: datetime, weekday: int, hour: int) -> None:
    report = build(call("a", start), ALL)
    assert report.heatmap[weekday][hour] == 1
    assert sum(map(sum, report.heatmap)) == 1


def test_calls_per_day_count_calls_not_steps() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=CPH)
    rows = [
        *call("a", monday, ("section", "1"), ("section", "2")),
        *call("b", monday + timedelta(hours=3)),
        *call("c", monday + timedelta(days=2)),
    ]
    report = build(sorted(rows, key=lambda r: r.at), ALL)
    assert report.calls == 3
    assert report.calls_per_day == {date(2026, 11, 23): 2, date(2026, 11, 25): 1}


def test_sections_transfers_and_dial_outcomes_are_counted() -> None:
    at = datetime(2026, 11, 25, 11, tzinfo=CPH)
    rows = [
        *call("a", at, ("section", "1"), ("repeat", "1"), ("section", "3"), ("transfer_open", "main")),
        *call("b", at, ("transfer_closed", "main"), ("section", "3")),
        *call("c", at, ("transfer_open", "main"), ("dial_busy", "main"), ("transfer_open", "main")),
        *call("d", at, ("transfer_loop", "main")),
    ]
    rows.append(row("a", at + timedelta(minutes=9), "dial_completed"))
    rows.append(row("c", at + timedelta(minutes=9), "dial_completed"))
    report = build(rows, ALL)
    assert report.sections == {"1": 1, "3": 2}
    assert report.repeats == {"1": 1}
    assert report.transfers == {"transfer_open": 3, "transfer_closed": 1, "transfer_loop": 1}
    assert report.dials == {
        "dial_completed": 2,
        "dial_busy": 1,
        "dial_no_answer": 0,
        "dial_failed": 0,
        "dial_canceled": 0,
    }


def test_each_call_ends_at_its_last_step() -> None:
    at = datetime(2026, 11, 25, 11, tzinfo=CPH)
    rows = [
        *call("a", at, ("section", "4")),
        *call("b", at, ("section", "1"), ("section", "4")),
        *call("c", at, ("silence", "main"), ("silence", "main"), ("silence_goodbye", "main")),
        *call("d", at),
    ]
    report = build(sorted(rows, key=lambda r: r.at), ALL)  # stable: each call's steps stay in order
    assert report.endings == {"section 4": 2, "silence_goodbye": 1, "welcome": 1}
    assert report.line_hangups == {"invalid_goodbye": 0, "silence_goodbye": 1, "dial_completed": 0}


def test_a_period_runs_from_midnight_to_midnight_in_copenhagen() -> None:
    start, end = Period(date(2026, 11, 1), date(2026, 11, 30), CPH).bounds()
    assert start == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 23, tzinfo=UTC)
    assert Period(None, None, CPH).bounds() == (None, None)


def test_the_json_form_names_weekdays_and_leaves_out_empty_hours() -> None:
    report = build(call("a", datetime(2026, 11, 25, 11, 5, tzinfo=CPH), ("section", "2")), ALL)
    data = report.as_json()
    assert data["calls_by_weekday_hour"]["onsdag"] == {"11": 1}
    assert data["calls_by_weekday_hour"]["mandag"] == {}
    assert data["sections"] == {"2": 1}
    assert data["calls_per_day"] == {"2026-11-25": 1}


def test_choices_are_counted_by_speech_and_by_key() -> None:
    at = datetime(2026, 11, 25, 11, tzinfo=CPH)
    rows = [
        *call("a", at, ("section", "3"), ("repeat", "3"), ("transfer_open", "main")),
        *call("b", at, ("invalid", "main"), ("silence", "main")),
    ]
    # Of those steps, these were said: the first section, the transfer and the failed turn.
    spoken = {1, 3, 5}
    rows = [r._replace(route=SPEECH_ROUTE) if n in spoken else r for n, r in enumerate(rows)]
    report = build(rows, ALL)
    assert report.speech == {"invalid": 1, "section": 1, "transfer_open": 1}
    # Only choices made, failed turns left out; in the order staff read them.
    assert report.choices == {"section": (1, 0), "repeat": (0, 1), "transfer_open": (1, 0)}
    assert report.choices_in_all == (2, 1)
    assert report.as_json()["choices"] == {
        "speech": 2,
        "keys": 1,
        "by_event": {
            "section": {"speech": 1, "keys": 0},
            "repeat": {"speech": 0, "keys": 1},
            "transfer_open": {"speech": 1, "keys": 0},
        },
    }
    assert report.as_json()["events_by_speech"] == report.speech


def test_no_choices_in_a_period_without_any() -> None:
    report = build(call("a", datetime(2026, 11, 25, 11, tzinfo=CPH)), ALL)
    assert (report.choices, report.choices_in_all, report.speech) == ({}, (0, 0), {})
    assert report.as_json()["choices"] == {"speech": 0, "keys": 0, "by_event": {}}
