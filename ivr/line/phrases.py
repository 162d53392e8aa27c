"""A line's phrases read for the understanding of speech: each key's phrases (from the content file) cut into
words, filler words dropped, the rest stemmed, and the points each stem gives each key.

Apart from the matcher (`ivr/line/understanding.py`) because this is built once per line from the content and
never sees an utterance; the matcher and the known words (`ivr/line/known_words.py`) read what it builds.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ivr.line.heard_words import FILLER_WORDS, PARTICLES, PRESSING
from ivr.line.keypad import KEYPAD
from ivr.line.words import stem, words_of

# A phrase's one content word followed by a particle ("lagt om", "fat i", "følge op") is a particle verb: the
# word alone means something else ("hvordan bliver blokaden lagt"), so without its particle after it in the
# utterance it gives this share of its point, too little to act on or ask about alone.
PARTICLE_ALONE = 0.4

# Words no phrase's topic is: fillers, and pressing a key ("hvad kan jeg trykke" is a phrase of fillers, heard
# word for word, so "jeg har trykket forkert" is not the menu).
NOT_CONTENT = FILLER_WORDS | PRESSING


@dataclass(frozen=True)
class Phrase:
    """One phrase of a key: its content stems, or its whole words when it has no content words."""

    key: str
    text: str
    stems: tuple[str, ...]
    words: tuple[str, ...]
    # The particle after the phrase's one content word, when it is a particle verb ("om" in "lagt om").
    particle: str | None = None


def parse_phrases(phrases: Mapping[str, Sequence[str]]) -> list[Phrase]:
    """The phrases cut into words and stems, checked."""
    parsed: list[Phrase] = []
    for key, texts in phrases.items():
        if key not in KEYPAD:
            raise ValueError(f"phrases for {key!r}: not a keypad key")
        if not texts:
            raise ValueError(f"phrases for {key!r}: no phrases")
        for text in texts:
            words = tuple(words_of(text))
            if not words:
                raise ValueError(f"phrases for {key!r}: {text!r} has no words")
            stems = tuple(dict.fromkeys(stem(w) for w in words if w not in NOT_CONTENT))
            parsed.append(Phrase(key, text, stems, words, _particle(words, stems)))
    return parsed


def points_of(phrases: Sequence[Phrase], *, particles: bool = True) -> dict[str, dict[str, float]]:
    """For each content stem, the points it gives each key: the most any of the key's phrases gives it;
    a particle verb's share without its particle, unless `particles` is false."""
    points: dict[str, dict[str, float]] = {}
    for phrase in phrases:
        share = PARTICLE_ALONE if particles and phrase.particle is not None else 1.0
        for stemmed in phrase.stems:
            per_key = points.setdefault(stemmed, {})
            per_key[phrase.key] = max(per_key.get(phrase.key, 0.0), share / len(phrase.stems))
    return points


def _particle(words: Sequence[str], stems: Sequence[str]) -> str | None:
    """The particle right after a phrase's one content word ("om" in "lagt om", "i" in "fat i"), if any."""
    if len(stems) != 1:
        return None
    for word, following in itertools.pairwise(words):
        if word not in FILLER_WORDS and following in PARTICLES:
            return following
    return None


def round_robin(phrases: Sequence[Phrase], keys: Sequence[str]) -> list[Phrase]:
    """The phrases in turns: every key's first, then every key's second, and so on."""
    queues = {key: [p for p in phrases if p.key == key] for key in keys}
    ordered: list[Phrase] = []
    for turn in range(max(len(queue) for queue in queues.values())):
        ordered.extend(queue[turn] for queue in queues.values() if turn < len(queue))
    return ordered
