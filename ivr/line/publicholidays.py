"""The Danish public holidays, in Danish, without every worker carrying the holidays package.

Asked for one country, the holidays package imports the rules of all its 250 countries: 17 MiB in each
process that asks, and every gunicorn worker forks from the process that built the app (docs/performance.md,
memory). A line needs about ten dates a year. So the days of the years around now are worked out once, in a
short-lived child process, and kept as a table of a few kilobytes. A day outside those years (`ivr hours
--year 2045`) is asked of the package itself, in this process; so is every day if the child process fails.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from holidays import HolidayBase

log = logging.getLogger(__name__)
# The years the table covers, around the year the process starts in: last year's closed days still show in
# `ivr hours`, and a server left running for years keeps the table's answers.
YEARS_BEFORE, YEARS_AFTER = 1, 10
# The child process gives up after this long; the days are then worked out here.
CHILD_SECONDS = 60


class DanishHolidays:
    """The Danish public holidays by day: from the table for its years, from the package for any other."""

    def __init__(self, table: Mapping[date, str], years: range) -> None:
        self.table = dict(table)
        self.years = years

    def get(self, day: date) -> str | None:
        """The holiday's name on `day` ("Juledag"), or None on an ordinary day."""
        if day.year in self.years:
            return self.table.get(day)
        name = package_calendar().get(day)
        return str(name) if name else None


@lru_cache(maxsize=1)
def danish_holidays() -> DanishHolidays:
    """The one calendar of this process: every line asks it (all the lines are Danish)."""
    this_year = date.today().year
    years = range(this_year - YEARS_BEFORE, this_year + YEARS_AFTER + 1)
    return DanishHolidays(worked_out(years), years)


def worked_out(years: range) -> dict[date, str]:
    """The holidays of `years`, worked out in a child process; here, if that fails for any reason."""
    try:
        # -I: the child reads no PYTHON* variables and imports nothing from the working folder.
        done = subprocess.run(
            [sys.executable, "-I", "-m", __name__, str(years.start), str(years.stop)],
            capture_output=True,
            text=True,
            timeout=CHILD_SECONDS,
            check=True,
        )
        answer = json.loads(done.stdout)
        return {date.fromisoformat(day): str(name) for day, name in answer.items()}
    except (OSError, subprocess.SubprocessError, ValueError, AttributeError) as error:
        log.warning(
            "the public holidays could not be worked out in a child process (%s); worked out here instead",
            type(error).__name__,
        )
        return table(years)


def table(years: range) -> dict[date, str]:
    """The holidays of `years` from the package, in this process."""
    import holidays  # noqa: PLC0415  (see package_calendar)

    days = holidays.country_holidays("DK", language="da", years=years)
    return {day: str(name) for day, name in days.items()}


@lru_cache(maxsize=1)
def package_calendar() -> HolidayBase:
    """The package's Danish calendar, in Danish (Store Bededag stops after 2023 inside the package)."""
    import holidays  # noqa: PLC0415  (17 MiB: imported only where a year outside the table is asked about)

    return holidays.country_holidays("DK", language="da")


if __name__ == "__main__":
    # The child process: python -m ivr.line.publicholidays 2025 2037 -> {"2025-01-01": "Nytårsdag", ...}
    first, stop = (int(number) for number in sys.argv[1:3])
    print(json.dumps({day.isoformat(): name for day, name in table(range(first, stop)).items()}))
