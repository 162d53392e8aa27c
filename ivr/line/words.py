"""A text's words and their Danish stems: the one way the understanding of speech, the word lists, the answers
and the clinic's synonyms cut and stem Danish, so a caller's words, a phrase and a leaflet's sentence meet.

Apart from the understanding because the answers and the synonyms read text this way too, and need nothing
else of it. Stems are snowballstemmer's Danish stemmer: "komplikationerne" and "komplikation" are one word.
"""

from __future__ import annotations

import re

import snowballstemmer  # type: ignore[import-untyped]  # no stubs; pyproject's mypy overrides should list it

_WORD = re.compile(r"[0-9a-zæøåéüöä]+")
_STEMMER = snowballstemmer.stemmer("danish")


def words_of(text: str) -> list[str]:
    """The lower-case words of a text, punctuation dropped."""
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """The Danish stem of a word."""
    return str(_STEMMER.stemWord(word))
