"""Audio several nodes can share: the same text, voice and settings give the same file name and the same
bytes, whatever the order a build speaks the prompts in (espeak-ng keeps state from one text to the next)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.audio import manifest
from ivr.audio.build import build
from ivr.audio.engines import EspeakEngine
from ivr.line.content_loader import load_content


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


@pytest.mark.slow
def test_two_builds_in_opposite_orders_make_the_same_files_byte_for_byte(tmp_path: Path) -> None:
    prompts = [prompt for prompt in load_content().audio_prompts() if not prompt.id.startswith("fragment")]
    prompts = prompts[:30]
    one, other = tmp_path / "node-a", tmp_path / "node-b"
    assert not build(prompts, one, EspeakEngine()).failed
    assert not build(list(reversed(prompts)), other, EspeakEngine()).failed
    assert manifest.load(one) == manifest.load(other)
    built_one, built_other = files(one), files(other)
    assert len(built_one) == len(prompts) + 1  # every prompt's file and the manifest
    different = sorted(name for name in built_one if built_one[name] != built_other.get(name))
    assert different == []


def test_the_same_text_said_twice_gives_the_same_sound() -> None:
    engine = EspeakEngine()
    first = engine.synthesize("Velkommen til ambulatoriet.")
    engine.synthesize("Noget helt andet imellem, med et spørgsmål?")
    assert engine.synthesize("Velkommen til ambulatoriet.") == first
