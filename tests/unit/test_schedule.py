"""Opening hours: boundaries, weekends, Danish holidays, extra closed days and daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from ivr.line.content_loader import load_content
from ivr.line.running import Line
from ivr.line.schedule import ClosedDay, OpeningHours, Schedule
from ivr.webhook.endpoint import Webhook

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def schedule() -> Schedule:
    return Schedule(load_content().hours)


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=CPH)


@pytest.mark.parametrize(
    ("hour", "minute", "is_open"),
    [(9, 59, False), (10, 0, True), (13, 59, True), (14, 0, False), (0, 0, False), (23, 59, False)],
)
def test_boundaries_on_a_weekday(schedule: Schedule, hour: int, minute: int, is_open: bool) -> None:
    assert schedule.is_open(local(2026, 11, 25, hour, minute)) is is_open


def test_one_second_before_closing_is_open(schedule: Schedule) -> None:
    assert schedule.is_open(local(2026, 11, 25, 13, 59, 59))
    assert not schedule.is_open(local(2026, 11, 25, 9, 59, 59))


@pytest.mark.parametrize("day", [28, 29])  # Saturday and Sunday
def test_weekends_are_closed(schedule: Schedule, day: int) -> None:
    assert not schedule.is_open(local(2026, 11, day, 11, 0))


@pytest.mark.parametrize(
    "day",
    [
        (2026, 1, 1),  # Nytårsdag, Thursday
        (2026, 4, 2),  # Skærtorsdag
        (2026, 4, 3),  # Langfredag
        (2026, 4, 6),  # Anden påskedag
        (2026, 5, 14),  # Kristi himmelfartsdag
        (2026, 5, 25),  # Anden pinsedag
        (2026, 12, 25),  # Juledag, Friday
        (2027, 3, 25),  # Skærtorsdag
        (2027, 3, 29),  # Anden påskedag
        (2027, 5, 6),  # Kristi himmelfartsdag
        (2027, 5, 17),  # Anden pinsedag
        (2027, 1, 1),  # Nytårsdag, Friday
        (2023, 5, 5),  # Store bededag, still a holiday in 2023
        (2100, 1, 1),  # Nytårsdag, Friday, in the last year the line accepts
        (2100, 3, 25),  # Skærtorsdag (Easter Sunday 2100 is 28 March)
        (2100, 3, 29),  # Anden påskedag
        (2100, 5, 6),  # Kristi himmelfartsdag
        (2100, 5, 17),  # Anden pinsedag
    ],
)
def test_danish_public_holidays_are_closed(schedule: Schedule, day: tuple[int, int, int]) -> None:
    assert not schedule.is_open(local(*day, 11, 0))
    closure = schedule.closure(datetime(*day).date())
    assert closure is not None
    assert closure.kind == "holiday"
    assert closure.reason


def test_store_bededag_is_a_working_day_from_2024(schedule: Schedule) -> None:
    # The fourth Friday after Easter: 26 April 2024, 16 May 2025.
    assert schedule.is_open(local(2024, 4, 26, 11, 0))
    assert schedule.is_open(local(2025, 5, 16, 11, 0))


@pytest.mark.parametrize("day", [(2026, 12, 24), (2026, 12, 31), (2027, 12, 24), (2027, 12, 31)])
def test_shipped_extra_closed_days(schedule: Schedule, day: tuple[int, int, int]) -> None:
    assert not schedule.is_open(local(*day, 11, 0))


def test_extra_closed_day_for_one_year_only() -> None:
    hours = load_content().hours
    schedule = Schedule(
        OpeningHours(
            hours.timezone,
            hours.weekdays,
            hours.opens,
            hours.closes,
            (ClosedDay((6, 4), (6, 4), 2027, 2027),),
        )
    )
    assert not schedule.is_open(local(2027, 6, 4, 11, 0))
    assert schedule.is_open(local(2026, 6, 4, 11, 0))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2026, 11, 25, 9, 0), local(2026, 11, 25, 10, 0)),  # later today
        (local(2026, 11, 25, 10, 0), local(2026, 11, 26, 10, 0)),  # open now: the next period
        (local(2026, 11, 27, 14, 0), local(2026, 11, 30, 10, 0)),  # Friday after closing
        (local(2026, 4, 1, 15, 0), local(2026, 4, 7, 10, 0)),  # Easter: Thu, Fri, weekend, Monday
        (local(2026, 12, 23, 14, 0), local(2026, 12, 28, 10, 0)),  # Christmas
        (local(2026, 12, 30, 14, 0), local(2027, 1, 4, 10, 0)),  # New Year
        # The edges of the years moments are accepted in (ivr.line.moments): the search runs past them.
        (local(2000, 1, 1, 0, 0), local(2000, 1, 3, 10, 0)),  # Saturday
        (local(2100, 12, 31, 23, 59), local(2101, 1, 3, 10, 0)),  # New Year's Eve, Friday
        # At UTC+14, midnight is 11:00 on 31 December 1999 in Copenhagen, a closed day.
        (datetime(2000, 1, 1, tzinfo=ZoneInfo("Etc/GMT-14")), local(2000, 1, 3, 10, 0)),
    ],
)
def test_next_opening(schedule: Schedule, at: datetime, expected: datetime) -> None:
    assert schedule.status(at).next_opening == expected


def test_spring_forward_keeps_ten_o_clock_local(schedule: Schedule) -> None:
    # Clocks go from 02:00 to 03:00 on Sunday 29 March 2026; Monday opens at 10:00 summer time.
    status = schedule.status(local(2026, 3, 28, 12, 0))
    assert status.next_opening == local(2026, 3, 30, 10, 0)
    assert status.next_opening.utcoffset() == local(2026, 7, 1, 0, 0).utcoffset()
    assert not schedule.is_open(datetime(2026, 3, 30, 7, 59, tzinfo=UTC))
    assert schedule.is_open(datetime(2026, 3, 30, 8, 0, tzinfo=UTC))
    assert not schedule.is_open(datetime(2026, 3, 30, 12, 0, tzinfo=UTC))


def test_fall_back_keeps_ten_o_clock_local(schedule: Schedule) -> None:
    # Clocks go from 03:00 back to 02:00 on Sunday 25 October 2026; Monday opens at 10:00 winter time.
    status = schedule.status(local(2026, 10, 24, 12, 0))
    assert status.next_opening == local(2026, 10, 26, 10, 0)
    assert status.next_opening.isoformat() == "2026-10-26T10:00:00+01:00"
    assert not schedule.is_open(datetime(2026, 10, 26, 8, 59, tzinfo=UTC))
    assert schedule.is_open(datetime(2026, 10, 26, 9, 0, tzinfo=UTC))


def test_status_is_never_reused_past_a_change(schedule: Schedule) -> None:
    assert schedule.is_open(local(2026, 11, 25, 13, 59))
    assert not schedule.is_open(local(2026, 11, 25, 14, 0))
    assert schedule.is_open(local(2026, 11, 26, 10, 0))
    # A clock that goes backwards gets a fresh answer too.
    assert not schedule.is_open(local(2026, 11, 25, 9, 0))


def test_status_is_not_reused_across_midnight(schedule: Schedule) -> None:
    evening = schedule.status(local(2026, 11, 24, 23, 59))
    morning = schedule.status(local(2026, 11, 25, 0, 1))
    assert evening.next_opening == morning.next_opening
    assert morning.at == local(2026, 11, 25, 0, 1)


def test_naive_times_are_refused(schedule: Schedule) -> None:
    with pytest.raises(ValueError, match="time zone"):
        schedule.status(datetime(2026, 11, 25, 11, 0))


def test_hours_that_never_open_are_reported() -> None:
    every_day = (ClosedDay((1, 1), (12, 31)),)
    hours = OpeningHours(CPH, frozenset({0}), time(10), time(14), every_day)
    with pytest.raises(ValueError, match="never open"):
        Schedule(hours).status(local(2026, 11, 25, 11, 0))


def test_one_line_tells_each_moment_afresh_as_the_day_goes_on(app: Flask) -> None:
    # The line keeps its last moment while the schedule's answer holds; it must never outlive it.
    line: Line = Webhook.of(app).lines.first
    wednesday = [
        line.moment(local(2026, 11, 25, hour, minute))
        for hour, minute in [(9, 0), (10, 0), (13, 59), (14, 0)]
    ]
    assert [moment.open for moment in wednesday] == [False, True, True, False]
    assert wednesday[0].next_opening != wednesday[3].next_opening  # "i dag kl. 10" then "i morgen kl. 10"
    assert line.moment(local(2026, 11, 25, 9, 30)) == wednesday[0]
    friday_evening = line.moment(local(2026, 11, 27, 18, 0))
    assert not friday_evening.open
    assert friday_evening.next_opening != wednesday[3].next_opening  # Monday, not tomorrow


def hours_with(*closed: ClosedDay) -> OpeningHours:
    hours = load_content().hours
    return OpeningHours(hours.timezone, hours.weekdays, hours.opens, hours.closes, closed)


def test_a_summer_closure_is_one_range_with_its_reason() -> None:
    schedule = Schedule(hours_with(ClosedDay((7, 5), (7, 30), 2027, 2027, "sommerferie")))
    assert not schedule.is_open(local(2027, 7, 5, 11, 0))
    assert not schedule.is_open(local(2027, 7, 30, 11, 0))
    assert schedule.is_open(local(2027, 8, 2, 11, 0))
    assert schedule.is_open(local(2027, 7, 2, 11, 0))
    assert schedule.is_open(local(2026, 7, 6, 11, 0))  # another year
    status = schedule.status(local(2027, 7, 14, 11, 0))
    assert status.closed_today == "sommerferie"
    assert status.next_opening == local(2027, 8, 2, 10, 0)


def test_a_yearly_range_may_run_over_new_year() -> None:
    schedule = Schedule(hours_with(ClosedDay((12, 28), (1, 2), reason="juleferie")))
    assert not schedule.is_open(local(2026, 12, 28, 11, 0))
    assert not schedule.is_open(local(2027, 1, 1, 11, 0))  # also Nytårsdag: the holiday's name wins
    assert schedule.status(local(2027, 1, 1, 11, 0)).closed_today == "nytårsdag"
    assert schedule.status(local(2026, 12, 29, 11, 0)).closed_today == "juleferie"
    assert schedule.is_open(local(2027, 1, 4, 11, 0))
    assert schedule.is_open(local(2026, 12, 23, 11, 0))


def test_reasons_are_given_only_for_closed_opening_days(schedule: Schedule) -> None:
    # Christmas Eve is a Thursday in 2026: the caller hears why, not a bare "closed".
    assert schedule.status(local(2026, 12, 24, 11, 0)).closed_today == "juleaften"
    assert schedule.status(local(2026, 12, 25, 20, 0)).closed_today == "juledag"
    assert schedule.status(local(2026, 5, 14, 9, 0)).closed_today == "Kristi himmelfartsdag"
    assert schedule.status(local(2026, 11, 28, 11, 0)).closed_today is None  # a Saturday
    assert schedule.status(local(2026, 11, 25, 15, 0)).closed_today is None  # after hours
    assert schedule.status(local(2026, 11, 25, 11, 0)).closed_today is None  # open


def test_the_years_closed_days_with_their_reasons(schedule: Schedule) -> None:
    days = dict(schedule.closed_days(2027))
    assert days[date(2027, 12, 24)].reason == "juleaften"
    assert days[date(2027, 3, 25)].reason == "skærtorsdag"
    assert all(day.weekday() < 5 for day in days)  # weekends are not listed
    assert date(2027, 12, 25) not in days  # a Saturday
