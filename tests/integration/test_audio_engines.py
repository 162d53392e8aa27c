"""The engines: gTTS through its real code path against canned HTTP answers, and espeak-ng offline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import responses

from ivr.audio.engines import (
    EspeakEngine,
    GttsEngine,
    Sound,
    SynthesisError,
    TransientError,
    danish_abbreviations,
)
from ivr.audio.processing import wav_info
from tests.support import URL, batchexecute_body, mp3_of, sent, sent_texts


@pytest.fixture(scope="module")
def speech() -> Sound:
    return EspeakEngine().synthesize("Velkommen til Neurokirurgisk Ambulatorium.")


@pytest.fixture(scope="module")
def mp3(speech: Sound) -> bytes:
    return mp3_of(speech)


@pytest.fixture
def google() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Det sker først.", "Det sker først."),
        ("Spørg en dr. eller en læge.", "Spørg en dr. eller en læge."),
        ("Vi åbner kl. 10.", "Vi åbner klokken 10."),
        ("Det tager ca. 15 minutter.", "Det tager cirka 15 minutter."),
        ("Tag tøj, sko osv. Kom i god tid.", "Tag tøj, sko og så videre. Kom i god tid."),
        ("Husk sko osv.", "Husk sko og så videre."),
        ("Kl. 10 åbner vi.", "klokken 10 åbner vi."),
    ],
)
def test_danish_abbreviations_are_written_out_and_sentence_ends_kept(text: str, expected: str) -> None:
    assert danish_abbreviations(text) == expected


def test_gtts_returns_the_mp3_google_sends(google: responses.RequestsMock, mp3: bytes) -> None:
    google.post(URL, body=batchexecute_body(mp3))
    sound = GttsEngine().synthesize("Velkommen.")
    assert sound == Sound(mp3, "mp3", codec="mp3")
    assert sent_texts(google) == ["Velkommen."]


def test_gtts_keeps_the_full_stop_after_danish_words_ending_in_st(
    google: responses.RequestsMock, mp3: bytes
) -> None:
    google.post(URL, body=batchexecute_body(mp3))
    GttsEngine().synthesize("Det sker først.")
    assert sent_texts(google) == ["Det sker først."]


def test_gtts_sends_long_texts_as_whole_sentences(google: responses.RequestsMock, mp3: bytes) -> None:
    google.post(URL, body=batchexecute_body(mp3))
    text = (
        "Læs dette først. Tag en kollega med, hvis du har lyst, og kom i god tid før aftalen om morgenen. "
        "Vi bruger et lokalbedøvende stof. Det virker hurtigt. Ring den 4. januar, hvis du er i tvivl."
    )
    GttsEngine().synthesize(text)
    parts = sent_texts(google)
    assert " ".join(parts) == text
    assert all(len(part) <= 100 and part.endswith(".") for part in parts), parts
    assert "den 4. januar" in " ".join(parts)


def test_gtts_sends_kl_and_its_hour_in_one_request(google: responses.RequestsMock, mp3: bytes) -> None:
    google.post(URL, body=batchexecute_body(mp3))
    text = "Sekretariatet har åbent mandag til fredag kl. 10 til 14, og det lukker på helligdage og i julen."
    GttsEngine().synthesize(text + " Ring igen senere.")
    parts = sent_texts(google)
    assert any("klokken 10 til 14" in part for part in parts), parts
    assert not any(part.rstrip(".").endswith("kl") for part in parts)


def test_gtts_asks_for_danish_at_normal_speed(google: responses.RequestsMock, mp3: bytes) -> None:
    google.post(URL, body=batchexecute_body(mp3))
    GttsEngine().synthesize("Farvel.")
    assert sent(google)[0][1:3] == ["da", None]


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError("no route to host")},
        {"status": 500, "body": "server error"},
        {"status": 503, "body": "busy"},
        {"status": 429, "body": "too many requests"},
    ],
)
def test_network_and_server_trouble_is_transient(
    google: responses.RequestsMock, answer: dict[str, object]
) -> None:
    google.post(URL, **answer)
    with pytest.raises(TransientError):
        GttsEngine().synthesize("Velkommen.")


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 403, "body": "forbidden"},
        {"status": 200, "body": ')]}\'\n\n12\n[["wrb.fr","jQ1olc",null]]\n'},
    ],
)
def test_refusals_are_not_retried(google: responses.RequestsMock, answer: dict[str, object]) -> None:
    google.post(URL, **answer)
    with pytest.raises(SynthesisError) as raised:
        GttsEngine().synthesize("Velkommen.")
    assert not isinstance(raised.value, TransientError)


def test_espeak_speaks_danish_offline_as_pcm_wav(speech: Sound) -> None:
    info = wav_info(speech.data)
    assert speech.format == "wav"
    assert (info.format_tag, info.channels, info.bits) == (1, 1, 16)
    assert 1.0 < info.duration < 6.0


def test_espeak_speaks_longer_text_for_longer(speech: Sound) -> None:
    longer = EspeakEngine().synthesize("Velkommen til Neurokirurgisk Ambulatorium. " * 3)
    assert wav_info(longer.data).duration > 2.5 * wav_info(speech.data).duration
