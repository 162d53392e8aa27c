"""A value read from the database in memory, read again when a few seconds old, never waited on for long.

What every call reads but staff change (their closures, the published content) is kept in memory and read
again when `ttl` seconds old. The read runs in a thread of its own, and the caller waits for it at most
`wait` seconds: when the database is slow or down, the call goes on with the value last read, and the read,
if it ever finishes, serves the calls after. A failed read is tried again after RETRY_SECONDS.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as WaitedTooLong
from dataclasses import KW_ONLY, dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
# After a failed read, how long calls go on with what they have before trying again.
RETRY_SECONDS = 10.0
A = TypeVar("A")
T = TypeVar("T")


@dataclass(eq=False)
class Reread(Generic[A, T]):
    """A value `read(arg)` returns, kept in memory and read again when `ttl` seconds old."""

    read: Callable[[A], T]
    # What `get` answers until the first read: the value last read.
    value: T
    _: KW_ONLY
    what: str
    ttl: float
    wait: float
    monotonic: Callable[[], float] = time.monotonic
    # When the value in memory is due to be read again (monotonic seconds).
    _due: float = field(init=False, default=float("-inf"))
    # The read under way, and the process it runs in (a forked worker never waits on its parent's).
    _reading: tuple[int, Future[None]] | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def get(self, arg: A) -> T:
        """The value, read again first when old (waiting at most `wait` seconds)."""
        if self.monotonic() >= self._due:
            self._refresh(arg)
        return self.value

    def expire(self) -> None:
        """Read the value again at the next `get`: this worker changed it."""
        self._due = float("-inf")

    def _refresh(self, arg: A) -> None:
        with self._lock:
            reading = self._reading
            if reading is not None and reading[0] == os.getpid() and not reading[1].done():
                # Another call started this read and waited for it: the calls after go on at once.
                return
            reading = (os.getpid(), self._start(arg))
            self._reading = reading
        try:
            reading[1].result(timeout=self.wait)
        except WaitedTooLong:
            log.warning(
                "%s: the database did not answer in %.1f s; going on with the last read", self.what, self.wait
            )
        except Exception as error:  # the database is down or refuses: the call goes on regardless
            log.warning(
                "%s: cannot be read (%s); going on with the last read", self.what, type(error).__name__
            )

    def _start(self, arg: A) -> Future[None]:
        """Read the value in a thread of its own; the future is done when it is in memory."""
        future: Future[None] = Future()

        def run() -> None:
            try:
                self.value = self.read(arg)
                self._due = self.monotonic() + self.ttl
                future.set_result(None)
            except BaseException as error:  # handed to whoever waits; never lost in the thread
                self._due = self.monotonic() + RETRY_SECONDS
                future.set_exception(error)

        threading.Thread(target=run, name=f"ivr-{self.what}", daemon=True).start()
        return future
