"""Text-to-speech engines behind one small interface: gTTS (Google, online) and espeak-ng (offline)."""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gtts import gTTS, gTTSError
from gtts.tokenizer import pre_processors

from ivr.audio import espeak


@dataclass(frozen=True)
class Sound:
    """Encoded audio as an engine or a recording delivers it; `codec` names ffmpeg's decoder."""

    data: bytes
    format: str
    codec: str | None = None


class SynthesisError(Exception):
    """The engine cannot speak this text; trying again will not help."""


class TransientError(SynthesisError):
    """The engine failed for a passing reason (network, server busy); trying again may help."""


class UnreachableError(TransientError):
    """The engine's server gave no answer at all (no network, a firewall, a timeout): a build stops after a
    few of these in a row rather than fail every prompt slowly."""


class TtsEngine(Protocol):
    """Turns Danish text into sound; `settings` describe every choice that changes the sound."""

    name: str
    workers: int

    def settings(self) -> Mapping[str, Any]: ...

    def synthesize(self, text: str) -> Sound: ...


class Engine(enum.StrEnum):
    """The engines `ivr build-audio --engine` offers."""

    GTTS = "gtts"
    ESPEAK = "espeak"


# Danish abbreviations spoken as words. gTTS's own `abbreviations` pre-processor is for English: it
# deletes the period after any word ending in "st", "dr", "mr"..., so "først." lost its full stop.
DANISH_ABBREVIATIONS = {
    "kl.": "klokken",
    "ca.": "cirka",
    "nr.": "nummer",
    "tlf.": "telefon",
    "evt.": "eventuelt",
    "bl.a.": "blandt andet",
    "f.eks.": "for eksempel",
    "dvs.": "det vil sige",
    "osv.": "og så videre",
}
_LONGEST_FIRST = sorted(DANISH_ABBREVIATIONS, key=len, reverse=True)
_ABBREVIATION = re.compile(
    r"(?<!\w)(?i:(" + "|".join(map(re.escape, _LONGEST_FIRST)) + r"))(?=(\s+[A-ZÆØÅ]|\s*$)?)"
)


def danish_abbreviations(text: str) -> str:
    """Write out Danish abbreviations, keeping a full stop where the abbreviation ended a sentence."""

    def expand(match: re.Match[str]) -> str:
        word = DANISH_ABBREVIATIONS[match[1].lower()]
        # "kl. 10" must not become two requests (gTTS splits at ". "), but "... osv. Næste" ends a sentence.
        return word + "." if match[2] is not None else word

    return _ABBREVIATION.sub(expand, text)


# Google takes 100 characters a request; gTTS splits longer texts with its tokenizer.
GTTS_MAX_CHARS = 100
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


def sentence_chunks(text: str) -> list[str]:
    """Split text into requests of whole sentences (long ones at commas), keeping their punctuation."""
    # gTTS's default tokenizer cuts at every ". " and ", " and drops the mark, so each clause is read as a
    # separate flat fragment; whole sentences keep Google's intonation. "den 4. januar" is not a sentence end.
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        pieces += [sentence] if len(sentence) <= GTTS_MAX_CHARS else _CLAUSE_END.split(sentence)
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= GTTS_MAX_CHARS:
            chunks[-1] += " " + piece
        else:
            chunks.append(piece)
    return chunks


# Chosen on purpose instead of gTTS's defaults (see above); their names go into the hash.
GTTS_PRE_PROCESSORS: tuple[Callable[[str], str], ...] = (
    pre_processors.tone_marks,
    pre_processors.end_of_line,
    danish_abbreviations,
)


class GttsEngine:
    """Google Translate's Danish voice through gTTS; needs internet access."""

    name = "gtts"
    # Synthesis waits on the network, so several prompts are fetched at once.
    workers = 4

    def __init__(
        self,
        lang: str = "da",
        tld: str = "com",
        slow: bool = False,
        timeout: tuple[float, float] = (5.0, 20.0),
    ) -> None:
        self.lang = lang
        self.tld = tld
        self.slow = slow
        self.timeout = timeout

    def settings(self) -> Mapping[str, Any]:
        """Return what decides the sound: language, host, speed and text pre-processing."""
        names = [function.__name__ for function in GTTS_PRE_PROCESSORS]
        tokenizer = sentence_chunks.__name__
        return {"engine": self.name, "lang": self.lang, "tld": self.tld, "slow": self.slow, "pre": names,
                "tokenizer": tokenizer}  # fmt: skip

    def synthesize(self, text: str) -> Sound:
        """Fetch the MP3 for `text`; raise TransientError for network and server trouble."""
        tts = gTTS(
            text,
            lang=self.lang,
            tld=self.tld,
            slow=self.slow,
            lang_check=False,  # the language list is static; checking it only slows start-up
            pre_processor_funcs=list(GTTS_PRE_PROCESSORS),
            tokenizer_func=sentence_chunks,
            timeout=self.timeout,  # (connect, read): a blocked network fails fast instead of hanging
        )
        buffer = io.BytesIO()
        try:
            tts.write_to_fp(buffer)
        except gTTSError as error:
            if error.rsp is None:
                # gTTS answers any failure of the request itself (refused, reset, timed out) this way.
                raise UnreachableError(f"gTTS: {error}") from error
            status = error.rsp.status_code
            if status == 429 or status >= 500:
                raise TransientError(f"gTTS: {error}") from error
            raise SynthesisError(f"gTTS: {error}") from error
        if not buffer.getvalue():
            raise SynthesisError("gTTS returned no audio")
        return Sound(buffer.getvalue(), "mp3", codec="mp3")


class EspeakEngine:
    """espeak-ng's Danish voice from the espeakng-loader wheel: robotic, but offline and fast."""

    name = "espeak"
    # One libespeak-ng per process speaks at a time; the second worker processes audio meanwhile.
    workers = 2

    def __init__(self, voice: str = "da", rate: int = 150) -> None:
        self.voice = voice
        self.rate = rate

    def settings(self) -> Mapping[str, Any]:
        """Return what decides the sound: voice and speaking rate (words per minute)."""
        return {"engine": self.name, "voice": self.voice, "rate": self.rate}

    def synthesize(self, text: str) -> Sound:
        """Speak `text` with libespeak-ng; return a PCM WAV."""
        try:
            return Sound(espeak.synthesize(text, self.voice, self.rate), "wav")
        except espeak.EspeakError as error:
            raise SynthesisError(str(error)) from error


def make_engine(engine: Engine) -> TtsEngine:
    """Return the engine `--engine` names."""
    return GttsEngine() if engine is Engine.GTTS else EspeakEngine()
