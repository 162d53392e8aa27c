"""The cues of the asking (`answers.py`): what a question asks for beyond its words, and what a sentence
gives.

"Hvor lang tid" asks for a duration, "hvornår" for a moment, "hvorfor" for a reason, "hvor mange" for an
amount; a sentence giving one ("cirka 15 minutter", "fordi ...", "fem kilo") holds the cue as a term of its
own, so a question is matched with a sentence that gives what it asks for. Apart from `answers.py` because
these are the phrases and patterns of one idea, read on both sides, while the index there only weighs the
cues with the words.
"""

from __future__ import annotations

import re

from ivr.line.answers_terms import STOP_WORDS
from ivr.line.words import stem, words_of

# What a question asks for, beyond its words: "hvor lang tid", "hvor længe" ask for a duration, "hvornår"
# for a moment, "hvorfor" for a reason. A sentence that gives one holds the cue as a term of its own, so
# "hvor lang tid tager det" finds "tager omkring en time" in a leaflet no one has taught "lang tid". (Not a
# word: no caller says it.)
DURATION, MOMENT, REASON, AMOUNT = "\x01varighed", "\x01tidspunkt", "\x01grund", "\x01antal"
# "Hvor lang tid tager det" asks how long the procedure itself lasts: a sentence whose duration is what
# something takes or lasts ("tager omkring en time"), not how long a rule holds ("i to uger").
LASTING = "\x01forløb"
CUES = (DURATION, MOMENT, REASON, AMOUNT, LASTING)
# "Hvor mange kilo" asks for a count of kilos: a sentence with a number of them ("fem kilo"), held as the
# amount cue and the counted word's stem; a count of something no sentence counts ("hvor mange rodblokader")
# is not answered by a number of something else ("af to grunde").
COUNTED = AMOUNT + ":"
# "Hvor mange", "hvor meget" ask for an amount: only a sentence with a number answers ("hvor mange sår får
# jeg" is not answered by "blødning fra sårene"). A number is in sentences on anything ("af to grunde"), so
# an amount, unlike the other cues, never makes a sentence specific with the question's words.
SPECIFIC_CUES = frozenset((DURATION, MOMENT, REASON, LASTING))
_AMOUNT_ASKED = ("hvor mange", "hvor meget")
_NUMBER = r"(?:\d+|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|femten|tyve|hundrede)"
_AMOUNT_SAID = re.compile(rf"\b{_NUMBER} (?!til\b)(?P<counted>\w+)")
_COUNTED_ASKED = re.compile(r"\bhvor mange (?P<counted>\w+)")
_DURATION_ASKED = (
    "hvor lang tid",
    "hvor længe",
    "længe",
    "hvor mange minutter",
    "hvor mange timer",
    "lang tid",
    "lang",
)
_MOMENT_ASKED = ("hvornår",)
# A duration before or after the procedure is a moment ("hvor længe før", "hvor mange timer inden").
_HOW_LONG_BEFORE = re.compile(r"\b(?:hvor længe|hvor lang tid|hvor mange \w+) (?:før|inden|efter|forud)\b")
# "Hvad skal blokaden bruges til" asks what it is for, as "hvorfor" does.
_REASON_ASKED = ("hvorfor", "bruges til", "bruge til", "godt for", "til hvad")
# ... as does "hvad bruger i rodblokader til": "hvad", ending with "til".
_WHAT_FOR = re.compile(r"^ hvad .* til $")
_REASON_SAID = re.compile(
    r"\b(?:for at|fordi|grund|grunde|skyldes|derfor|formål|formålet|på grund af|forårsage|forårsager"
    r"|så vi|så du|så at)\b"
)
_UNITS = "minut minutter time timer døgn døgnet dag dage uge uger måned måneder"
_UNIT = rf"(?:{'|'.join(_UNITS.split())})"
TIME_UNITS = frozenset(stem(word) for word in _UNITS.split())
_COUNT = r"(?:\d+|en|et|to|tre|fire|fem|seks|syv|otte|ni|ti|par|få|nogle|første|halv)"
# A count and a unit is a duration, unless it says when ("efter 4 uger", "to timer før").
_DURATION_SAID = re.compile(rf"\b(?<!efter )(?<!om ){_COUNT} {_UNIT}\b(?! før| efter| inden)|\bkort tid\b")
# What something takes or lasts: the verb, then the duration within a few words.
_LASTING_VERBS = r"(?:tager|varer|tog|varede)"
_LASTING_SAID = re.compile(rf"\b{_LASTING_VERBS}\b(?: \w+){{0,3}} (?:\w+ )?{_COUNT} {_UNIT}\b")
# Asked: the verb in a question for a duration, unless what lasts is said after it ("hvor lang tid tager det
# at komme sig" asks about something else), or "lang" of a thing ("er operationen lang": it lasts long).
# "Hvor lang tid tager det at komme sig": how long something else takes, said after "at".
_TAKES_TO = re.compile(r"\b(?:tager|varer) det at (?P<what>.+)$")
_LASTING_ASKED = re.compile(r"\b(?:tager|varer|tage|vare)\b(?! det at\b)|\blang\b(?! tid\b)")
# A sentence opening with "ved" says when ("Ved kraftig blødning ... skal du ringe 112").
_MOMENT_SAID = re.compile(
    r"^ved\b|\b(?:efter|før|inden|indtil|når|hvis|øjeblikligt|umiddelbart|midnat|morgenen|aftenen|i løbet af"
    r"|dagen)\b"
)


