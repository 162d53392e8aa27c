"""How a prompt becomes sound in TwiML: one place that sets the language and the voice."""

from __future__ import annotations

from typing import Protocol

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Say

from ivr.line.content import Prompt

LANGUAGE = "da-DK"
# How much slower a caller who asked for it hears the line: SSML's <prosody rate> for Twilio's voice (Polly's
# standard voices take 20-200 %), ffmpeg's atempo for built audio (which keeps the pitch).
SLOW_RATE = 0.8


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
        """Append <Say language="da-DK" voice=...> with the prompt's text (within <prosody> when slow)."""
        if prompt.slow:
            slow = Say(language=LANGUAGE, voice=self.voice)
            slow.prosody(prompt.text, rate=f"{round(SLOW_RATE * 100)}%")
            parent.nest(slow)
        else:
            parent.nest(say(prompt.text, self.voice))

    def refresh(self) -> bool:
        """Twilio's voice never changes while running."""
        return False


def say(text: str, voice: str | None) -> TwiML:
    """Build one Danish <Say> verb."""
    return Say(text, language=LANGUAGE, voice=voice)
