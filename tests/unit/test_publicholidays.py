"""The Danish public holidays: a table worked out in a child process, the package for other years."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from ivr.line.publicholidays import DanishHolidays, danish_holidays, table, worked_out
from tests.support import TOKEN, clean_env

YEARS = range(2025, 2028)


def test_the_child_process_works_out_what_the_package_says() -> None:
    from_child = worked_out(YEARS)
    assert from_child == table(YEARS)
    # Ten days a year since Store Bededag ended in 2023, each with its Danish name.
    assert from_child[date(2026, 12, 25)] == "Juledag"
    assert from_child[date(2027, 3, 29)] == "Anden påskedag"
    assert len(from_child) == 3 * 10


def test_a_failing_child_process_is_worked_around_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("ivr.line.publicholidays.sys.executable", "/no/such/python")
    with caplog.at_level(logging.WARNING):
        assert worked_out(YEARS) == table(YEARS)
    assert "could not be worked out in a child process (FileNotFoundError)" in caplog.text


def test_years_outside_the_table_are_asked_of_the_package() -> None:
    calendar = DanishHolidays({date(2026, 12, 25): "Juledag"}, range(2026, 2027))
    assert calendar.get(date(2026, 12, 25)) == "Juledag"
    assert calendar.get(date(2026, 12, 26)) is None  # inside the table's years: the table is the answer
    assert calendar.get(date(2045, 12, 26)) == "Anden juledag"
    assert calendar.get(date(2023, 5, 5)) == "Store bededag"
    assert calendar.get(date(2045, 12, 27)) is None


def test_the_process_s_calendar_covers_the_years_around_now() -> None:
    calendar = danish_holidays()
    this_year = date.today().year
    assert calendar.years == range(this_year - 1, this_year + 11)
    assert calendar.get(date(this_year, 12, 25)) == "Juledag"


def test_building_the_app_never_loads_the_package_into_the_process(tmp_path: Path) -> None:
    # Every worker forks from the process that built the app: the package's 250 countries stay out of it.
    script = (
        "import sys\n"
        "from ivr import create_app\n"
        "from ivr.webhook.endpoint import Webhook\n"
        "app = create_app()\n"
        "line = Webhook.of(app).lines.first\n"
        "from ivr.line.publicholidays import danish_holidays\n"
        "from datetime import date\n"
        # A Christmas Eve on a weekday in the years the process's table covers, in any year the test runs.
        "year = next(y for y in danish_holidays().years if date(y, 12, 24).weekday() < 5)\n"
        "print(line.schedule.closure(date(year, 12, 24)).reason)\n"
        "print('holidays' in sys.modules)\n"
    )
    env = clean_env(
        TWILIO_AUTH_TOKEN=TOKEN,
        IVR_DATABASE_URL=f"sqlite:///{tmp_path / 'stats.sqlite'}",
        IVR_AUDIO_DIR=str(tmp_path / "audio"),
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-3:] == ["juleaften", "False", ""]
