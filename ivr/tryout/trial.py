"""A trial call: staff or a developer trying the line (the preview, `ivr call`), never a patient's call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trial:
    """How an app built for trial calls differs: its calls count in no statistics, write no request log
    lines, never reach the secretariat's real callback list and never send a real SMS."""

    # What the line is told a request for the leaflet by SMS did (`ivr call --sms`).
    sms_sent: bool = True
    # The lines run staff's drafts (ivr/versions/drafts.py), not what is published: nothing is read again.
    draft: bool = False
