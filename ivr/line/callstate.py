"""The call's state between two requests, and who is calling: the one place either is spelled out.

Twilio keeps nothing for the line between two requests of a call, so what the line must remember travels in
the action URLs it gives Twilio: this module turns it into a query string and back, and nothing else does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

MAIN = "main"
# The query field naming the line a call reached, on a deployment of several lines.
LINE = "line"
# Failed turns of more digits are nonsense in a URL (the line hangs up long before): read as none.
_TRIES_DIGITS = 2


@dataclass(frozen=True, slots=True)
class CallState:
    """What the line remembers of a call from one request to the next."""

    # The menu the caller is in: the main menu, a section's key or a callback menu.
    menu: str = MAIN
    # Failed turns (wrong key, silence, not understood) in a row in that menu.
    tries: int = 0
    # The rest of the call is said slowly (the caller pressed the slower key).
    slow: bool = False
    # The key the line asked back about ("Mente du komplikationer? Tryk 1 for ja"), awaiting a yes.
    confirm: str | None = None
    # A number keyed in for a callback, read back and awaiting a yes: sealed in the URL, never bare.
    keyed: str | None = None
    # The leaflet went by SMS in this call, so no later menu offers it again.
    texted: bool = False

    def into(self, menu: str, tries: int = 0) -> CallState:
        """The state in `menu` after `tries` failed turns: the pace and the SMS carry on, nothing else."""
        return CallState(menu, tries, self.slow, None, None, self.texted)

    def paced(self, slow: bool) -> CallState:
        """The same state at another pace."""
        return replace(self, slow=slow)

    def to_query(self, seal: Callable[[str], str] | None = None) -> dict[str, str]:
        """The fields of the next key press's URL; a keyed-in number only sealed (`seal`), else left out."""
        query = {"menu": self.menu, "tries": str(self.tries)}
        if self.slow:
            query["slow"] = "1"
        if self.texted:
            query["texted"] = "1"
        if self.confirm is not None:
            query["confirm"] = self.confirm
        if self.keyed is not None and seal is not None:
            query["cb"] = seal(self.keyed)
        return query

    def dial_query(self) -> dict[str, str]:
        """The fields of the URL Twilio calls after a transfer: what outlasts the menus."""
        return {name: "1" for name, on in (("slow", self.slow), ("texted", self.texted)) if on}

    @classmethod
    def from_query(
        cls, args: Mapping[str, str], unseal: Callable[[str], str | None] | None = None
    ) -> CallState:
        """Read the state from a request's query string; anything odd reads as its default, never an error."""
        tries = args.get("tries", "0")
        # isascii: "²".isdigit() is true, yet int("²") fails.
        readable = tries.isascii() and tries.isdigit() and len(tries) <= _TRIES_DIGITS
        cb = args.get("cb")
        return cls(
            menu=args.get("menu", MAIN),
            tries=int(tries) if readable else 0,
            slow=args.get("slow") == "1",
            confirm=args.get("confirm") or None,
            keyed=unseal(cb) if unseal is not None and cb else None,
            texted=args.get("texted") == "1",
        )


# A new call's state: the main menu, no failed turns, the usual pace.
START = CallState()


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling and when this request came, as far as the flow needs to know: the number is used for
    a callback or an SMS the caller asks for, never logged or counted."""

    # The moment of the request, from the app's clock (a callback request and an SMS are stamped with it).
    at: datetime
    # Twilio's From: the caller's number, or None when withheld.
    number: str | None = None
    # Twilio's CallSid: one SMS per call.
    call_sid: str | None = None
    # The call came through the secretariat's own number (a forwarding loop): never put it through again.
    looped: bool = False
