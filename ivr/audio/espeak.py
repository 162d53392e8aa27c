"""Binding to libespeak-ng from the espeakng-loader wheel: offline Danish speech, no system package."""

from __future__ import annotations

import ctypes
import io
import subprocess
import sys
import threading
import wave

import espeakng_loader

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE = 1
# A prompt takes espeak-ng a few milliseconds; a process that takes this long is stuck.
SECONDS = 60
_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakError(RuntimeError):
    """libespeak-ng could not be loaded or refused to speak."""


class _Library:
    """The process's one libespeak-ng: it keeps global state, so every call holds the lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lib: ctypes.CDLL | None = None
        self.sample_rate = 0
        self.chunks: list[bytes] = []
        # Kept on the instance so the C callback is never garbage-collected while the library holds it.
        self.callback = _SynthCallback(self._collect)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], samples: int, _events: int | None) -> int:
        if samples > 0:
            self.chunks.append(ctypes.string_at(wav, samples * 2))
        return 0

    def _load(self) -> ctypes.CDLL:
        if self.lib is not None:
            return self.lib
        try:
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = espeakng_loader.get_data_path().encode()
        except (OSError, RuntimeError) as error:
            raise EspeakError(f"cannot load libespeak-ng from espeakng-loader: {error}") from error
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        self.sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, _INITIALIZE_DONT_EXIT)
        if self.sample_rate <= 0:
            raise EspeakError("libespeak-ng failed to initialise")
        lib.espeak_SetSynthCallback(self.callback)
        self.lib = lib
        return lib

    def synthesize(self, text: str, voice: str, rate: int) -> bytes:
        """Speak `text` and return it as a 16-bit mono PCM WAV file."""
        with self.lock:
            lib = self._load()
            if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EspeakError(f"espeak-ng has no voice {voice!r}")
            lib.espeak_SetParameter(_RATE, rate, 0)
            self.chunks = []
            encoded = text.encode("utf-8")
            size = len(encoded) + 1
            status = lib.espeak_Synth(encoded, size, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if status != 0:
                raise EspeakError(f"espeak-ng failed with status {status}")
            pcm, self.chunks = b"".join(self.chunks), []
            rate_hz = self.sample_rate
        return _wav(pcm, rate_hz)


def _wav(pcm: bytes, sample_rate: int) -> bytes:
    """Wrap 16-bit mono samples in a WAV header."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


_LIBRARY = _Library()


def synthesize(text: str, voice: str = "da", rate: int = 150) -> bytes:
    """Speak Danish `text` offline in a process of its own; return a WAV file's bytes.

    libespeak-ng keeps state from one text to the next, so in one process the same text said twice gives
    other samples, and a build's bytes depended on the order of its prompts. Each text spoken by a fresh
    process sounds the same on every node and in every build (figures in docs/performance.md).
    """
    command = [sys.executable, "-m", __name__, voice, str(rate)]
    try:
        done = subprocess.run(command, input=text.encode(), capture_output=True, timeout=SECONDS, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise EspeakError(f"espeak-ng did not finish: {error}") from error
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EspeakError(said[-1] if said else f"espeak-ng stopped with status {done.returncode}")
    return done.stdout


def main() -> None:
    """Speak the text on standard input with the voice and rate named; write the WAV to standard output."""
    voice, rate = sys.argv[1], int(sys.argv[2])
    try:
        wav = _LIBRARY.synthesize(sys.stdin.buffer.read().decode("utf-8"), voice, rate)
    except EspeakError as error:
        sys.exit(str(error))
    sys.stdout.buffer.write(wav)


if __name__ == "__main__":
    main()
