"""Playing built prompts: a Speaker that prefers fresh audio, and the route that serves the files."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, request, send_file
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Play

from ivr.audio.library import AudioFile, Library, default_folder
from ivr.component import Component
from ivr.line.content import Prompt
from ivr.line.speech import SaySpeaker, Speaker

bp = Blueprint("audio", __name__, url_prefix="/audio")
# Names carry the content hash, so a file never changes under its URL: caches may keep it for good.
CACHE_SECONDS = 31_536_000
# How often a running line looks whether `ivr build-audio` has written a new manifest.
LOOK_EVERY_SECONDS = 1.0


class AudioSpeaker:
    """Plays a prompt's built file when it was built from the prompt's current text; else <Say>."""

    def __init__(self, library: Library, base_url: str, fallback: Speaker) -> None:
        self.library = library
        self.base_url = base_url
        self.playable = library.playable(base_url)
        self.fallback = fallback
        self._next_look = 0.0

    def add(self, parent: TwiML, prompt: Prompt) -> None:
        """Append <Play> with the audio URL, or the fallback's <Say> when the audio is stale or absent.

        A sentence made of fragments is played fragment by fragment only when every fragment is fresh; one
        missing fragment and the whole sentence is <Say>, so a turn never switches voice mid-sentence.
        """
        urls = [self._url(part) for part in prompt.parts] if prompt.parts else [self._url(prompt)]
        if all(urls):
            for url in urls:
                parent.nest(Play(url))
        else:
            self.fallback.add(parent, prompt)

    def _url(self, prompt: Prompt) -> str | None:
        found = self.playable.get(prompt.id)
        return found[1] if found is not None and found[0] == prompt.text else None

    def refresh(self) -> bool:
        """Switch to a rebuilt audio folder's manifest, looking at most once a second; say if it changed.

        A build replaces the manifest atomically and keeps the files it stopped naming for a while, so a line
        that switches within a second never points a call at a missing file; a file gone from the disk is
        spoken with <Say> from the next look on.
        """
        now = time.monotonic()
        if now < self._next_look:
            return False
        self._next_look = now + LOOK_EVERY_SECONDS
        if not (self.library.reload_if_changed() or self.library.files_changed()):
            return False
        self.playable = self.library.playable(self.base_url)
        return True


class AudioFiles(Component):
    """Every line's built audio, by line id, and the route that serves the files Twilio plays."""

    extension = "ivr.audio"
    blueprint = bp

    def __init__(self, libraries: Mapping[str, Library], refresh: Callable[[], None]) -> None:
        self.libraries = dict(libraries)
        # Takes up a rebuilt folder in every line (its speaker and its cached documents together).
        self.refresh = refresh

    def file(self, name: str) -> AudioFile | None:
        """A built file any line's manifest has named, by its name."""
        for library in self.libraries.values():
            found = library.files.get(name)
            if found is not None:
                return found
        return None


def load(config: Mapping[str, Any], line: str | None = None) -> tuple[Library, AudioSpeaker]:
    """Load a line's audio folder once: IVR_AUDIO_DIR (else audio/), or its `line` sub-folder when the
    deployment has a folder of lines; return it and the speaker that plays from it."""
    base: Path = config["AUDIO_DIR"] or default_folder()
    loaded = Library.load(base / line if line else base)
    # Twilio resolves a path against the URL it called; IVR_PUBLIC_URL covers a proxy's path prefix.
    public = config["PUBLIC_URL"] or ""
    return loaded, AudioSpeaker(loaded, public, SaySpeaker(config["VOICE"]))


@bp.get("/<name>")
def audio(name: str) -> Response:
    """Serve a built prompt named in the manifest; anything else is 404."""
    files = AudioFiles.current()
    # Only names from the manifests are looked up, so no request can reach outside the folders. A name holds
    # the hash of its text and build settings, so two lines' files of one name are the same sound.
    found = files.file(name)
    if found is None:
        # A call step answered by another worker may already name a rebuild's file: look for a new manifest.
        files.refresh()
        found = files.file(name)
    if found is None:
        abort(404)
    if found.etag in request.if_none_match:
        # Answered before the file is opened: a cache revalidating costs no file system work.
        response = Response(status=304)
        response.set_etag(found.etag)
    else:
        try:
            response = send_file(
                found.path, mimetype=found.content_type, etag=found.etag, max_age=CACHE_SECONDS
            )
        except OSError:
            # Deleted by hand, or retired and removed by a later build: gone, not a fault of ours.
            abort(404)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.cache_control.immutable = True
    return response
