"""Turns a flow Reply into the TwiML document Twilio receives, built once per distinct reply."""

from __future__ import annotations

from dataclasses import InitVar, dataclass
from functools import lru_cache
from typing import Protocol

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.line.callstate import CallState
from ivr.line.content import Prompt
from ivr.line.flow import Reply
from ivr.line.speech import LANGUAGE, Speaker


class Urls(Protocol):
    """Where Twilio sends the caller's next request."""

    def key(self, state: CallState) -> str: ...

    def dial(self, state: CallState) -> str: ...


@dataclass(eq=False, kw_only=True)
class Renderer:
    """Renders replies to TwiML bytes, caching them: a reply's document never changes while running."""

    speaker: Speaker
    urls: Urls
    number: str
    gather_timeout: int
    dial_timeout: int
    # The line listens for speech too (Danish, with these hints) when its content has phrases.
    hints: str | None = None
    cache_size: InitVar[int] = 2048

    def __post_init__(self, cache_size: int) -> None:
        self._cached = lru_cache(maxsize=cache_size)(self._render)

    def render(self, reply: Reply) -> bytes:
        """The reply's document: from the cache, unless it holds a caller's own data (never kept)."""
        return self._render(reply) if reply.private else self._cached(reply)

    def refresh(self) -> None:
        """Let the speaker take up new sound; when it did, forget every document made with the old."""
        if self.speaker.refresh():
            self._cached.cache_clear()

    def _render(self, reply: Reply) -> bytes:
        response = VoiceResponse()
        if reply.then == "gather":
            self._gather(response, reply)
        elif reply.then == "dial":
            self._dial(response, reply)
        else:
            for prompt in self._said(reply):
                self.speaker.add(response, prompt)
            response.hangup()
        return str(response.to_xml()).encode("utf-8")

    def _gather(self, response: VoiceResponse, reply: Reply) -> None:
        """Nest the prompts in <Gather> so a key interrupts them, but for the first `uninterrupted` ones, said
        before it (the 1-1-2 sentence is heard whole); silence falls through to <Redirect>."""
        action = self.urls.key(reply.state)
        listening: dict[str, str] = {}
        if self.hints is not None and reply.listens:
            # speechTimeout auto: Twilio decides when the caller has finished speaking.
            listening = {"language": LANGUAGE, "speech_timeout": "auto", "hints": self.hints}
        gather = Gather(
            input="dtmf speech" if listening else "dtmf",
            num_digits=reply.digits,
            finish_on_key="",
            timeout=self.gather_timeout,
            action=action,
            method="POST",
            **listening,
        )
        said = self._said(reply)
        for prompt in said[: reply.uninterrupted]:
            self.speaker.add(response, prompt)
        for prompt in said[reply.uninterrupted :]:
            self.speaker.add(gather, prompt)
        response.append(gather)
        # Reached only when no key was pressed: the same URL without Digits counts as silence.
        response.redirect(action, method="POST")

    def _dial(self, response: VoiceResponse, reply: Reply) -> None:
        for prompt in self._said(reply):
            self.speaker.add(response, prompt)
        action = self.urls.dial(reply.state)
        dial = response.dial(action=action, method="POST", timeout=self.dial_timeout)
        dial.number(self.number)

    @staticmethod
    def _said(reply: Reply) -> tuple[Prompt, ...]:
        """The reply's prompts, at the pace the caller asked for."""
        return tuple(prompt.slowed() for prompt in reply.prompts) if reply.state.slow else reply.prompts
