"""Asking the leaflet: a caller's question answered by the one or two sentences of the line's content that
answer it, never by generated text.

Each section's text (as the content words it for the ear) is cut into sentences; each sentence's words are
stemmed with the Danish stemmer of `words`, Danish stop words dropped and the clinic's `[synonyms]`
put in the leaflet's own words ("narkose" is "bedøvelse"). The sentences of a line are ranked by BM25
(`bm25s`, sparse and numpy-only; the index is built once per line at start). A question is answered only
when the best sentence holds most of its words (weighted by how rare they are in the line) with a specific
one among them, the question has no word the sections never use, says no only where the sentence does,
is not just the section's title, and no sentence of another section scores close. An unsure question falls
through to the choices of `understanding`, since a sentence that answers another question is worse than
none (the flow then reads the section, asks back or says the leaflet does not answer it).

What was said is never logged, stored or cached here.

Its parts, each a module of its own: the words (`answers_terms.py`: stop words, compounds, before and after,
lay words and synonyms), the cues (`answers_cues.py`: a duration, a moment, a reason, an amount, asked and
given), the form of a question (`answers_questions.py`) and the sentences (`answers_sentences.py`: the
records and what is said together). This module holds the index: ranking, and the rules that make it sure.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import bm25s  # type: ignore[import-untyped]  # no stubs
import numpy as np

from ivr.line.answers_cues import (
    COUNTED,
    CUES,
    DURATION,
    LASTING,
    MOMENT,
    REASON,
    SPECIFIC_CUES,
    TIME_UNITS,
    cues_asked,
    cues_given,
    is_cue,
    takes_unknown,
)
from ivr.line.answers_questions import (
    WHAT_IS,
    asks_meaning,
    is_question,
    negated,
    the_question,
)
from ivr.line.answers_sentences import Answer, Scored, Sentence, said_together, with_leaned_on
from ivr.line.answers_terms import (
    COMPOUND_PART,
    FORM_HEAD,
    PAST_FORMS,
    PROCEDURE,
    SAME_AS,
    STOP_WORDS,
    STOPPING,
    TIMING,
    aside_phrases,
    before_words,
    compound_parts,
    is_aside,
    joins_clause,
    lay_stems,
    of_procedure,
    part_of,
    synonym_stems,
    vowel_shifted,
    with_compound_parts,
    with_timing,
    without_day_times,
)
from ivr.line.content import Content
from ivr.line.words import stem, words_of

# The most words said before the line waits for a key again.
MOST_WORDS = 45
# The best sentence must hold at least this share of the weight of the question's words the leaflet has ...
COVERAGE = 0.6
# ... and one of them must be a specific word, in at most this many of the line's sentences ("vågen", not
# "rodblokade"), ...
SPECIFIC_IN = 2
# ... and a sentence elsewhere (not the one said with it) scoring this share of the best makes it unsure.
RUNNER_UP_SHARE = 0.8
# A best sentence lacking some of the question's words must stand further out: a sentence elsewhere scoring
# this share of it makes it unsure.
PARTIAL_RUNNER_UP_SHARE = 0.5
# ... or holding this share of the weight of the question's words in its own ("må jeg spise morgenmad":
# eating after the operation, and fasting before it).
RIVAL_HELD = 0.5
# BM25's usual parameters; sentences are short, so length matters less than in documents (b).
K1, B = 1.2, 0.5


class Answers:
    """Finds the sentences of a line's content that answer a question; built once per line."""

    def __init__(self, content: Content) -> None:
        # One-word synonyms by stem ("narkosen" is "narkose"); phrases ("lang tid") word for word, longest
        # first.
        self.synonyms = synonym_stems({w: m for w, m in content.synonyms.items() if " " not in w})
        phrases = {tuple(words_of(w)): m for w, m in content.synonyms.items() if " " in w}
        self._phrases = {
            words: tuple(stem(w) for w in words_of(meant) if w not in STOP_WORDS)
            for words, meant in sorted(phrases.items(), key=lambda item: -len(item[0]))
        }
        # The content's own sentences, each a prompt with built audio (Content.audio_prompts).
        self._in: Counter[str] = Counter()
        self.sentences = tuple(
            Sentence(section, at, prompt)
            for section in content.sections
            for at, prompt in enumerate(content.sentences(section))
        )
        docs = [self.terms(sentence.prompt.text, synonyms=False) for sentence in self.sentences]
        self._docs = [
            doc + cues_given(sentence.prompt.text)
            for doc, sentence in zip(
                with_leaned_on(with_compound_parts(docs), self.sentences), self.sentences, strict=True
            )
        ]
        # The lay words the sentences can use, where the clinic's own synonyms do not say otherwise.
        titles = {
            section.key: with_timing(self.terms(section.title, synonyms=False))
            for section in content.sections
        }
        # The lay words the sentences or their titles can use (a title's time: "hjem" is after an operation
        # in a leaflet titling "Efter operationen").
        lay, lay_phrases = lay_stems([*self._docs, *titles.values()])
        self.synonyms = {**lay, **self.synonyms}
        self._phrases = dict(sorted({**lay_phrases, **self._phrases}.items(), key=lambda item: -len(item[0])))
        # What each sentence is about: its terms, and its section's title's ("Du må spise almindelig mad"
        # under "Efter operationen" answers "må jeg spise efter operationen"); ranked by its terms only.
        self._about = [
            frozenset(doc) | frozenset(titles[sentence.section.key])
            for doc, sentence in zip(self._docs, self.sentences, strict=True)
        ]
        self._in = Counter(term for about in self._about for term in about)
        # The words of the sentences on the time before ("Spis og drik gerne før indgrebet").
        self._said_before = {term for about in self._about if stem("før") in about for term in about}
        # In how many sentences' own words: a word is specific by these (a title's word is everywhere in its
        # section, so specific nowhere).
        self._in_text = Counter(term for doc in self._docs for term in set(doc))
        # The same, counted in each section (the section a caller's words chose).
        self._in_section = Counter(
            (sentence.section.key, term)
            for sentence, doc in zip(self.sentences, self._docs, strict=True)
            for term in set(doc)
        )
        self._index: bm25s.BM25 | None = None
        if any(self._docs):
            self._index = bm25s.BM25(k1=K1, b=B)
            # bm25s indexes string tokens through its own vocabulary; an empty sentence is given a
            # token that no question has, so the sentences keep their places.
            self._index.index([doc or ["\x00"] for doc in self._docs], show_progress=False)
        # The words of the line's name its sentences lack ("galdesten" in "Kikkertoperation for galdesten").
        self._named = frozenset(self.terms(content.line.name, synonyms=False)) - self._in.keys()
        self.section_keys = frozenset(section.key for section in content.sections)
        self.transfer_key = content.keys.transfer
        self._titles = {section.key: set(self.terms(section.title)) for section in content.sections}
        self._offers = {section.key: content.answer_offer(section) for section in content.sections}

    def units(self, text: str, *, synonyms: bool = True) -> list[tuple[str, ...]]:
        """What a text says, word by word: each word's stem, or the stems of the leaflet words a synonym
        stands for (any one of which is that word), stop words dropped."""
        words = words_of(text)
        units: list[tuple[str, ...]] = []
        at = 0
        while at < len(words):
            phrases = self._phrases if synonyms else {}
            phrase = next((p for p in phrases if tuple(words[at : at + len(p)]) == p), None)
            if phrase is not None:
                units.append(self._phrases[phrase])
                at += len(phrase)
                continue
            aside = next((p for p in aside_phrases() if tuple(words[at : at + len(p)]) == p), None)
            if synonyms and aside is not None:
                at += len(aside)
                continue
            stopping = next((p for p in STOPPING if tuple(words[at : at + len(p)]) == p), None)
            if synonyms and stopping is not None:
                units.append((stem("før"),))
                at += len(stopping)
                continue
            word = SAME_AS.get(words[at], PAST_FORMS.get(words[at], words[at]))
            at += 1
            if joins_clause(word, words[at:]):
                continue
            if word not in STOP_WORDS and not (synonyms and is_aside(word)):
                stemmed = stem(word)
                unit = self.synonyms.get(stemmed, (stemmed,)) if synonyms else (stemmed,)
                parts = self._parts(word) if synonyms and not self._knows(unit) else None
                units.extend(parts or [unit])
        return [unit for unit in dict.fromkeys(units) if unit]

    def _knows(self, unit: tuple[str, ...]) -> bool:
        """Tell whether the line's sentences have one of a unit's terms."""
        return any(term in self._in for term in unit)

    def _parts(self, word: str) -> list[tuple[str, ...]] | None:
        """A compound the line lacks as words it has (answers_terms.compound_parts)."""
        return compound_parts(word, lambda part: self.synonyms.get(stem(part), (stem(part),)), self._knows)

    def terms(self, text: str, *, synonyms: bool = True) -> list[str]:
        """The stems a text is ranked by: stop words dropped, a synonym put in the leaflet's words."""
        return [term for unit in self.units(text, synonyms=synonyms) for term in unit]

    def asked(self, said: str) -> list[tuple[str, ...]]:
        """A question's units (a word the line lacks as the line's words it is a form or compound of), and
        what it asks for (a duration, a moment, a reason) if some sentence gives it."""
        # A count no sentence gives is kept: the question's word the line lacks, so no sentence answers it.
        cues: list[tuple[str, ...]] = [
            (cue,) for cue in cues_asked(said) if cue in self._in or cue.startswith(COUNTED)
        ]
        units = [unit if self._knows(unit) else self._forms(unit) for unit in self.units(said)]
        if (DURATION,) in cues and not units and LASTING in self._in:
            # "Hvor længe", naming nothing, asks how long the procedure itself lasts.
            cues.append((LASTING,))
        if (MOMENT,) in cues:
            # The unit of time a question for a moment asks in ("hvor mange timer før") is not a topic.
            units = [unit for unit in units if not set(unit) <= TIME_UNITS]
        units = without_day_times(units)
        if any(self._knows(unit) for unit in units):
            # The line's own subject, named beside words it has, says nothing more than they do.
            units = [unit for unit in units if not set(unit) <= self._named]
        if (stem("før"),) in units:
            # Eating before the procedure is what fasting is ("må jeg spise før operationen": "Du skal faste
            # fra midnat"), in a leaflet that says "spise" only of the time after.
            units = [self._before(unit) for unit in units]
        if not all(of_procedure(unit) for unit in units):
            # What something else takes ("hvor længe varer kraftnedsættelsen"): its words choose the sentence.
            cues = [cue for cue in cues if cue != (LASTING,)]
        return list(dict.fromkeys(units + cues))

    def _before(self, unit: tuple[str, ...]) -> tuple[str, ...]:
        """A unit of a question about the time before, with the leaflet words it stands for then
        (lay_words.toml's [before]) that the line has, unless the line uses it of the time before itself."""
        if set(unit) & self._said_before:
            return unit
        more = (stem(w) for term in unit for w in before_words().get(term, ()))
        return tuple(dict.fromkeys((*unit, *(term for term in more if term in self._in))))

    def _forms(self, unit: tuple[str, ...]) -> tuple[str, ...]:
        """The line's terms a word it lacks is a form of or a compound of (FORM_HEAD), if any; a word for
        the procedure the line names otherwise is its words for it ("indgrebet" in a leaflet saying
        "operationen"); else the word."""
        forms = tuple(
            sorted(
                known
                for term in unit
                for known in self._in
                if (len(term) >= COMPOUND_PART and known.startswith(term))
                or (len(known) >= FORM_HEAD and term.startswith(known))
            )
        )
        if not forms and of_procedure(unit):
            forms = tuple(sorted(PROCEDURE & self._in.keys()))
        return forms or unit

    def query(self, said: str) -> list[str]:
        """The terms a question is ranked by."""
        return list(dict.fromkeys(term for unit in self.asked(said) for term in unit))

    def ranked(self, said: str, section: str | None = None) -> list[Scored]:
        """Every sentence (of `section`, if given) with a score above 0, best first: the one holding most of
        the question's words (by weight), then by BM25 score. A question asking for a duration, a moment or a
        reason ranks only the sentences that give one."""
        asked = self.asked(said)
        query = list(dict.fromkeys(term for unit in asked for term in unit))
        if self._index is None or not query:
            return []
        scores = np.asarray(self._index.get_scores(query), dtype=float)
        held = [self._held(asked, about) for about in self._about]
        order = sorted(range(len(scores)), key=lambda at: (-round(held[at], 6), -scores[at], at))
        cues = [term for term in query if term in CUES]
        return [
            Scored(self.sentences[at], float(scores[at]))
            for at in order
            if scores[at] > 0
            and all(cue in self._docs[at] for cue in cues)
            and section in (None, self.sentences[at].section.key)
        ]

    def answer(self, said: str, section: str | None = None) -> Answer | None:
        """The sentences that answer a question, or None when it is not a question, or unsure. `section`: the
        section the caller's words chose, if any (a close sentence elsewhere then does not make it unsure)."""
        said = the_question(said)
        if not is_question(words_of(said)) or takes_unknown(said):
            return None
        named = self._what_is(said)
        defining = self._defining(named) if named is not None else None
        if defining is not None:
            return self._said(defining, [Scored(defining, 0.0)])
        if named is not None and asks_meaning(said):
            # "Hvad er en nerverod", "hvad betyder diagnostisk": a sentence that only uses the word does not
            # say what it is ("hvad er risikoen" asks about the risk, and is ranked).
            return None
        # The chosen section's sentences first, a word specific within it; then all of the line's.
        ranked = self.ranked(said, section) if section in self.section_keys else []
        if not ranked or not self._sure(said, ranked, section):
            ranked = self.ranked(said)
            if not ranked or not self._sure(said, ranked, None):
                return None
        if (named is not None or REASON in cues_asked(said)) and any(
            self._only_as_condition(unit, ranked[0]) for unit in self.asked(said) if not is_cue(unit[0])
        ):
            # "hvad er gulsot" is not answered by "ring, hvis du får gulsot", nor "hvorfor er nerverødderne
            # klemt" by what they do if they are: the sentence names it as a condition, and says what then;
            # nor "hvorfor puster i luft ind" by what the air causes ("Det skyldes luften").
            return None
        return self._said(ranked[0].sentence, ranked)

    def of_its_topic(self, said: str, key: str) -> bool:
        """Tell whether a question asks about a section's own topic: its title's words hold every word of
        it but before and after ("hvordan er operationen" under "Sådan foregår operationen"), and it asks for
        no duration, moment or reason."""
        asked = self.asked(said)
        topics = [unit for unit in asked if not any(is_cue(term) or term in TIMING for term in unit)]
        if not topics or any(is_cue(unit[0]) for unit in asked):
            return False
        return all(set(unit) & self._titles[key] for unit in topics)

    @staticmethod
    def _only_as_condition(unit: tuple[str, ...], best: Scored) -> bool:
        """Tell whether a sentence names a word only in a clause of "hvis" or a cause ("skyldes", "fordi"),
        to the next comma."""
        clauses = [words_of(clause) for clause in re.split(r"[,.;:]", best.sentence.prompt.text)]
        at = [
            bool({"hvis", "skyldes", "fordi"} & set(words[:place]))
            for words in clauses
            for place, word in enumerate(words)
            if any(stem(word) == term or part_of(term, stem(word)) for term in unit)
        ]
        return bool(at) and all(at)

    def _what_is(self, said: str) -> tuple[str, ...] | None:
        """The one word a "hvad er X" question asks about ("hvad er en rodblokade", "hvad betyder
        diagnostisk"), as the line's terms; None for any other question."""
        found = WHAT_IS.match(" ".join(words_of(said)))
        if found is None:
            return None
        units = self.asked(found["named"])
        return units[0] if len(units) == 1 and any(term in self._in for term in units[0]) else None

    def _defining(self, named: tuple[str, ...]) -> Sentence | None:
        """The sentence that says what a word is: the first of the section titled by it alone ("Om
        rodblokade", "Komplikationer"), else the first sentence it begins ("Nerverødder udspringer ...")."""
        for key, title in self._titles.items():
            if title and title <= set(named):
                return next(sentence for sentence in self.sentences if sentence.section.key == key)
        for sentence in self.sentences:
            first = self.terms(sentence.prompt.text, synonyms=False)[:1]
            if first and any(
                first[0] == term or part_of(term, first[0]) or vowel_shifted(term, first[0]) for term in named
            ):
                return sentence
        return None

    def _said(self, best: Sentence, ranked: Sequence[Scored]) -> Answer | None:
        """The answer with the best sentence: with the one it leans on, or a close second of its section,
        when they fit in MOST_WORDS with the offer of the section."""
        said_with = said_together(best, self.sentences)
        # A close second in the same section may be the answer as well: both are said, in the leaflet's
        # order, when they fit (else the best alone).
        second = ranked[1] if len(ranked) > 1 else None
        if (
            second is not None
            and second.sentence.section == best.section
            and second.sentence not in said_with
            and second.score >= RUNNER_UP_SHARE * ranked[0].score
            and len(said_with) == 1
        ):
            said_with = tuple(sorted((best, second.sentence), key=lambda sentence: sentence.index))
        offer = self._offers[best.section.key]
        # The offer is said before the line waits, too.
        room = MOST_WORDS - len(offer.text.split())
        if sum(sentence.words for sentence in said_with) > room:
            if best.words > room:
                return None
            said_with = (best,)
        return Answer(best.section, said_with, ranked[0].score, offer)

    def _sure(self, said: str, ranked: Sequence[Scored], section: str | None) -> bool:
        """Tell whether the best sentence surely answers the question, not another one."""
        asked = self.asked(said)
        best = ranked[0].sentence
        if not self._covers(asked, self.sentences.index(best), section):
            return False
        if negated(said) and not negated(best.prompt.text):
            return False
        if {term for unit in asked for term in unit} <= self._titles[best.section.key]:
            # The section's own topic ("hvordan foregår det", "hvad med komplikationer"): the whole section.
            return False
        # A close runner-up in another section makes it unsure, unless the words chose the best's section; in
        # the same one, the best is said.
        if section == best.section.key:
            return True
        # The question's words, without what it asks for (many sentences give a duration) and before or
        # after (their own rule).
        worded = [unit for unit in asked if not any(is_cue(term) or term in TIMING for term in unit)]
        whole = self._held(asked, self._about[self.sentences.index(best)]) >= 1
        share = RUNNER_UP_SHARE if whole else PARTIAL_RUNNER_UP_SHARE
        # A sentence of another time than the question's ("spise" after, asked of before) is no rival.
        timing = [unit for unit in asked if set(unit) <= TIMING]
        close = (
            other
            for other in ranked[1:]
            if all(self._about[self.sentences.index(other.sentence)] & set(unit) for unit in timing)
            and (
                other.score >= share * ranked[0].score
                or (bool(worded) and self._held(worded, self._own(other.sentence)) >= RIVAL_HELD)
            )
        )
        return all(other.sentence.section == best.section for other in close)

    def _covers(self, asked: Sequence[tuple[str, ...]], at: int, section: str | None) -> bool:
        """Tell whether the best sentence holds enough of the question: most of its weight among the words
        the leaflet has (a word in fewer sentences weighs more; a word for the procedure itself, "indgrebet",
        weighs nothing beside others), a specific word among them, and no word the leaflet lacks ("må jeg
        drikke alkohol": the sentence on drinking answers another question)."""
        doc = self._about[at]
        if any(not any(term in self._in for term in unit) for unit in asked):
            return False
        if any(set(unit) <= TIMING for unit in asked) and all(
            set(unit) <= TIMING or is_cue(unit[0]) for unit in asked
        ):
            # Only when, before or after ("hvor lang tid før skal jeg møde op"): no topic to answer.
            return False
        timeless = self.sentences[at].possible and not doc & TIMING
        if not timeless and any(set(unit) <= TIMING and not doc & set(unit) for unit in asked):
            # Before and after tell questions apart: "må jeg tage bad efter operationen" is not answered by
            # the bath before it. What may happen, or what to do if, of no time holds at any time ("Ring,
            # hvis du får feber" answers "hvad gør jeg hvis jeg får feber efter operationen").
            return False
        asked = [unit for unit in asked if not (timeless and set(unit) <= TIMING)]
        held = [term for unit in asked for term in unit if term in doc]
        count = self._in_text if section is None else {t: self._in_section[section, t] for t in held}
        if not held:
            return False
        if min(count[term] or len(self._docs) for term in held) > SPECIFIC_IN and (
            not any(term in SPECIFIC_CUES or term.startswith(COUNTED) for term in held)
            or not set(held) <= set(self._docs[at])
            or self._holding(held, section) > SPECIFIC_IN
        ):
            # No word is specific alone, nor is what the question asks for together with its words, in the
            # sentence's own ("hvor lang tid tager operationen": one sentence gives the operation's duration).
            return False
        return self._held(asked, doc) >= COVERAGE

    def _own(self, sentence: Sentence) -> frozenset[str]:
        """A sentence's terms from its own words (and the one it leans on), not its section's title."""
        return frozenset(self._docs[self.sentences.index(sentence)])

    def _holding(self, terms: Sequence[str], section: str | None) -> int:
        """How many sentences (of `section`, if given) hold all these terms in their own words."""
        return sum(
            1
            for sentence, doc in zip(self.sentences, self._docs, strict=True)
            if section in (None, sentence.section.key) and set(terms) <= set(doc)
        )

    def _held(self, asked: Sequence[tuple[str, ...]], doc: frozenset[str]) -> float:
        """The share of a question's weight a sentence holds (the words for the procedure only when the
        question has no others)."""
        # A question naming only the procedure and asking for a moment ("hvornår skal jeg opereres") keeps
        # the procedure's words: a sentence giving a moment alone does not answer it. (How long the
        # procedure lasts is asked of it alone: "hvor længe er indgrebet".)
        named = [unit for unit in asked if not set(unit) <= PROCEDURE and not is_cue(unit[0])]
        lasts = (DURATION,) in asked or (LASTING,) in asked
        topical = [unit for unit in asked if not set(unit) <= PROCEDURE] if named or lasts else list(asked)
        weight = {
            unit: max((self._weight(term) for term in unit if term in self._in), default=0.0)
            for unit in topical
        }
        total = sum(weight.values())
        return sum(w for unit, w in weight.items() if doc & set(unit)) / total if total else 0.0

    def _weight(self, term: str) -> float:
        """How much a term says: more, the fewer of the line's sentences have it."""
        return math.log(1 + len(self._docs) / self._in[term])
