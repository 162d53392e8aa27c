"""The form of a question (`answers.py`): whether an utterance asks something, says no, or asks what a
word means.

Only a question is answered with a sentence ("komplikationer" names a section; "hvad er komplikationer" asks),
a question that says no only by a sentence that does too, and "hvad er en X" only by a sentence that says what
X is. Apart from `answers.py` because these read the whole utterance's shape, not its words as terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ivr.line.words import words_of

# Words that make an utterance a question rather than a topic ("komplikationer", "selve indgrebet" choose
# the section): a question word anywhere, a verb first ("må jeg spise", "er jeg vågen"), or three words.
_QUESTION_WORDS = "hvad hvor hvordan hvornår hvorfor hvem hvilken hvilket hvilke hvis mon"
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
_QUESTION_VERBS = "må skal kan er bliver får gør vil har kommer tager varer virker sover går bruger ringer"
QUESTION_VERBS = frozenset(_QUESTION_VERBS.split())
QUESTION_LENGTH = 3
BEFORE_OR_AFTER = frozenset(["før", "inden", "efter", "bagefter"])
# Question words a caller asks with rather than asks for an action ("hvor hurtigt" is no "hurtigere").
ASKING = frozenset(["hvad", "hvor", "hvordan", "hvornår", "hvorfor", "hvilken", "hvilket", "hvilke"])
# A question that says no is answered only by a sentence that does too.
NEGATIONS = frozenset({"ikke", "aldrig", "ingen", "intet"})
# "Hvad er X" asks what a word means: said with or without "det for en", an article or a filler.
WHAT_IS = re.compile(
    r"^hvad (?:er|betyder|menes med) (?:det for (?:en |et |noget ))?(?:(?:en|et|egentlig|så|nu) )*"
    r"(?!der )(?P<named>.+)$"
)
# ... and asks what a word means, rather than about the thing the leaflet names ("hvad er risikoen").
_MEANING = re.compile(r"^hvad (?:betyder|menes med|er (?:det for )?(?:en|et) )")


def asks_meaning(said: str) -> bool:
    """Tell whether a "hvad er X" question asks what a word means: X with an indefinite article, or
    "betyder"."""
    return bool(_MEANING.match(" ".join(words_of(said))))


def negated(text: str) -> bool:
    """Tell whether a text says no ("hvis blokaden ikke virker" is not answered by when it works)."""
    return any(word in NEGATIONS for word in words_of(text))


def asks_by_form(said: str) -> bool:
    """Tell whether an utterance is a question by its form, not by its length alone: a question word, or a
    question verb first, or put indirectly ("når jeg kommer hjem" and "det der med nerverne" name a topic)."""
    words = words_of(said)
    if _INDIRECT.search(" ".join(words)):
        return True
    return bool(words) and (words[0] in QUESTION_VERBS or any(word in QUESTION_WORDS for word in words))


def asks_leave(said: str) -> bool:
    """Tell whether a question asks leave or whether something can be done ("må jeg gå hjem bagefter",
    "om jeg kan ..."), which a sentence answers yes or no even where it names a section's topic."""
    words = words_of(the_question(said))
    if words[:1] == ["om"]:
        # Put indirectly, the verb comes after its subject.
        words = words[2:]
    return words[:1] in (["må"], ["kan"])


def is_question(words: Sequence[str]) -> bool:
    """Tell whether an utterance asks something, rather than naming a topic ("komplikationer")."""
    if len(words) >= QUESTION_LENGTH or (len(words) > 1 and BEFORE_OR_AFTER & set(words)):
        # Two words with before or after ask about that time ("spise inden", "bad bagefter").
        return True
    return bool(words) and (words[0] in QUESTION_VERBS or any(word in QUESTION_WORDS for word in words))


# A question asked indirectly after what the caller says first ("jeg skal have fjernet galdeblæren og vil
# gerne vide, hvornår jeg skal stoppe med at spise"): the question is what follows the asking verb.
_INDIRECT = re.compile(
    r"\b(?:vide|høre|spørge|spurgt|høres|hører|spørger)\s+(?=(?:om|hvad|hvor|hvordan|hvornår|hvorfor|hvilken|hvilket"
    r"|hvilke|hvem)\b)"
)


def the_question(said: str) -> str:
    """The words of the question itself: after the last asking verb of a question put indirectly ("vil gerne
    vide om ..."), else all of them."""
    words = " ".join(words_of(said))
    found = list(_INDIRECT.finditer(words))
    return words[found[-1].end() :] if found else said
