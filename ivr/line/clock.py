"""The one clock of the line: what time it is, in UTC, read once per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

# A clock reads the current time as an aware datetime; the schedule converts it to the clinic's zone.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Read the time, in UTC."""
    return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that always reads one moment (settable): a trial call or a test at that time."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at
