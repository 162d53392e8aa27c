"""Staff's closures as a call reads them: from memory, read again from the database every few seconds.

A change made on any node reaches every worker within TTL_SECONDS plus one read. The read runs in a thread
of its own, and a call waits for it at most WAIT_SECONDS (ivr/reread.py): when the database is slow or down,
the call goes on with the closures last read (none, before the first read: the content file's hours alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from ivr.line.schedule import ClosedPeriod
from ivr.reread import Reread

# How old the closures in memory may be before a call reads them again (the issue asks for 5 s in all).
TTL_SECONDS = 3.0
# How long a call waits for that read before going on with what it has.
WAIT_SECONDS = 0.3

# Reads every line's closures not yet over at a moment (`ClosureBook.periods`).
Reader = Callable[[datetime], Mapping[str, tuple[ClosedPeriod, ...]]]


class LiveClosures:
    """Every line's closures, kept in memory and read again when TTL_SECONDS old (`ClosureSource`)."""

    def __init__(
        self,
        read: Reader,
        *,
        ttl: float = TTL_SECONDS,
        wait: float = WAIT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        empty: Mapping[str, tuple[ClosedPeriod, ...]] = {}
        self._kept = Reread(read, empty, what="closures", ttl=ttl, wait=wait, monotonic=monotonic)

    def closures(self, line: str, at: datetime) -> tuple[ClosedPeriod, ...]:
        """`line`'s closures not over at `at`, read again first when old (waiting at most `wait` seconds)."""
        return self._kept.get(at).get(line, ())

    def expire(self) -> None:
        """Read the closures again at the next call: this worker changed them."""
        self._kept.expire()
