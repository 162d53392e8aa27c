"""The sentences of the asking (`answers.py`): one sentence of a section, its score for a question, the
answer a caller hears, and which sentences are said together.

A sentence starting with "Denne", "Derfor" and the like leans on the one before it: it is ranked with that
one's words and said with it. Apart from `answers.py` because these are the records the index ranks and
returns (the flow, `ivr ask` and `bench.asking` read an `Answer`), and the rule of what is said together
holds whatever the ranking is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ivr.line.content import Prompt, Section
from ivr.line.words import words_of

# A sentence starting with one of these leans on the one before ("Denne forsvinder igen"): said with it.
_LEANS_BACK = "denne dette disse den det de tværtimod derfor således hvorimod"
LEANS_BACK = frozenset(_LEANS_BACK.split())
# A sentence with one of these says what may happen, or what to do if it does.
POSSIBLE = frozenset(["hvis", "kan"])


@dataclass(frozen=True)
class Sentence:
    """One sentence of a section, as the line says it."""

    section: Section
    index: int
    prompt: Prompt

    @property
    def words(self) -> int:
        """How many words it has."""
        return len(self.prompt.text.split())

    @property
    def possible(self) -> bool:
        """Tell whether it says what may happen or what to do if ("kan forekomme", "hvis du får feber")."""
        return bool(POSSIBLE & set(words_of(self.prompt.text)))


@dataclass(frozen=True)
class Scored:
    """A sentence and its BM25 score for one question."""

    sentence: Sentence
    score: float


@dataclass(frozen=True)
class Answer:
    """The sentences that answer a question, in the leaflet's order, and the offer of their section."""

    section: Section
    sentences: tuple[Sentence, ...]
    score: float
    offer: Prompt

    @property
    def words(self) -> int:
        """How many words the caller hears before the menu."""
        return sum(len(prompt.text.split()) for prompt in self.prompts)

    @property
    def prompts(self) -> tuple[Prompt, ...]:
        """What the caller hears before the menu: the sentences, then the offer of the whole section."""
        return (*(sentence.prompt for sentence in self.sentences), self.offer)


def said_together(best: Sentence, sentences: Sequence[Sentence]) -> tuple[Sentence, ...]:
    """The best sentence, with the one before it when it leans on it ("Denne forsvinder igen ..."), or the
    one after when that leans on the best."""
    before = _neighbour(best, sentences, -1)
    if _leans_back(best) and before is not None:
        return (before, best)
    after = _neighbour(best, sentences, 1)
    return (best, after) if after is not None and _leans_back(after) else (best,)


def _leans_back(sentence: Sentence) -> bool:
    first = words_of(sentence.prompt.text)[:1]
    return bool(first) and first[0] in LEANS_BACK


def _neighbour(sentence: Sentence, sentences: Sequence[Sentence], step: int) -> Sentence | None:
    """The sentence before (-1) or after (1) in the same section, if any."""
    at = sentence.index + step
    return next((s for s in sentences if s.section == sentence.section and s.index == at), None)


def with_leaned_on(docs: list[list[str]], sentences: Sequence[Sentence]) -> list[list[str]]:
    """Each sentence's terms, with those of the one before it when it leans on it ("Denne forsvinder igen"
    is about the weakness the sentence before names; the two are said together)."""
    leaned = list(docs)
    for at, sentence in enumerate(sentences):
        if at and _leans_back(sentence) and sentences[at - 1].section == sentence.section:
            leaned[at] = docs[at] + [term for term in docs[at - 1] if term not in docs[at]]
    return leaned
