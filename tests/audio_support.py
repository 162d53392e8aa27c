"""Test doubles and helpers for the audio tests: real offline speech, counted and made to fail on demand."""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from typing import Any

from ivr.audio.engines import EspeakEngine, Sound, SynthesisError, TransientError
from ivr.audio.processing import AudioSegment


class CountingEngine:
    """The real offline engine, counting calls; texts in `fail` fail, `flaky` ones fail transiently first."""

    name = "espeak"
    workers = 1

    def __init__(self, rate: int = 150, fail: set[str] | None = None, flaky: Mapping[str, int] | None = None):
        self.inner = EspeakEngine(rate=rate)
        self.fail = fail or set()
        self.flaky = dict(flaky or {})
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def settings(self) -> Mapping[str, Any]:
        return self.inner.settings()

    def synthesize(self, text: str) -> Sound:
        with self.lock:
            self.calls.append(text)
            if text in self.fail:
                raise SynthesisError(f"cannot say {text!r}")
            if self.flaky.get(text, 0) > 0:
                self.flaky[text] -= 1
                raise TransientError("connection reset")
        return self.inner.synthesize(text)


def decoded(data: bytes, codec: str = "pcm_mulaw") -> AudioSegment:
    """Decode a built file back to samples (with ffmpeg, telling pydub the codec so it needs no ffprobe)."""
    return AudioSegment.from_file(io.BytesIO(data), codec=codec)
