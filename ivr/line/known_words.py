"""The words a line's phrases know, and the known stem each word of an utterance stands for, recognition
errors forgiven.

Recognition errors are forgiven three ways: up to three neighbouring words are also tried joined, exactly
("kom pli kationer"), a word may be a near miss of a known one ("sekretæriatet"), and a compound counts as
its known last part ("lokalbedøvelse") or, lower, its first ("røntgenbilledet"). Near misses use rapidfuzz
(`fuzz.ratio` through `process.extractOne` with a cut-off), not difflib: the same measure, but in C and
stopping early below the cut-off, two orders of magnitude faster. A near miss counts with its similarity.
A stem under five letters counts only for its inflections or a known word: the stemmer cuts unrelated words
to one short stem ("virkelig" and "virker" are "virk", "farligt" and "far" "far").

Apart from the matcher (`ivr/line/understanding.py`) because this only finds which known words were heard;
what they mean, and whether to act on them, the matcher decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz, process

from ivr.line.heard_words import CONTEXT_WORDS, FILLER_WORDS, KEY_NAMING_WORDS, NUMBER_WORDS, ORDINALS
from ivr.line.phrases import NOT_CONTENT, Phrase
from ivr.line.words import stem

# How near a heard word must be to a known one (rapidfuzz ratio, 0-100, same first letter); words shorter
# than NEAR_MISS_MIN_LENGTH must match exactly ("mand" is no near miss of "mad").
NEAR_MISS_CUTOFF = 85.0
NEAR_MISS_MIN_LENGTH = 5
# A word ending in a known stem this long is a compound of it ("lokalbedøvelse"), counted at this similarity;
# a word starting with a longer one is a compound it qualifies ("røntgenbilledet"), counted lower.
COMPOUND_HEAD_MIN_LENGTH = 6
# A compound's first part has at least this many letters: "bestille" is no compound of "stille".
COMPOUND_PART = 3
COMPOUND_SIMILARITY = 0.9
COMPOUND_MODIFIER_MIN_LENGTH = 6
COMPOUND_MODIFIER_SIMILARITY = 0.8
# The stemmer cuts some words to a short stem another word shares ("virkelig" and "virker" are "virk", "lægge"
# and "lægen" "læg", "farlig" "far"): a stem shorter than this counts only for a word that is the stem with an
# inflection's ending, or a near miss of a known word.
SHORT_STEM = 5
_INFLECTIONS = "e en et er ere erne ene es s t te ede ende r n ne ens ets rne"
INFLECTIONS = frozenset(_INFLECTIONS.split())
# Up to this many neighbouring words are tried joined ("kom pli kationer").
JOIN_AT_MOST = 3


class KnownWords:
    """The known words of a line's phrases, built once, and the known stems an utterance's words stand for."""

    def __init__(self, phrases: Sequence[Phrase], points: Mapping[str, Mapping[str, float]]) -> None:
        """phrases: the line's phrases; points: the points each of their stems gives each key."""
        self._points = points
        # Near misses are sought among the stems and the phrases' own words, since the stemmer cuts some
        # inflections of one word apart ("valgmuligheder": "valgmu", "valgmulighederne": "valgmulighed").
        self.forms = _forms(phrases)
        self._by_initial: dict[str, list[str]] = {}
        # Near misses are of words as long as NEAR_MISS_MIN_LENGTH, both the heard and the known ("karen" is
        # no near miss of "klar").
        for form in sorted(f for f in self.forms if len(f) >= NEAR_MISS_MIN_LENGTH):
            self._by_initial.setdefault(form[0], []).append(form)
        self._heads = [form for form in self.forms if len(form) >= COMPOUND_HEAD_MIN_LENGTH]
        self._modifiers = [form for form in self.forms if len(form) >= COMPOUND_MODIFIER_MIN_LENGTH]

    def heard_stems(self, words: Sequence[str]) -> tuple[list[tuple[str, float]], int]:
        """The known stems the words stand for, each with its similarity (1.0 for an exact match), and
        whether a word carries meaning the line does not know (no filler, key name or known word)."""
        found: list[tuple[str, float]] = []
        unknown = 0
        singles = [self._nearest(word) for word in words]
        index = 0
        while index < len(words):
            # The longest run of words that, joined, is a known word at least as near as each alone.
            for size in range(min(JOIN_AT_MOST, len(words) - index), 1, -1):
                if all(word in FILLER_WORDS for word in words[index : index + size]):
                    continue  # "man der" is two words, not a near miss of "maden"
                joined = self._nearest("".join(words[index : index + size]), joined=True)
                alone = max(_similarity(single) for single in singles[index : index + size])
                if joined is not None and joined[1] >= alone:
                    found.append(joined)
                    index += size
                    break
            else:
                single = singles[index]
                if single is not None:
                    found.append(single)
                unknown += single is None and _carries_meaning(words[index])
                index += 1
        return found, unknown

    def _nearest(self, word: str, *, joined: bool = False) -> tuple[str, float] | None:
        """The known stem nearest a word, if near enough; filler words stand for nothing."""
        if word in FILLER_WORDS and not joined:
            return None
        stemmed = stem(word)
        if word in self.forms:
            return self.forms[word], 1.0
        if stemmed in self._points and (len(stemmed) >= SHORT_STEM or word[len(stemmed) :] in INFLECTIONS):
            return stemmed, 1.0
        # Words run together must make a known word exactly: "man der" is no near miss of "maden", nor
        # "gerne bestille" a compound of "stille".
        if joined or len(word) < NEAR_MISS_MIN_LENGTH:
            return None
        # A near miss keeps the word's first letter: recognition errors keep its first sound, while a changed
        # start is most often another word ("bestille" is not "stille").
        candidates = self._by_initial.get(word[0], [])
        nearest = [
            process.extractOne(query, candidates, scorer=fuzz.ratio, score_cutoff=NEAR_MISS_CUTOFF)
            for query in (stemmed, word)
        ]
        found = [(self.forms[form], score / 100.0) for form, score, _ in filter(None, nearest)]
        if found:
            return max(found, key=lambda match: match[1])
        return self._compound(word, stemmed)

    def _compound(self, word: str, stemmed: str) -> tuple[str, float] | None:
        """The known stem a compound stands for: its known last part, else its known first part."""
        heads = [
            form
            for form in self._heads
            if (word.endswith(form) or stemmed.endswith(form)) and len(word) - len(form) >= COMPOUND_PART
        ]
        if heads:
            return self.forms[max(heads, key=len)], COMPOUND_SIMILARITY
        modifiers = [form for form in self._modifiers if word.startswith(form) and len(word) > len(form)]
        return (self.forms[max(modifiers, key=len)], COMPOUND_MODIFIER_SIMILARITY) if modifiers else None


def _forms(phrases: Sequence[Phrase]) -> dict[str, str]:
    """Every content word of the phrases and every stem long enough to stand alone, each with its stem."""
    forms: dict[str, str] = {}
    for phrase in phrases:
        for word in phrase.words:
            if word not in NOT_CONTENT:
                # A short stem alone is often another word ("far" is the stem of "farligt").
                if len(stem(word)) >= SHORT_STEM:
                    forms.setdefault(stem(word), stem(word))
                forms.setdefault(word, stem(word))
    return forms


def _similarity(match: tuple[str, float] | None) -> float:
    """A match's similarity, 0.0 for none."""
    return 0.0 if match is None else match[1]


def _carries_meaning(word: str) -> bool:
    """Tell whether a word may carry meaning: neither a filler nor a key's name or number."""
    named = word in NUMBER_WORDS or word in ORDINALS or word in KEY_NAMING_WORDS
    return not named and word not in FILLER_WORDS and word not in CONTEXT_WORDS
