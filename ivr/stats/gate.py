"""Staff pages never take the calls' threads: a few at a time across every worker, the rest wait a moment.

Every gunicorn worker answers calls and staff pages alike. A statistics page over a year of calls takes a good
part of a second of CPU; eight of them at once would hold every worker while Twilio waits for a call's next
step. The gate lets at most `slots` staff requests run at once across all the workers of a line (one lock file
per slot, taken with a non-blocking `flock`, which the kernel releases even if a worker dies); the others wait
for a slot up to `wait` seconds (IVR_STAFF_WAIT_SECONDS), asking again every POLL_SECONDS, then get 503 with
Retry-After. A waiting request holds one of its worker's threads (ivr/ops/gunicorn_conf.py), never a slot, and
each worker lets at most `seats` staff requests in at once, so it always keeps threads for calls; a worker
with every thread busy takes no new connection, which another worker then answers. Calls never pass the gate.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from flask import Flask, Response, g, request

from ivr.component import Component

log = logging.getLogger(__name__)


class StaffGate(Component):
    """A cross-process semaphore of lock files: `enter` takes a free slot, waiting up to `wait` seconds.

    Registered on the app, every staff request takes a slot first (`take_slot`) and gives it back after.
    """

    extension = "ivr.staff_gate"

    def __init__(self, folder: Path, slots: int, *, wait: float = 0.0, seats: int = 1) -> None:
        self.folder = folder
        self.slots = slots
        self.wait = wait
        # Staff requests this worker lets in at once (waiting or running); more are told "busy" at once.
        self._seats = threading.BoundedSemaphore(max(1, seats))

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Staff pages take a slot first, so they can never hold the workers the calls need.
        app.before_request(self.take_slot)
        app.teardown_request(self.release)

    def take_slot(self) -> Response | None:
        """Before a staff request: take a slot, or answer 503 at once when every slot is busy."""
        # A page's own script and stylesheet are files, fetched alongside it: never made to wait.
        if not request.path.startswith(GATED) or (request.endpoint or "").endswith(".static"):
            return None
        if not self._seats.acquire(blocking=False):
            return _busy("every staff seat of this worker taken")
        started = time.monotonic()
        try:
            handle = self.enter(self.wait)
        except BaseException:  # the lock folder cannot be used: the seat is given back all the same
            self._seats.release()
            raise
        if handle is None:
            self._seats.release()
            return _busy(f"no slot within {self.wait:g} s")
        waited = time.monotonic() - started
        if waited >= 1:
            log.info("staff pages: %s waited %.1f s for a slot", request.path, waited)
        g.ivr_staff_slot = handle
        return None

    def release(self, error: BaseException | None = None) -> None:
        """After a staff request, whatever happened: give its slot back."""
        handle = g.pop("ivr_staff_slot", None)
        if handle is not None:
            self.leave(handle)
            self._seats.release()

    @classmethod
    def for_line(cls, database_url: str, slots: int, *, wait: float = 0.0, seats: int = 1) -> StaffGate:
        """The gate every worker of one line shares: named after the line's statistics database."""
        name = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:16]
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
        return cls(base / f"rodblokade-linjen-staff-{name}", slots, wait=wait, seats=seats)

    def enter(self, wait: float = 0.0) -> int | None:
        """Take a free slot and return its file descriptor, or None when none came free within `wait` s."""
        deadline = time.monotonic() + wait
        while (handle := self._free_slot()) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            # flock cannot wait with a time limit (only for ever, or not at all): ask again shortly.
            time.sleep(min(POLL_SECONDS, left))
        return handle

    def _free_slot(self) -> int | None:
        """Take a free slot now, or None when every slot is taken."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        for slot in range(self.slots):
            handle = os.open(self.folder / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                continue
            return handle
        return None

    @staticmethod
    def leave(handle: int) -> None:
        """Give the slot back."""
        try:
            fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            os.close(handle)


# The paths whose requests go through the gate: the staff pages and the preview.
GATED = ("/staff/", "/preview/")
# How long a staff query may run (and the page wait for it) before it is stopped: the page then says "try
# again" (503). A year's report takes well under 0.5 s (docs/performance.md), and a page makes two queries
# after the login's, so a page answers within 5 s even while the database stalls.
QUERY_SECONDS = 2.0


# How often a waiting staff request asks for a slot again.
POLL_SECONDS = 0.05
BUSY = "Personalets sider har travlt lige nu. Prøv igen om et øjeblik.\n"


def _busy(why: str) -> Response:
    """503 with Retry-After: the staff pages are all in use."""
    log.warning("staff pages busy: %s refused with 503 (%s)", request.path, why)
    headers = {"Retry-After": "5", "Cache-Control": "no-store"}
    return Response(BUSY, 503, headers, mimetype="text/plain")
