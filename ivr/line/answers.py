"""Asking the leaflet: a caller's question answered by the one or two sentences of the line's content that
answer it, never by generated text.

Each section's text (as the content words it for the ear) is cut into sentences; each sentence's words are
stemmed with the Danish stemmer of `understanding`, Danish stop words dropped and the clinic's `[synonyms]`
put in the leaflet's own words ("narkose" is "bedøvelse"). The sentences of a line are ranked by BM25
(`bm25s`, sparse and numpy-only; the index is built once per line at start). A question is answered only
when the best sentence holds most of its words (weighted by how rare they are in the line) with a specific
one among them, the question has no word the sections never use, says no only where the sentence does,
is not just the section's title, and no sentence of another section scores close. An unsure question falls
through to the choices of `understanding`, since a sentence that answers another question is worse than
none (the flow then reads the section, asks back or says the leaflet does not answer it).

What was said is never logged, stored or cached here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import bm25s  # type: ignore[import-untyped]  # no stubs
import numpy as np

from ivr.line.content import Content, Prompt, Section
from ivr.line.understanding import Understood, stem, words_of

# The most words said before the line waits for a key again.
MOST_WORDS = 45
# The best sentence must hold at least this share of the weight of the question's words the leaflet has ...
COVERAGE = 0.6
# ... and one of them must be a specific word, in at most this many of the line's sentences ("vågen", not
# "rodblokade"), ...
SPECIFIC_IN = 2
# ... and a sentence elsewhere (not the one said with it) scoring this share of the best makes it unsure.
RUNNER_UP_SHARE = 0.8
# BM25's usual parameters; sentences are short, so length matters less than in documents (b).
K1, B = 1.2, 0.5

# Danish words that carry no question's topic: pronouns, auxiliaries, prepositions, conjunctions and question
# words (snowballstemmer has no stop words; this short list is ours, from the common Danish lists).
_STOP = """
    jeg du han hun den det vi i de man mig dig ham hende os dem sig min mit mine din dit dine sin sit sine
    vores jeres deres hans hendes dens dets
    er var være været bliver blive blev bli har havde have haft kan kunne skal skulle vil ville må måtte
    får få fik gør gøre gjorde
    og eller men så som at om til fra på i af med for ved under over hos ind ud op ned
    en et den det de der her hvor hvad hvem hvilken hvilket hvilke hvordan hvornår hvorfor hvis når
    ikke også bare lige nu da jo vel nok mon noget nogen nogle meget mere lidt helt sådan egentlig
    ja nej øh altså hej tak undskyld gerne godt
    tage tager tag komme kommer går gå bruge bruger bruges finde finder samme mange sker ske
    hurtigt hurtig varer vare høre hører giver give sat sætte lagt lægge igen længe lang tid
