"""Processing: telephone format, trimmed, levelled, with a lead-in, from engines and recordings alike."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ivr.audio.engines import EspeakEngine, Sound, SynthesisError
from ivr.audio.processing import WAVE_FORMAT_MULAW, Output, decode_file, process, wav_info
from tests.support import AudioSegment, decoded

TEXT = "Et øjeblik. Jeg stiller dig om til sekretariatet."


@pytest.fixture(scope="module")
def speech() -> Sound:
    return EspeakEngine().synthesize(TEXT)


def wav_sound(segment: AudioSegment) -> Sound:
    buffer = io.BytesIO()
    segment.export(buffer, format="wav")
    return Sound(buffer.getvalue(), "wav")


def segment_of(sound: Sound) -> AudioSegment:
    return AudioSegment.from_file(io.BytesIO(sound.data), format="wav")


def test_output_is_8khz_mono_8bit_mulaw_wav(speech: Sound) -> None:
    built = process(speech, Output())
    info = wav_info(built.data)
    assert (info.format_tag, info.channels, info.sample_rate, info.bits) == (WAVE_FORMAT_MULAW, 1, 8000, 8)
    assert info.duration == pytest.approx(built.duration, abs=0.02)
    assert 1.5 < built.duration < 6


def test_output_is_speech_at_the_target_loudness_between_a_silent_lead_in_and_tail(speech: Sound) -> None:
    audio = decoded(process(speech, Output(lead_in_ms=200, tail_ms=300)).data)
    assert audio.frame_rate == 8000
    assert audio[:180].dBFS < -60
    assert audio[-280:].dBFS < -60
    assert audio[200:-300].dBFS == pytest.approx(-18, abs=3)
    assert audio.max_dBFS <= -0.5


def test_quiet_and_loud_input_come_out_equally_loud(speech: Sound) -> None:
    source = segment_of(speech)
    quiet = decoded(process(wav_sound(source.apply_gain(-40)), Output()).data)
    loud = decoded(process(wav_sound(source.apply_gain(+0)), Output()).data)
    assert quiet.dBFS == pytest.approx(loud.dBFS, abs=1.5)


def test_silence_around_speech_is_trimmed(speech: Sound) -> None:
    source = segment_of(speech)
    padded = (
        AudioSegment.silent(1500, source.frame_rate) + source + AudioSegment.silent(2000, source.frame_rate)
    )
    plain = process(speech, Output())
    trimmed = process(wav_sound(padded), Output())
    assert trimmed.duration == pytest.approx(plain.duration, abs=0.05)


def test_a_silent_sound_is_an_error_not_a_prompt() -> None:
    with pytest.raises(SynthesisError, match="silent"):
        process(wav_sound(AudioSegment.silent(3000, 22050)), Output())


def test_the_same_input_gives_the_same_bytes(speech: Sound) -> None:
    assert process(speech, Output()).data == process(speech, Output()).data


def test_mp3_output_is_8khz_mono(speech: Sound) -> None:
    built = process(speech, Output(format="mp3"))
    audio = decoded(built.data, codec="mp3")
    assert (audio.frame_rate, audio.channels) == (8000, 1)
    assert len(audio) / 1000 == pytest.approx(built.duration, abs=0.15)
    assert audio.dBFS > -24


@pytest.mark.parametrize("extension", ["mp3", "wav"])
def test_recordings_in_other_formats_are_read(speech: Sound, tmp_path: Path, extension: str) -> None:
    recording = tmp_path / f"welcome.{extension}"
    source = segment_of(speech)
    with recording.open("wb") as out:
        source.set_channels(2).export(out, format=extension)
    built = process(decode_file(recording), Output())
    assert wav_info(built.data).sample_rate == 8000
    assert built.duration == pytest.approx(process(speech, Output()).duration, abs=0.15)


def test_an_unreadable_recording_is_named(tmp_path: Path) -> None:
    recording = tmp_path / "welcome.wav"
    recording.write_bytes(b"not audio at all")
    with pytest.raises(SynthesisError, match=r"welcome\.wav"):
        decode_file(recording)
