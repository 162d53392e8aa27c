"""Reading days and moments: the accepted form and years, the content's time zone, and calm refusals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.line import moments
from ivr.line.content_loader import default_path, load_content
from ivr.line.schedule import Schedule
from ivr.stats.report import Period
from tests.support import EDGE_MOMENTS, ODD_DAYS, ODD_MOMENTS, refused_once

CPH = ZoneInfo("Europe/Copenhagen")
AUCKLAND = ZoneInfo("Pacific/Auckland")
SHIPPED = default_path()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", date(2026, 11, 25)),
        ("2000-01-01", date(2000, 1, 1)),
        ("2100-12-31", date(2100, 12, 31)),
    ],
)
def test_a_day_is_read(text: str, expected: date) -> None:
    assert moments.read_day(text) == expected


@pytest.mark.parametrize("text", ODD_DAYS)
def test_an_odd_day_is_refused_naming_the_form_and_the_years(text: str) -> None:
    with pytest.raises(ValueError, match="ÅÅÅÅ-MM-DD mellem 2000-01-01 og 2100-12-31") as refused:
        moments.read_day(text)
    assert repr(text) in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T11:00", datetime(2026, 11, 25, 11, 0, tzinfo=CPH)),
        ("2026-11-25T11:00:30", datetime(2026, 11, 25, 11, 0, 30, tzinfo=CPH)),
        ("2026-07-01T11:00", datetime(2026, 7, 1, 9, 0, tzinfo=UTC)),  # summer time
        ("2026-11-25T11:00+00:00", datetime(2026, 11, 25, 12, 0, tzinfo=CPH)),
        ("2026-03-28T12:00:00Z", datetime(2026, 3, 28, 13, 0, tzinfo=CPH)),
        ("2000-01-01T00:00", datetime(2000, 1, 1, tzinfo=CPH)),
        ("2100-12-31T23:59", datetime(2100, 12, 31, 23, 59, tzinfo=CPH)),
    ],
)
def test_a_moment_is_read_in_the_zone_unless_it_has_an_offset(text: str, expected: datetime) -> None:
    at = moments.read_moment(text, CPH)
    assert at == expected
    assert at.tzinfo is not None


def test_a_moment_without_offset_is_the_given_zone_s_time() -> None:
    at = moments.read_moment("2026-11-25T11:00", AUCKLAND)
    assert at.tzinfo is AUCKLAND
    assert at.astimezone(UTC) == datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ODD_MOMENTS)
def test_an_odd_moment_is_refused_naming_the_form_and_the_years(text: str) -> None:
    with pytest.raises(ValueError, match=r"tidspunkt skrevet som .* mellem 2000-01-01 og 2100-12-31"):
        moments.read_moment(text, CPH)


@pytest.mark.parametrize("text", EDGE_MOMENTS)
def test_the_schedule_answers_at_the_edges_of_the_years(text: str) -> None:
    at = moments.read_moment(text, CPH)
    status = Schedule(load_content().hours).status(at)
    assert at < status.next_opening < at + timedelta(days=5)


@pytest.mark.parametrize("day", [date(1999, 12, 31), date(2101, 1, 1), date.min, date.max])
def test_a_period_outside_the_years_is_refused(day: date) -> None:
    with pytest.raises(ValueError, match="mellem 2000-01-01 og 2100-12-31"):
        Period(day, None, CPH)
    with pytest.raises(ValueError, match="mellem 2000-01-01 og 2100-12-31"):
        Period(None, day, CPH)


def test_a_reversed_period_is_refused() -> None:
    with pytest.raises(ValueError, match=r"begynder \(2026-11-30\), efter den slutter \(2026-11-01\)"):
        Period(date(2026, 11, 30), date(2026, 11, 1), CPH)


def test_a_period_at_the_edges_has_bounds() -> None:
    start, end = Period(date(2000, 1, 1), date(2100, 12, 31), CPH).bounds()
    assert start == datetime(2000, 1, 1, tzinfo=CPH)
    assert end == datetime(2101, 1, 1, tzinfo=CPH)


def test_the_day_option_type_reads_days_and_refuses_with_exit_2() -> None:
    @click.command()
    @click.option("--day", type=moments.DAY)
    def show(day: date | None) -> None:
        click.echo(repr(day))

    assert CliRunner().invoke(show, ["--day", "2026-11-25"]).output == "datetime.date(2026, 11, 25)\n"
    line = refused_once(CliRunner().invoke(show, ["--day", "9999-12-31"]), "--day")
    assert "mellem 2000-01-01 og 2100-12-31" in line


@pytest.mark.parametrize("text", ODD_MOMENTS)
def test_hours_refuses_an_odd_moment_in_one_line(text: str) -> None:
    line = refused_once(CliRunner().invoke(main, ["hours", "--at", text]), "--at")
    assert "mellem 2000-01-01 og 2100-12-31" in line


@pytest.mark.parametrize(
    ("at", "is_open", "next_opening"),
    [
        ("2000-01-01T00:00", False, "2000-01-03T10:00:00+01:00"),
        ("2100-12-31T23:59", False, "2101-01-03T10:00:00+01:00"),
        ("2100-03-26T11:00", False, "2100-03-30T10:00:00+02:00"),  # Good Friday 2100
    ],
)
def test_hours_answers_at_the_edges_of_the_years(at: str, is_open: bool, next_opening: str) -> None:
    result = CliRunner().invoke(main, ["hours", "--at", at, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["open"], answer["next_opening"]) == (is_open, next_opening)


def test_hours_reads_at_in_the_content_s_time_zone(tmp_path: Path) -> None:
    content = tmp_path / "content.toml"
    shipped = SHIPPED.read_text(encoding="utf-8")
    content.write_text(shipped.replace('"Europe/Copenhagen"', '"Pacific/Auckland"'), encoding="utf-8")
    # 11:00 on a Wednesday in Auckland is in the opening hours; 11:00 in Copenhagen is 23:00 there.
    result = CliRunner().invoke(
        main, ["hours", "--content", str(content), "--at", "2026-11-25T11:00", "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["open"], answer["next_opening"]) == (True, "2026-11-26T10:00:00+13:00")
