"""Turns a flow Reply into the TwiML document Twilio receives, built once per distinct reply."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.line.flow import Reply
from ivr.line.speech import Speaker


class Urls(Protocol):
    """Where Twilio sends the caller's next request."""

    def key(self, menu: str, tries: int) -> str: ...

    def dial(self) -> str: ...


class Renderer:
    """Renders replies to TwiML bytes, caching them: a reply's document never changes while running."""

    def __init__(
        self,
        *,
        speaker: Speaker,
        urls: Urls,
        number: str,
        gather_timeout: int,
        dial_timeout: int,
        cache_size: int = 2048,
    ) -> None:
        self.speaker = speaker
        self.urls = urls
        self.number = number
        self.gather_timeout = gather_timeout
        self.dial_timeout = dial_timeout
        self._cached = lru_cache(maxsize=cache_size)(self._render)
        self.render: Callable[[Reply], bytes] = self._cached

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
            for prompt in reply.prompts:
                self.speaker.add(response, prompt)
            response.hangup()
        return str(response.to_xml()).encode("utf-8")

    def _gather(self, response: VoiceResponse, reply: Reply) -> None:
        """Nest the prompts in <Gather> so a key interrupts them; silence falls through to <Redirect>."""
        action = self.urls.key(reply.menu, reply.tries)
        gather = Gather(
            input="dtmf",
            num_digits=1,
            finish_on_key="",
            timeout=self.gather_timeout,
            action=action,
            method="POST",
        )
        for prompt in reply.prompts:
            self.speaker.add(gather, prompt)
        response.append(gather)
        # Reached only when no key was pressed: the same URL without Digits counts as silence.
        response.redirect(action, method="POST")

    def _dial(self, response: VoiceResponse, reply: Reply) -> None:
        for prompt in reply.prompts:
            self.speaker.add(response, prompt)
        dial = response.dial(action=self.urls.dial(), method="POST", timeout=self.dial_timeout)
        dial.number(self.number)
