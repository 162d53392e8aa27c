"""`ivr stats`: the statistics of a database as text or JSON, and pruning old events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.stats.store import Store, as_row
from tests.stats_fixtures import call_event

CPH = ZoneInfo("Europe/Copenhagen")
WEDNESDAY = datetime(2026, 11, 25, 11, 15, tzinfo=CPH)


@pytest.fixture
def seeded(store: Store) -> Store:
    """Two calls on Wednesday 25 November, one on Friday 27th, one a month before."""
    events = [
        call_event("a", WEDNESDAY, "welcome"),
        call_event("a", WEDNESDAY + timedelta(minutes=1), "section", menu="3", key="3"),
        call_event("b", WEDNESDAY + timedelta(hours=4), "welcome"),
        call_event("b", WEDNESDAY + timedelta(hours=4, minutes=1), "transfer_closed", key="0"),
        call_event("c", WEDNESDAY + timedelta(days=2), "welcome"),
        call_event("c", WEDNESDAY + timedelta(days=2, minutes=1), "transfer_open", key="0"),
        call_event("c", WEDNESDAY + timedelta(days=2, minutes=2), "dial_busy"),
        call_event("old", WEDNESDAY - timedelta(days=30), "welcome"),
    ]
    store.add([as_row(event) for event in events])
    return store


def run(*args: str) -> str:
    result = CliRunner().invoke(main, ["stats", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_report_of_a_period(seeded: Store) -> None:
    data = json.loads(
        run("--database", seeded.url, "--since", "2026-11-20", "--until", "2026-11-30", "--json")
    )
    assert data["calls"] == 3
    assert data["calls_per_day"] == {"2026-11-25": 2, "2026-11-27": 1}
    assert data["calls_by_weekday_hour"]["onsdag"] == {"11": 1, "15": 1}
    assert data["sections"] == {"3": 1}
    assert data["transfers"] == {"transfer_open": 1, "transfer_closed": 1, "transfer_loop": 0}
    assert data["dial_outcomes"]["dial_busy"] == 1
    assert data["call_endings"] == {"section 3": 1, "transfer_closed": 1, "dial_busy": 1}


def test_until_includes_its_whole_day(seeded: Store) -> None:
    data = json.loads(run("--database", seeded.url, "--until", "2026-11-25", "--json"))
    assert data["calls_per_day"] == {"2026-10-26": 1, "2026-11-25": 2}


def test_text_report_names_sections_by_title(seeded: Store) -> None:
    lines = run("--database", seeded.url).splitlines()
    assert "calls: 4  events: 8" in lines
    section_lines = [line.split() for line in lines if "Sådan forbereder du dig" in line]
    assert section_lines == [["3", "Sådan", "forbereder", "du", "dig", "1"]]


def test_the_database_url_comes_from_the_environment(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", seeded.url)
    assert json.loads(run("--json"))["calls"] == 4


def test_prune_deletes_events_older_than_the_days_given(seeded: Store) -> None:
    days = (datetime.now(UTC) - WEDNESDAY).days + 10
    assert run("--database", seeded.url, "--prune", str(days)).startswith("deleted 1 call events")
    assert sorted({row.call for row in seeded.rows()}) == ["a", "b", "c"]


def test_a_bad_date_is_refused(store: Store) -> None:
    result = CliRunner().invoke(main, ["stats", "--database", store.url, "--since", "25-11-2026"])
    assert result.exit_code == 2
    assert "--since" in result.output
