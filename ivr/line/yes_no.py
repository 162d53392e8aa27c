"""A caller's answer to a question back ("Mente du ...?"): yes, no, or neither.

Apart from the matcher of choices (`ivr/line/understanding.py`) because an answer to a question back is not
matched against the line's phrases: it is yes or no whatever line asked, read from Danish's own words.
"""

from __future__ import annotations

from ivr.line.heard_words import NO_WORDS, YES_WORDS
from ivr.line.words import words_of


def is_yes(said: str) -> bool:
    """Tell whether an answer to "Mente du ...?" is yes: a yes-word, and no no-word ("ja" but not "nej")."""
    words = words_of(said)
    return any(word in YES_WORDS for word in words) and not any(word in NO_WORDS for word in words)


def is_no(said: str) -> bool:
    """Tell whether an answer to a question back is no: a no-word, and no yes-word."""
    words = words_of(said)
    return any(word in NO_WORDS for word in words) and not any(word in YES_WORDS for word in words)
