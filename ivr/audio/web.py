"""Playing built prompts: a Speaker that prefers fresh audio, and the route that serves the files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, request, send_file
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Play

from ivr import state
from ivr.audio.library import Library, default_folder
from ivr.line.content import Prompt
from ivr.line.speech import SaySpeaker, Speaker

bp = Blueprint("audio", __name__, url_prefix="/audio")
# Names carry the content hash, so a file never changes under its URL: caches may keep it for good.
CACHE_SECONDS = 31_536_000


class AudioSpeaker:
    """Plays a prompt's built file when it was built from the prompt's current text; else <Say>."""

    def __init__(self, library: Library, playable: Mapping[str, tuple[str, str]], fallback: Speaker) -> None:
        self.library = library
        self.playable = dict(playable)
        self.fallback = fallback

    def add(self, parent: TwiML, prompt: Prompt) -> None:
        """Append <Play> with the audio URL, or the fallback's <Say> when the audio is stale or absent."""
        found = self.playable.get(prompt.id)
        if found is not None and found[0] == prompt.text:
            parent.nest(Play(found[1]))
        else:
            self.fallback.add(parent, prompt)


def load(config: Mapping[str, Any]) -> tuple[Library, AudioSpeaker]:
    """Load the audio folder (IVR_AUDIO_DIR) once; return it and the speaker that plays from it."""
    folder: Path = config["AUDIO_DIR"] or default_folder()
    loaded = Library.load(folder)
    # Twilio resolves a path against the URL it called; IVR_PUBLIC_URL covers a proxy's path prefix.
    base = config["PUBLIC_URL"] or ""
    return loaded, AudioSpeaker(loaded, loaded.playable(base), SaySpeaker(config["VOICE"]))


@bp.get("/<name>")
def audio(name: str) -> Response:
    """Serve a built prompt named in the manifest; anything else is 404."""
    loaded = state.current().audio
    # Only names from the manifest are looked up, so no request can reach outside the folder.
    found = loaded.files.get(name)
    if found is None:
        abort(404)
    if found.etag in request.if_none_match:
        # Answered before the file is opened: a cache revalidating costs no file system work.
        response = Response(status=304)
        response.set_etag(found.etag)
    else:
        response = send_file(found.path, mimetype=found.content_type, etag=found.etag, max_age=CACHE_SECONDS)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.cache_control.immutable = True
    return response
