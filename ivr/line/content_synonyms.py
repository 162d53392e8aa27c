"""The content file's `[synonyms]`: a clinic's own words for the leaflet's ("narkose" = "bedøvelse"), so a
question asked in them finds the leaflet's sentence (`ivr/line/answers.py`). Read and checked here; the
messages are for staff, so in Danish."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ivr.line.words import stem, words_of

Fail = Callable[[str, str], None]
# A synonym stands for a word or a short phrase of the leaflet.
MOST_WORDS = 4


def read(data: Mapping[str, Any], texts: Iterable[str], fail: Fail) -> dict[str, str]:
    """The synonyms, each word with the leaflet's words it stands for; every problem told to `fail`."""
    table = data.get("synonyms")
    if table is None:
        return {}
    if not isinstance(table, dict):
        fail("synonyms", 'skal være en tabel af ord, f.eks. narkose = "bedøvelse"')
        return {}
    known = {stem(word) for text in texts for word in words_of(text)}
    synonyms: dict[str, str] = {}
    for word, meant in table.items():
        where = f"synonyms.{word}"
        if " ".join(words_of(word)) != word or len(words_of(word)) > MOST_WORDS:
            fail(
                where,
                f'skal være højst {MOST_WORDS} ord med små bogstaver, f.eks. narkose eller "lang tid"',
            )
        elif not isinstance(meant, str) or not words_of(meant):
            fail(where, 'er tom: skriv det ord, folderen bruger, f.eks. "bedøvelse"')
        elif len(words_of(meant)) > MOST_WORDS:
            fail(where, f"må højst være {MOST_WORDS} ord fra folderen")
        else:
            unknown = [w for w in words_of(meant) if stem(w) not in known]
            if unknown:
                fail(where, f"{', '.join(unknown)} står ikke i afsnittene: skriv et ord, folderen bruger")
            else:
                synonyms[word] = " ".join(words_of(meant))
    for word in synonyms:
        problem = _leads_on(word, synonyms)
        if problem is not None:
            fail(f"synonyms.{word}", problem)
    return synonyms


def _leads_on(word: str, synonyms: Mapping[str, str]) -> str | None:
    """A synonym whose words are synonyms themselves: a loop, or a chain staff should write straight."""
    seen = [word]
    current = word
    while True:
        onward = [w for w in words_of(synonyms[current]) if w in synonyms and w != current]
        if synonyms[current] == current:
            return "peger på sig selv"
        if not onward:
            return (
                None
                if current == word
                else f"peger videre gennem {' → '.join(seen)}: skriv folderens ord direkte"
            )
        current = onward[0]
        if current in seen:
            return f"danner en løkke: {' → '.join([*seen, current])}"
        seen.append(current)
