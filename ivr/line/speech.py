"""How a prompt becomes sound in TwiML: one place that sets the language and the voice."""

from __future__ import annotations

from typing import Protocol

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Say

from ivr.line.content import Prompt

LANGUAGE = "da-DK"


class Speaker(Protocol):
    """Adds the verb that speaks one prompt to a <Response> or <Gather>."""

    def add(self, parent: TwiML, prompt: Prompt) -> None: ...

    def refresh(self) -> bool:
        """Take up new sources of sound (a rebuilt audio folder); tell whether anything changed."""
        ...


class SaySpeaker:
    """Speaks every prompt with Twilio's own Danish text-to-speech."""

    def __init__(self, voice: str | None) -> None:
        self.voice = voice

    def add(self, parent: TwiML, prompt: Prompt) -> None:
        """Append <Say language="da-DK" voice=...> with the prompt's text."""
        parent.nest(say(prompt.text, self.voice))

    def refresh(self) -> bool:
        """Twilio's voice never changes while running."""
        return False


def say(text: str, voice: str | None) -> TwiML:
    """Build one Danish <Say> verb."""
    return Say(text, language=LANGUAGE, voice=voice)
