"""Odd days and moments every surface must refuse calmly, the edges it must accept, a command's refusal."""

from __future__ import annotations

from click.testing import Result

# Beyond the accepted years (some beyond what a datetime can shift by a time zone), impossible, or no date.
ODD_DAYS = [
    "0001-01-01",
    "9999-12-31",
    "1999-12-31",
    "2101-01-01",
    "2026-02-30",
    "2026-13-01",
    "garbage",
    "25-11-2026",
    "20261125",
    "2026-11-25T10:00",
]
ODD_MOMENTS = [
    "0001-01-01T00:00",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59",
    "9999-12-31T23:59-12:00",
    "1999-12-31T23:59",
    "2101-01-01T00:00",
    "2026-02-30T10:00",
    "2026-11-25T25:00",
    "garbage",
    "2026-11-25",
    "tomorrow",
]
EDGE_DAYS = ["2000-01-01", "2100-12-31"]
EDGE_MOMENTS = ["2000-01-01T00:00", "2100-12-31T23:59", "2100-12-31T23:59:59-12:00", "2000-01-01T00:00+14:00"]


def refused_once(result: Result, option: str) -> str:
    """Check a command stopped with exit 2 and one error line naming `option`; return that line."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not an exception that escaped the command
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output
    assert option in errors[0]
    return errors[0]
