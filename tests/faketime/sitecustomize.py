"""Loaded by every Python process of `make test-later` (PYTHONPATH=tests/faketime): pytest and its children.

libfaketime 0.9.10 with the real monotonic clock (FAKETIME_DONT_FAKE_MONOTONIC) shifts time.sleep's absolute
deadline and now and then fails it with EINVAL. subprocess's wait with a timeout sleeps in a loop, so a
child process that waits on its own child (the public holidays worked out apart) failed at random. A wait on
an Event that is never set sleeps the same time through the semaphore calls libfaketime leaves alone.
"""

from __future__ import annotations

import os
import threading
import time
from typing import SupportsIndex

if "faketime" in os.environ.get("LD_PRELOAD", ""):

    def _sleep(seconds: float | SupportsIndex, /) -> None:
        threading.Event().wait(float(seconds))

    time.sleep = _sleep