def is_cue(term: str) -> bool:
    """Tell whether a term is what a question asks for (a cue), not a word."""
    return term.startswith("\x01")


def cues_given(text: str) -> list[str]:
    """What a sentence gives beyond its words: a duration ("cirka 15 minutter"), a moment ("før
    indgrebet"), a reason ("fordi"), an amount ("fem kilo")."""
    lower = " ".join(words_of(text))
    duration = bool(_DURATION_SAID.search(lower))
    moment = duration or bool(_MOMENT_SAID.search(lower))
    reason, amount = bool(_REASON_SAID.search(lower)), bool(_AMOUNT_SAID.search(lower))
    lasting = bool(_LASTING_SAID.search(lower))
    counted = [COUNTED + stem(found["counted"]) for found in _AMOUNT_SAID.finditer(lower)]
    return (
        [DURATION] * duration
        + [MOMENT] * moment
        + [REASON] * reason
        + [AMOUNT] * amount
        + [LASTING] * lasting
        + counted
    )


def cues_asked(said: str) -> list[str]:
    """What a question asks for beyond its words: a duration, a moment, a reason, an amount."""
    lower = f" {' '.join(words_of(said))} "
    asked = [
        (DURATION, _DURATION_ASKED),
        (MOMENT, _MOMENT_ASKED),
        (REASON, _REASON_ASKED),
        (AMOUNT, _AMOUNT_ASKED),
    ]
    cues = [cue for cue, phrases in asked if any(f" {phrase} " in lower for phrase in phrases)]
    if REASON not in cues and _WHAT_FOR.search(lower):
        cues.append(REASON)
    if DURATION in cues and _LASTING_ASKED.search(lower):
        cues.append(LASTING)
    if DURATION in cues and _HOW_LONG_BEFORE.search(lower):
        # "Hvor længe før operationen må jeg drikke" asks for a moment: "indtil to timer før".
        return [MOMENT if cue == DURATION else cue for cue in cues if cue not in (MOMENT, LASTING, AMOUNT)]
    # "Hvor mange timer" asks for a duration, which "omkring en time" gives without a number.
    if DURATION in cues:
        return [cue for cue in cues if cue != AMOUNT]
    counted = _COUNTED_ASKED.search(lower)
    if counted is not None and counted["counted"] not in STOP_WORDS:
        cues.append(COUNTED + stem(counted["counted"]))
    return cues


def takes_unknown(said: str) -> bool:
    """Tell whether a question asks how long something takes that it says only in words naming nothing
    ("hvor lang tid tager det at komme sig")."""
    takes = _TAKES_TO.search(" ".join(words_of(said)))
    return takes is not None and all(word in STOP_WORDS for word in takes["what"].split())
