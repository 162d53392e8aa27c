"""Telephone-quality audio: trim, level, lead-in, then 8 kHz mono µ-law WAV (or MP3) with ffmpeg."""

from __future__ import annotations

import io
import struct
import subprocess
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import imageio_ffmpeg

from ivr.audio.engines import Sound, SynthesisError

with warnings.catch_warnings():
    # pydub imports audioop (deprecated in 3.11; the audioop-lts wheel replaces it from 3.13) and warns
    # when no ffmpeg is on PATH: it gets the one from the imageio-ffmpeg wheel just below.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment, silence

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
AudioSegment.converter = FFMPEG
WAVE_FORMAT_MULAW = 7
# Keep ffmpeg's version string and other metadata out of the files, so the same input gives the same bytes.
_BITEXACT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]


@dataclass(frozen=True)
class Output:
    """How every prompt is processed; all of it goes into the prompt's hash."""

    format: Literal["wav", "mp3"] = "wav"
    sample_rate: int = 8000
    lead_in_ms: int = 250
    tail_ms: int = 250
    silence_below_peak_db: float = 40.0
    loudness_dbfs: float = -18.0
    peak_dbfs: float = -1.0
    mp3_bitrate: str = "32k"
    # Below 1: said more slowly, for a caller who asked for slower speech (ffmpeg's atempo keeps the pitch).
    tempo: float = 1.0

    def settings(self) -> dict[str, Any]:
        """Return the settings as plain data for the hash (the usual tempo left out, so that the files built
        before slower speech existed stay fresh)."""
        settings = asdict(self)
        if self.tempo == 1.0:
            del settings["tempo"]
        return settings


@dataclass(frozen=True)
class Processed:
    """A finished prompt file's bytes and length."""

    data: bytes
    duration: float


@dataclass(frozen=True)
class WavInfo:
    """The fmt chunk of a WAV file and the length of its samples."""

    format_tag: int
    channels: int
    sample_rate: int
    bits: int
    data_bytes: int

    @property
    def duration(self) -> float:
        """Return the length in seconds."""
        return self.data_bytes / (self.sample_rate * self.channels * self.bits // 8)


def process(sound: Sound, output: Output) -> Processed:
    """Turn an engine's or a recording's sound into the file Twilio plays."""
    segment = _decode(sound).set_channels(1)
    segment = _level(_trim(segment, output.silence_below_peak_db), output)
    # A short lead-in and tail: prompts played one after another get a natural pause between them.
    rate = segment.frame_rate
    segment = (
        AudioSegment.silent(output.lead_in_ms, rate) + segment + AudioSegment.silent(output.tail_ms, rate)
    )
    data = _encode(segment, output)
    seconds = len(segment) / 1000 / output.tempo
    if output.format == "wav":
        info = wav_info(data)
        if (info.format_tag, info.channels, info.sample_rate) != (WAVE_FORMAT_MULAW, 1, output.sample_rate):
            raise SynthesisError(f"ffmpeg wrote an unexpected WAV format: {info}")
        seconds = info.duration
    return Processed(data, round(seconds, 3))


def decode_file(path: Path) -> Sound:
    """Read a recording in any format ffmpeg reads as a 16-bit PCM WAV sound."""
    # Running ffmpeg directly: pydub would call ffprobe (not in the wheel) to learn an unknown codec.
    command = [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-c:a", "pcm_s16le"]
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "recording.wav"
        result = subprocess.run([*command, str(target)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SynthesisError(f"ffmpeg cannot read {path.name}: {result.stderr.strip()[-300:]}")
        return Sound(target.read_bytes(), "wav")


def _decode(sound: Sound) -> AudioSegment:
    """Decode with pydub; `codec` is passed so pydub never calls ffprobe."""
    return AudioSegment.from_file(io.BytesIO(sound.data), format=sound.format, codec=sound.codec)


def _trim(segment: AudioSegment, below_peak_db: float) -> AudioSegment:
    """Cut leading and trailing silence, measured from the peak so quiet recordings work too."""
    if segment.max_dBFS == float("-inf"):
        raise SynthesisError("the sound is silent")
    threshold = segment.max_dBFS - below_peak_db
    start = silence.detect_leading_silence(segment, silence_threshold=threshold)
    end = len(segment) - silence.detect_leading_silence(segment.reverse(), silence_threshold=threshold)
    if end - start < 100:
        raise SynthesisError("the sound is silent")
    return segment[start:end]


def _level(segment: AudioSegment, output: Output) -> AudioSegment:
    """Bring speech to the target loudness (RMS), but never let a peak go above `peak_dbfs`."""
    gain = min(output.loudness_dbfs - segment.dBFS, output.peak_dbfs - segment.max_dBFS)
    return segment.apply_gain(gain)


def _encode(segment: AudioSegment, output: Output) -> bytes:
    """Resample with ffmpeg's own resampler (pydub's set_frame_rate aliases) and encode."""
    buffer = io.BytesIO()
    common = ["-ar", str(output.sample_rate), "-ac", "1", *_BITEXACT]
    if output.tempo != 1.0:
        common = ["-filter:a", f"atempo={output.tempo}", *common]
    if output.format == "wav":
        segment.export(buffer, format="wav", codec="pcm_mulaw", parameters=common)
    else:
        bitrate = output.mp3_bitrate
        segment.export(buffer, format="mp3", codec="libmp3lame", bitrate=bitrate, parameters=common)
    return buffer.getvalue()


def wav_info(data: bytes) -> WavInfo:
    """Read a WAV file's format and sample length from its RIFF chunks."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    position, fmt, size = 12, None, None
    while position + 8 <= len(data):
        chunk, length = struct.unpack_from("<4sI", data, position)
        if chunk == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", data, position + 8)
        elif chunk == b"data":
            size = min(length, len(data) - position - 8)
        position += 8 + length + (length & 1)
    if fmt is None or size is None:
        raise ValueError("WAV file without fmt or data chunk")
    format_tag, channels, rate, _byte_rate, _align, bits = fmt
    return WavInfo(format_tag, channels, rate, bits, size)
