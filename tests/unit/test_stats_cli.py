"""`ivr stats`: the statistics of a database as text or JSON, and pruning old events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.line.events import SPEECH_ROUTE
from ivr.stats.store import Store, as_row
from tests.support import ODD_DAYS, call_event, refused_once

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
    assert "opkald: 4  hændelser: 8" in lines
    chosen = lines[lines.index("Valgte afsnit") + 1 :]
    assert chosen[0].split() == ["3", "Sådan", "forbereder", "du", "dig", "1"]
    # Where calls ended, in staff's words with the section's title.
    assert any(line.split()[:6] == ["valgte", "et", "afsnit,", "afsnit", "3", "(Sådan"] for line in lines)
    assert "Hvor opkaldene sluttede (hvert opkalds sidste trin)" in lines


def test_the_database_url_comes_from_the_environment(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", seeded.url)
    assert json.loads(run("--json"))["calls"] == 4


def test_prune_deletes_events_older_than_the_days_given(seeded: Store) -> None:
    days = (datetime.now(UTC) - WEDNESDAY).days + 10
    assert run("--database", seeded.url, "--prune", str(days)).startswith("slettede 1 opkaldshændelser")
    assert sorted({row.call for row in seeded.rows()}) == ["a", "b", "c"]


@pytest.mark.parametrize("day", ODD_DAYS)
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_an_odd_day_is_refused_in_one_line(tmp_path: Path, option: str, day: str) -> None:
    url = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    result = CliRunner().invoke(main, ["stats", "--database", url, option, day])
    line = refused_once(result, option)
    assert "ÅÅÅÅ-MM-DD mellem 2000-01-01 og 2100-12-31" in line


def test_a_reversed_period_is_refused_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    args = ["stats", "--database", url, "--since", "2026-11-30", "--until", "2026-11-01"]
    line = refused_once(CliRunner().invoke(main, args), "'--since' / '--until'")
    assert "begynder (2026-11-30), efter den slutter (2026-11-01)" in line


def test_the_edges_of_the_years_are_reported(seeded: Store) -> None:
    data = json.loads(
        run("--database", seeded.url, "--since", "2000-01-01", "--until", "2100-12-31", "--json")
    )
    assert (data["since"], data["until"], data["calls"]) == ("2000-01-01", "2100-12-31", 4)


@pytest.fixture
def two_lines(store: Store) -> Store:
    """On Wednesday 25 November: two calls on rodblokade, one on knae, one from before lines."""
    events = [
        call_event("r1", WEDNESDAY, "welcome", line="rodblokade"),
        call_event("r1", WEDNESDAY + timedelta(minutes=1), "section", menu="3", key="3", line="rodblokade"),
        call_event("r2", WEDNESDAY + timedelta(hours=1), "welcome", line="rodblokade"),
        call_event("k1", WEDNESDAY + timedelta(hours=2), "welcome", line="knae"),
        call_event(
            "k1", WEDNESDAY + timedelta(hours=2, minutes=1), "section", menu="1", key="1", line="knae"
        ),
        call_event("old", WEDNESDAY + timedelta(hours=3), "welcome"),
    ]
    store.add([as_row(event) for event in events])
    return store


@pytest.mark.parametrize(
    ("line", "calls", "sections"),
    [(None, 4, {"1": 1, "3": 1}), ("rodblokade", 2, {"3": 1}), ("knae", 1, {"1": 1}), ("ukendt", 0, {})],
)
def test_line_reports_only_that_lines_calls(
    two_lines: Store, line: str | None, calls: int, sections: dict[str, int]
) -> None:
    args = ["--database", two_lines.url, "--since", "2026-11-25", "--until", "2026-11-25", "--json"]
    data = json.loads(run(*args, *(["--line", line] if line else [])))
    assert (data["line"], data["calls"], data["sections"]) == (line, calls, sections)


def test_the_text_report_says_which_line(two_lines: Store) -> None:
    assert run("--database", two_lines.url).splitlines()[1] == "Alle linjer"
    lines = run("--database", two_lines.url, "--line", "knae").splitlines()
    assert lines[1] == "Linje: knae"
    assert "opkald: 1  hændelser: 2" in lines
    # A line without calls is the normal, empty report of that line.
    empty = run("--database", two_lines.url, "--line", "ukendt").splitlines()
    assert empty[1:3] == ["Linje: ukendt", "opkald: 0  hændelser: 0"]
    assert "  (ingen)" in empty


@pytest.mark.parametrize("line", ["", "Rodblokade", "rød", "a b", "x" * 41, "../rodblokade", "knae\n"])
def test_a_malformed_line_is_refused_in_one_line(tmp_path: Path, line: str) -> None:
    url = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    result = CliRunner().invoke(main, ["stats", "--database", url, "--line", line])
    assert "er ikke et linje-id" in refused_once(result, "'--line'")


@pytest.fixture
def spoken(store: Store) -> Store:
    """On Wednesday 25 November: sections said and pressed, a transfer said; one said choice on knae."""
    events = [
        call_event("a", WEDNESDAY, "welcome", route="voice.welcome"),
        call_event("a", WEDNESDAY + timedelta(minutes=1), "section", menu="3", key="3", route=SPEECH_ROUTE),
        call_event("a", WEDNESDAY + timedelta(minutes=2), "section", menu="1", key="1"),
        call_event("a", WEDNESDAY + timedelta(minutes=3), "transfer_open", key="0", route=SPEECH_ROUTE),
        call_event("b", WEDNESDAY + timedelta(hours=1), "welcome", route="voice.welcome"),
        call_event("b", WEDNESDAY + timedelta(hours=1, minutes=1), "repeat", key="*"),
        call_event("b", WEDNESDAY + timedelta(hours=1, minutes=2), "invalid", route=SPEECH_ROUTE, key="4"),
        call_event("k", WEDNESDAY, "welcome", route="voice.welcome", line="knae"),
        call_event("k", WEDNESDAY, "section", menu="2", key="2", route=SPEECH_ROUTE, line="knae"),
    ]
    store.add([as_row(event) for event in events])
    return store


@pytest.mark.parametrize(
    ("line", "choices"),
    [
        (
            None,
            {
                "speech": 3,
                "keys": 2,
                "by_event": {
                    "section": {"speech": 2, "keys": 1},
                    "repeat": {"speech": 0, "keys": 1},
                    "transfer_open": {"speech": 1, "keys": 0},
                },
            },
        ),
        ("knae", {"speech": 1, "keys": 0, "by_event": {"section": {"speech": 1, "keys": 0}}}),
        ("ukendt", {"speech": 0, "keys": 0, "by_event": {}}),
    ],
)
def test_json_says_which_choices_came_by_speech_and_which_by_key(
    spoken: Store, line: str | None, choices: dict[str, object]
) -> None:
    args = ["--database", spoken.url, "--since", "2026-11-25", "--until", "2026-11-25", "--json"]
    data = json.loads(run(*args, *(["--line", line] if line else [])))
    assert data["choices"] == choices


def test_text_report_shows_choices_by_speech_and_by_key(spoken: Store) -> None:
    lines = run("--database", spoken.url).splitlines()
    start = lines.index("Valg ved tale og ved tast (tale, der ikke blev forstået, er ikke med)")
    table = [line.split() for line in lines[start + 1 : start + 6]]
    assert table == [
        ["tale", "tast"],
        ["valgte", "et", "afsnit", "2", "1"],
        ["bad", "om", "at", "høre", "igen", "0", "1"],
        ["omstilling", "i", "åbningstiden", "1", "0"],
        ["i", "alt", "3", "2"],
    ]
    empty = run("--database", spoken.url, "--line", "ukendt").splitlines()
    start = empty.index("Valg ved tale og ved tast (tale, der ikke blev forstået, er ikke med)")
    assert empty[start + 1] == "  (ingen)"