"""
# Words for before and after are kept, since they tell questions apart ("må jeg spise inden" is answered,
# "må jeg spise bagefter" is not), each said one way.
SAME_AS = {"inden": "før", "bagefter": "efter"}
STOP_WORDS = frozenset(_STOP.split())
# Words that make an utterance a question rather than a topic ("komplikationer", "selve indgrebet" choose
# the section): a question word anywhere, a verb first ("må jeg spise", "er jeg vågen"), or three words.
_QUESTION_WORDS = "hvad hvor hvordan hvornår hvorfor hvem hvilken hvilket hvilke hvis mon"
QUESTION_WORDS = frozenset(_QUESTION_WORDS.split())
_QUESTION_VERBS = "må skal kan er bliver får gør vil har kommer tager varer virker sover går bruger ringer"
QUESTION_VERBS = frozenset(_QUESTION_VERBS.split())
QUESTION_LENGTH = 3
# A question that says no is answered only by a sentence that does too.
NEGATIONS = frozenset({"ikke", "aldrig", "ingen", "intet"})
# A compound counts as its known part too ("lokalbedøvelse" is about "bedøvelse"), a part this long.
COMPOUND_PART = 4
# A sentence starting with one of these leans on the one before ("Denne forsvinder igen"): said with it.
_LEANS_BACK = "denne dette disse den det de tværtimod derfor således hvorimod"
LEANS_BACK = frozenset(_LEANS_BACK.split())


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


class Answers:
    """Finds the sentences of a line's content that answer a question; built once per line."""

    def __init__(self, content: Content) -> None:
        # One-word synonyms by stem ("narkosen" is "narkose"); phrases ("lang tid") word for word, longest
        # first.
        self.synonyms = _synonym_stems({w: m for w, m in content.synonyms.items() if " " not in w})
        phrases = {tuple(words_of(w)): m for w, m in content.synonyms.items() if " " in w}
        self._phrases = {
            words: tuple(stem(w) for w in words_of(meant) if w not in STOP_WORDS)
            for words, meant in sorted(phrases.items(), key=lambda item: -len(item[0]))
        }
        # The content's own sentences, each a prompt with built audio (Content.audio_prompts).
        self.sentences = tuple(
            Sentence(section, at, prompt)
            for section in content.sections
            for at, prompt in enumerate(content.sentences(section))
        )
        docs = [self.terms(sentence.prompt.text, synonyms=False) for sentence in self.sentences]
        self._docs = _with_compound_parts(docs)
        self._in = {term: sum(term in doc for doc in self._docs) for doc in self._docs for term in doc}
        self._index: bm25s.BM25 | None = None
        if any(self._docs):
            self._index = bm25s.BM25(k1=K1, b=B)
            # bm25s indexes string tokens through its own vocabulary; an empty sentence is given a
            # token that no question has, so the sentences keep their places.
            self._index.index([doc or ["\x00"] for doc in self._docs], show_progress=False)
        self.section_keys = frozenset(section.key for section in content.sections)
        self._titles = {section.key: set(self.terms(section.title)) for section in content.sections}
        self._offers = {section.key: content.answer_offer(section) for section in content.sections}

    def terms(self, text: str, *, synonyms: bool = True) -> list[str]:
        """The stems a text is ranked by: stop words dropped, a synonym put in the leaflet's words."""
        words = words_of(text)
        terms: list[str] = []
        at = 0
        while at < len(words):
            phrases = self._phrases if synonyms else {}
            phrase = next((p for p in phrases if tuple(words[at : at + len(p)]) == p), None)
            if phrase is not None:
                terms += self._phrases[phrase]
                at += len(phrase)
                continue
            word = SAME_AS.get(words[at], words[at])
            at += 1
            if word not in STOP_WORDS:
                stemmed = stem(word)
                terms += self.synonyms.get(stemmed, (stemmed,)) if synonyms else (stemmed,)
        return terms

    def ranked(self, said: str) -> list[Scored]:
        """Every sentence with a score above 0, best first."""
        query = list(dict.fromkeys(self.terms(said)))
        if self._index is None or not query:
            return []
        scores = np.asarray(self._index.get_scores(query), dtype=float)
        order = sorted(range(len(scores)), key=lambda at: (-scores[at], at))
        return [Scored(self.sentences[at], float(scores[at])) for at in order if scores[at] > 0]

    def answer(self, said: str) -> Answer | None:
        """The sentences that answer a question, or None when it is not a question, or unsure."""
        ranked = self.ranked(said) if _is_question(words_of(said)) else []
        if not ranked or not self._sure(said, ranked):
            return None
        best = ranked[0].sentence
        said_with = _said_with(best, self.sentences)
        offer = self._offers[best.section.key]
        # The offer is said before the line waits, too.
        room = MOST_WORDS - len(offer.text.split())
        if sum(sentence.words for sentence in said_with) > room:
            if best.words > room:
                return None
            said_with = (best,)
        return Answer(best.section, said_with, ranked[0].score, offer)

    def _sure(self, said: str, ranked: Sequence[Scored]) -> bool:
        """Tell whether the best sentence surely answers the question, not another one."""
        query = set(self.terms(said))
        best = ranked[0].sentence
        held = query & set(self._docs[self.sentences.index(best)])
        if not self._covers(query, held) or (_negated(said) and not _negated(best.prompt.text)):
            return False
        if query <= self._titles[best.section.key]:
            # The section's own topic ("hvordan foregår det", "hvad med komplikationer"): the whole section.
            return False
        # A close runner-up in another section makes it unsure; in the same one, the best is said.
        close = (other for other in ranked[1:] if other.score >= RUNNER_UP_SHARE * ranked[0].score)
        return all(other.sentence.section == best.section for other in close)

    def _covers(self, query: set[str], held: set[str]) -> bool:
        """Tell whether the best sentence holds enough of the question: most of its weight among the words
        the leaflet has (a word in fewer sentences weighs more), a specific word among them, and no word the
        leaflet lacks ("må jeg drikke alkohol": the sentence on drinking answers another question)."""
        known = {term for term in query if term in self._in}
        if not held or min(self._in[term] for term in held) > SPECIFIC_IN:
            return False
        if known != query:
            return False
        weight = {term: math.log(1 + len(self._docs) / self._in[term]) for term in known}
        return sum(weight[term] for term in held) >= COVERAGE * sum(weight.values())


def _negated(text: str) -> bool:
    """Tell whether a text says no ("hvis blokaden ikke virker" is not answered by when it works)."""
    return any(word in NEGATIONS for word in words_of(text))


def _is_question(words: Sequence[str]) -> bool:
    """Tell whether an utterance asks something, rather than naming a topic ("komplikationer")."""
    if len(words) >= QUESTION_LENGTH:
        return True
    return bool(words) and (words[0] in QUESTION_VERBS or any(word in QUESTION_WORDS for word in words))


def _said_with(best: Sentence, sentences: Sequence[Sentence]) -> tuple[Sentence, ...]:
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


def _with_compound_parts(docs: list[list[str]]) -> list[list[str]]:
    """Each sentence's stems, with the known stems its compounds begin or end with."""
    known = {term for doc in docs for term in doc if len(term) >= COMPOUND_PART}
    return [
        doc
        + [
            part
            for term in doc
            for part in sorted(known)
            if part != term and (term.endswith(part) or term.startswith(part)) and part not in doc
        ]
        for doc in docs
    ]


def _synonym_stems(synonyms: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Each synonym's stem, with the stems of the leaflet's words it stands for."""
    return {
        stem(word): tuple(stem(w) for w in words_of(meant) if w not in STOP_WORDS)
        for word, meant in synonyms.items()
    }


def answering(answers: Answers | None, said: str, understood: Understood) -> Answer | None:
    """The answer a turn gets, in the order a frightened caller needs: an urgent word and a question the
    content lists as unanswered come first (never a sentence instead), and a named action ("gentag",
    "langsommere") is done rather than answered; else the sentence, when one answers the question surely."""
    if answers is None or not said or understood.outcome in ("urgent", "unanswered"):
        return None
    if understood.outcome == "matched" and understood.key not in answers.section_keys:
        return None
    return answers.answer(said)
