"""The content's word lists as a call hears them: an urgent word ("feber", "kan ikke gå") or a question the
leaflet does not answer ("kan jeg køre bil bagefter"), found in an utterance before any choice is looked for.

Apart from the matcher of choices (`ivr/line/understanding.py`) because the lists are read another way: each
listed phrase word after word, every word counted and none stemmed, not scored. The word lists skip
intensifiers and pronouns ("kan han slet ikke gå" is "kan ikke gå"); a long listed word stands for the
compounds it starts ("svømmehallen"). An urgent word supposed ("kan jeg blive lam af det") is not urgent
here: it is a question about a risk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ivr.line.heard_words import ASKERS, BECOMING, INTENSIFIERS, LIST_SKIPPED, MAY, SUPPOSING
from ivr.line.understood import Outcome
from ivr.line.words import words_of

# The word lists, in the order they are looked for: an urgent word wins over everything.
LISTS: tuple[Outcome, ...] = ("urgent", "unanswered")

# A listed word at least this long also matches the words it starts.
LIST_PREFIX_MIN_LENGTH = 6


class WordLists:
    """A line's word lists, built once, and which of them an utterance holds."""

    def __init__(self, lists: Mapping[str, Sequence[str]] | None) -> None:
        """lists: the urgent words and the questions the leaflet does not answer, by outcome."""
        # Each listed phrase as its words, every word counted ("kan ikke gå" is not "gå"), not stemmed: the
        # lists name each form ("bløder" is urgent, while "kan det bløde" asks about complications).
        self._lists = {
            outcome: [_for_lists(words_of(text)) for text in (lists or {}).get(outcome, ())]
            for outcome in LISTS
        }
        # Each list's phrases by their first word, and its words long enough to start compounds, so an
        # utterance is compared only with the phrases it could hold.
        self._lists_by_first: dict[Outcome, dict[str, list[tuple[str, ...]]]] = {}
        self._list_prefixes: dict[Outcome, list[str]] = {}
        for outcome, listed in self._lists.items():
            by_first = self._lists_by_first.setdefault(outcome, {})
            for phrase in filter(None, listed):
                by_first.setdefault(phrase[0], []).append(phrase)
            single = [phrase[0] for phrase in listed if len(phrase) == 1]
            self._list_prefixes[outcome] = [word for word in single if len(word) >= LIST_PREFIX_MIN_LENGTH]

    def has(self, outcome: Outcome) -> bool:
        """Tell whether the line lists anything for an outcome."""
        return bool(self._lists[outcome])

    def listed(self, words: Sequence[str]) -> Outcome | None:
        """The first word list one of whose phrases the utterance holds, word after word."""
        for outcome in self._lists:
            if outcome == "urgent" and _supposes(words):
                continue  # "hvad sker der hvis det bløder", "kan jeg blive lam af det": a question of risk
            if self._holds(outcome, words):
                return outcome
        return None

    def supposed_urgent(self, words: Sequence[str]) -> bool:
        """Tell whether the words suppose an urgent word rather than tell it ("kan man få feber af det")."""
        return _supposes(words) and self._holds("urgent", words)

    def _holds(self, outcome: Outcome, words: Sequence[str]) -> bool:
        """Tell whether the words hold one of a word list's phrases, word after word."""
        said = _for_lists(words)
        for word in set(said):
            for phrase in self._lists_by_first[outcome].get(word, ()):
                size = len(phrase)
                if any(said[at : at + size] == phrase for at in range(len(said) - size + 1)):
                    return True
        # A listed word this long stands for the compounds it starts ("svømme": "svømmehallen").
        return any(word.startswith(long) for long in self._list_prefixes[outcome] for word in said)


def _supposes(words: Sequence[str]) -> bool:
    """Tell whether an utterance supposes rather than tells: "hvis" ("hvad gør jeg hvis det bløder"), or a
    question of what may become of one ("kan jeg blive lam af det", "kan man få feber")."""
    if any(word in SUPPOSING for word in words):
        return True
    triples = zip(words, words[1:], words[2:], strict=False)
    return any(a in MAY and b in ASKERS and c in BECOMING for a, b, c in triples)


def _for_lists(words: Sequence[str]) -> tuple[str, ...]:
    """The words but intensifiers and pronouns, for the word lists: "kan slet ikke gå", "kan han ikke gå" and
    "kan ikke gå" are one phrase; all the words if nothing is left."""
    kept = tuple(word for word in words if word not in INTENSIFIERS and word not in LIST_SKIPPED)
    return kept or tuple(words)
