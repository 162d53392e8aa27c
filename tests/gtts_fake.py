"""Google Translate's TTS endpoint as gTTS sees it, answered by `responses` with canned audio: no network."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs

import responses

from ivr.audio.engines import Sound
from ivr.audio.processing import Output, process

URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"


def batchexecute_body(audio: bytes) -> str:
    """Return a batchexecute answer in the shape gTTS parses: an RPC line holding the base64 MP3."""
    compact = {"separators": (",", ":")}
    payload = json.dumps([base64.b64encode(audio).decode("ascii")], **compact)
    rpc = json.dumps([["wrb.fr", "jQ1olc", payload, None, None, None, "generic"], ["di", 58]], **compact)
    tail = json.dumps([["e", 4, None, None, len(rpc) + 60]], **compact)
    return f")]}}'\n\n{len(rpc)}\n{rpc}\n{len(tail)}\n{tail}\n"


def sent(mock: responses.RequestsMock) -> list[list[object]]:
    """Return the [text, language, speed, ...] of every request gTTS sent, from its f.req form field."""
    parameters = []
    for call in mock.calls:
        body = call.request.body
        form = parse_qs(body if isinstance(body, str) else (body or b"").decode())
        rpc = json.loads(form["f.req"][0])
        parameters.append(json.loads(rpc[0][0][1]))
    return parameters


def sent_texts(mock: responses.RequestsMock) -> list[str]:
    """Return the text of every request gTTS sent."""
    return [str(parameters[0]) for parameters in sent(mock)]


def mp3_of(sound: Sound) -> bytes:
    """Encode real speech as the MP3 Google would send."""
    return process(sound, Output(format="mp3", sample_rate=24000, lead_in_ms=0, mp3_bitrate="64k")).data
