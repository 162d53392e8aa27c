"""Staff pages never take the calls' threads: a few at a time across every worker, the rest wait a moment.

Every gunicorn worker answers calls and staff pages alike. A statistics page over a year of calls takes a good
part of a second of CPU; eight of them at once would hold every worker while Twilio waits for a call's next
step. The gate lets at most `slots` staff requests run at once across all the workers of a line (one lock file
per slot, taken with a non-blocking `flock`, which the kernel releases even if a worker dies); the others wait
for a slot up to `wait` seconds (IVR_STAFF_WAIT_SECONDS), asking again every POLL_SECONDS, then get 503 with
Retry-After. A waiting request holds one of its worker's threads (ivr/ops/gunicorn_conf.py), never a slot. A
worker with every thread busy takes no new connection, which another worker then answers; so that some worker
always has a thread for a call, at most `seats` staff requests (a lock file each, as the slots) are let in at
once across the workers, waiting or running, and any more are told "busy" at once. Calls never pass the gate.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
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

    def __init__(self, folder: Path, slots: int, *, wait: float = 0.0, seats: int | None = None) -> None:
        self.folder = folder
        self.slots = slots
        self.wait = wait
        # Staff requests let in at once across the workers, waiting or running (default: the slots alone).
        self.seats = max(seats or slots, slots)

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Staff pages take a slot first, so they can never hold the workers the calls need.
        app.before_request(self.take_slot)
        app.teardown_request(self.release)

    def take_slot(self) -> Response | None:
        """Before a staff request: take a seat and then a slot, waiting up to `wait` s for the slot; 503 with
        Retry-After when no seat is free (at once) or no slot came free in time."""
        # A page's own script and stylesheet are files, fetched alongside it: never made to wait.
        if not request.path.startswith(GATED) or (request.endpoint or "").endswith(".static"):
            return None
        seat = self._locked("seat", self.seats)
        if seat is None:
            return _busy(f"all {self.seats} staff seats taken")
        started = time.monotonic()
        try:
            handle = self.enter(self.wait)
        except BaseException:  # the lock folder cannot be used: the seat is given back all the same
            self.leave(seat)
            raise
        if handle is None:
            self.leave(seat)
            return _busy(f"no slot within {self.wait:g} s")
        waited = time.monotonic() - started
        if waited >= 1:
            log.info("staff pages: %s waited %.1f s for a slot", request.path, waited)
        g.ivr_staff_slot, g.ivr_staff_seat = handle, seat
        return None

    def release(self, error: BaseException | None = None) -> None:
        """After a staff request, whatever happened: give its slot back."""
        for held in ("ivr_staff_slot", "ivr_staff_seat"):
            handle = g.pop(held, None)
            if handle is not None:
                self.leave(handle)

    @classmethod
    def for_line(
        cls, database_url: str, slots: int, *, wait: float = 0.0, seats: int | None = None
    ) -> StaffGate:
        """The gate every worker of one line shares: named after the line's statistics database."""
        name = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:16]
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
        return cls(base / f"rodblokade-linjen-staff-{name}", slots, wait=wait, seats=seats)

    def enter(self, wait: float = 0.0) -> int | None:
        """Take a free slot and return its file descriptor, or None when none came free within `wait` s."""
        deadline = time.monotonic() + wait
        while (handle := self._locked("slot", self.slots)) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            # flock cannot wait with a time limit (only for ever, or not at all): ask again shortly.
            time.sleep(min(POLL_SECONDS, left))
        return handle

    def _locked(self, kind: str, count: int) -> int | None:
        """Lock a free one of the `count` lock files of `kind` now and return its descriptor; None when all
        are locked."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        for slot in range(count):
            handle = os.open(self.folder / f"{kind}-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
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
