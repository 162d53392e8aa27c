"""Understanding what a caller says: Twilio's recognised words mapped to one keypad choice, or a question.

Each key's phrases (from the content file) are cut into words, filler words dropped, and the rest stemmed
with snowballstemmer's Danish stemmer, so "komplikationerne" and "komplikation" are one word. Each phrase
spreads one point over its words: a one-word phrase ("komplikationer") gives its word a full point, a
two-word phrase ("før indgrebet") half a point each. An utterance is cut and stemmed the same way, each of its
words matched to the nearest known word, and a key scores the sum of its best points for the words heard,
plus a bonus when one of its phrases of several words is heard whole. A word the context puts in many
questions ("rodblokaden", "indgrebet") thus counts fully only where it is the question itself.

Recognition errors are forgiven three ways: up to three neighbouring words are also tried joined, exactly
("kom pli kationer"), a word may be a near miss of a known one ("sekretæriatet"), and a compound counts as
its known last part ("lokalbedøvelse") or, lower, its first ("røntgenbilledet"). Near misses use rapidfuzz
(`fuzz.ratio` through `process.extractOne` with a cut-off), not difflib: the same measure, but in C and
stopping early below the cut-off, two orders of magnitude faster. A near miss counts with its similarity.
A stem under five letters counts only for its inflections or a known word: the stemmer cuts unrelated words
to one short stem ("virkelig" and "virker" are "virk", "farligt" and "far" "far").

A word several choices share ("lægen", "blokaden") is the question's context: beside a word the line does
not know, nothing is guessed from it (a wrong choice acted on is worse than saying it again), and beside a
word one choice has it counts less for the others. The word lists skip intensifiers and pronouns ("kan han
slet ikke gå" is "kan ikke gå"); a long listed word stands for the compounds it starts ("svømmehallen").

Words that say when ("inden", "bagefter") or where in the body ("benet", "ryggen") are context too, whatever
the phrases say (`ivr/line/heard_words.py` holds these and the other Danish words read specially). Asking
leave ("må jeg ...") for something the line does not know, beside nothing but context, is a question the
leaflet does not answer ("må jeg ryge inden"); and when only shared words were heard and two choices score
close, nothing is guessed (not even asked back) unless one choice's phrase was said word for word.

A topic word inside a question about another topic is the commonest wrong choice, so two doubts end in
nothing rather than a guess: two choices each named by a word only it has, scoring close ("kan jeg mærke når
de stikker"; joined by "og" both were asked for, and the best is asked back), and a choice about before the
procedure only (its phrases say "før", "inden", never "efter") in a question set after it ("må jeg spise når
jeg er kommet hjem"). An urgent word supposed ("kan jeg blive lam af det") is a question about a risk.

Where a choice is only weakly pointed at, it is asked back rather than missed, and where a word is
another's, nothing is taken from it: a particle verb's word without its particle is too weak ("lagt" without
"om"); pressing a key ("trykke") is no topic; a question set before the procedure with no topic word asks
back the one choice about before ("er der noget jeg skal huske inden"); an urgent word supposed, or a risk
torn with another topic ("risiko ved bedøvelsen"), asks back the choice about risk; among close choices of a
shared word, the one whose phrase was said in another order is asked back ("hvornår ringer min læge").

Outcomes: a clear best key is "matched"; a best key that scores only partly, two keys that score close, or
a recogniser that was unsure (`Confidence` below the threshold) give "ask" with the best key, never a guess;
words that match no key are "nothing". Phrases made only of filler words ("hvad er det", "hvad skal jeg
have på") are heard only when the utterance holds them word for word and nothing else matched.

What was said is never logged, stored or cached here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import snowballstemmer  # type: ignore[import-untyped]  # no stubs; pyproject's mypy overrides should list it
from rapidfuzz import fuzz, process

from ivr.line.heard_words import (
    AFTER_WORDS,
    ASKERS,
    BECOMING,
    BEFORE_WORDS,
    CONTEXT_WORDS,
    FILLER_WORDS,
    INTENSIFIERS,
    JOINING,
    KEY_NAMING_WORDS,
    LIST_SKIPPED,
    MAY,
    NO_WORDS,
    NOISE_WORDS,
    NUMBER_WORDS,
    ORDINAL_NAMING,
    ORDINALS,
    PARTICLES,
    PERMISSION,
    PRESSING,
    RISK,
    SUPPOSING,
    YES_WORDS,
)
from ivr.line.keypad import KEYPAD

# "urgent": an urgent word was heard ("feber", "kan ikke gå"), whatever else was said; "unanswered": a
# question the leaflet does not answer ("kan jeg køre bil bagefter"). Both come from the content's word lists.
Outcome = Literal["matched", "ask", "nothing", "urgent", "unanswered"]
# The word lists, in the order they are looked for: an urgent word wins over everything.
LISTS: tuple[Outcome, ...] = ("urgent", "unanswered")

# Twilio's <Gather hints>: a comma-separated list of at most 500 entries, each at most 100 characters
# (Twilio error 13330, "Gather: Invalid hints value").
HINTS_MAX_ENTRIES = 500
HINT_MAX_CHARS = 100

# A key scoring at least this, clearly ahead of the next, is matched; between NOTHING_BELOW and this, asked.
MATCH_AT = 0.75
# Below this nothing is understood: one word of a three-word phrase (a third of a point) is not enough.
NOTHING_BELOW = 0.45
# The runner-up scoring at least this share of the best makes the utterance ambiguous.
AMBIGUOUS_SHARE = 0.75
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
# A phrase of several words heard whole is stronger evidence than its words one by one ("før indgrebet").
WHOLE_PHRASE_BONUS = 0.5
# A stem in the phrases of this many keys is one they share.
SHARED_BY_KEYS = 2
# What a word several choices share counts beside a word only one choice has.
SHARED_BESIDE_SPECIFIC = 0.25
# Two choices each named by a word only it has, the second scoring at least this share of the first: torn.
TORN_SHARE = 0.75
# A score that is asked back, not acted on.
ASK_AT = 0.5
# A phrase's one content word followed by a particle ("lagt om", "fat i", "følge op") is a particle verb: the
# word alone means something else ("hvordan bliver blokaden lagt"), so without its particle after it in the
# utterance it gives this share of its point, too little to act on or ask about alone.
PARTICLE_ALONE = 0.4
# "Før" after this is "until", not "before" ("hvor lang tid går der før det virker").
QUESTION_OF_TIME = "hvor"
# Twilio's Confidence below this is asked back.
DEFAULT_CONFIDENCE_THRESHOLD = 0.5

# A listed word at least this long also matches the words it starts.
LIST_PREFIX_MIN_LENGTH = 6

# Words no phrase's topic is: fillers, and pressing a key ("hvad kan jeg trykke" is a phrase of fillers, heard
# word for word, so "jeg har trykket forkert" is not the menu).
_NOT_CONTENT = FILLER_WORDS | PRESSING
_WORD = re.compile(r"[0-9a-zæøåéüöä]+")
_STEMMER = snowballstemmer.stemmer("danish")


@dataclass(frozen=True)
class Understood:
    """What an utterance was taken to mean."""

    outcome: Outcome
    key: str | None
    score: float


@dataclass(frozen=True)
class _Phrase:
    """One phrase of a key: its content stems, or its whole words when it has no content words."""

    key: str
    text: str
    stems: tuple[str, ...]
    words: tuple[str, ...]
    # The particle after the phrase's one content word, when it is a particle verb ("om" in "lagt om").
    particle: str | None = None


def words_of(text: str) -> list[str]:
    """The lower-case words of a text, punctuation dropped."""
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """The Danish stem of a word."""
    return str(_STEMMER.stemWord(word))


class Understanding:
    """Maps recognised speech to one key of a line, built once from the line's phrases."""

    def __init__(
        self,
        phrases: Mapping[str, Sequence[str]],
        *,
        lists: Mapping[str, Sequence[str]] | None = None,
        threshold: float = DEFAULT_CONFIDENCE_THRESHOLD,
    ) -> None:
        """phrases: for each key, the words and phrasings callers use for it (from the content file);
        lists: the urgent words and the questions the leaflet does not answer, by outcome."""
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"confidence threshold {threshold} is not between 0 and 1")
        self._threshold = threshold
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
        self._keys = tuple(phrases)
        self._phrases = _parse(phrases)
        self._points = _points(self._phrases)
        self._full_points = _points(self._phrases, particles=False)
        # Near misses are sought among the stems and the phrases' own words, since the stemmer cuts some
        # inflections of one word apart ("valgmuligheder": "valgmu", "valgmulighederne": "valgmulighed").
        self._forms = _forms(self._phrases)
        self._by_initial: dict[str, list[str]] = {}
        # Near misses are of words as long as NEAR_MISS_MIN_LENGTH, both the heard and the known ("karen" is
        # no near miss of "klar").
        for form in sorted(f for f in self._forms if len(f) >= NEAR_MISS_MIN_LENGTH):
            self._by_initial.setdefault(form[0], []).append(form)
        self._heads = [form for form in self._forms if len(form) >= COMPOUND_HEAD_MIN_LENGTH]
        context = {stem(word) for word in CONTEXT_WORDS} | CONTEXT_WORDS
        self._context = frozenset(context)
        self._shared = frozenset(
            known for known, per_key in self._points.items() if _is_shared(per_key) or known in context
        )
        self._modifiers = [form for form in self._forms if len(form) >= COMPOUND_MODIFIER_MIN_LENGTH]
        self._whole = [phrase for phrase in self._phrases if not phrase.stems]
        self._multiword_phrases = [phrase for phrase in self._phrases if len(phrase.words) > 1]
        # Each key's side of the procedure, where its phrases name one side only (preparing: before).
        self._sides = {key: _side(p.words for p in self._phrases if p.key == key) for key in self._keys}
        # The one choice about risk, whose phrases name it ("risiko"), if there is one.
        risky = list(self._points.get(stem(RISK), {}))
        self._risk = risky[0] if len(risky) == 1 else None
        # Phrases of one topic word and fillers that are no noise ("ringer lægen", not "om rodblokade").
        self._one_topic_phrases = [
            p for p in self._phrases if len(p.stems) == 1 and any(w not in NOISE_WORDS for w in p.words[1:])
        ]
        self._side_stems = frozenset(
            {stem(w) for w in BEFORE_WORDS | AFTER_WORDS} | BEFORE_WORDS | AFTER_WORDS
        )
        self._particle_verbs = [p for p in self._phrases if p.particle is not None]
        self._multiword = {
            key: [p.stems for p in self._phrases if p.key == key and len(p.stems) > 1] for key in self._keys
        }

    def understand(self, said: str, confidence: float | None) -> Understood:
        """The choice an utterance means, a question back about the best choice, or nothing."""
        words = words_of(said)
        listed = self._listed(words)
        if listed is not None:
            return Understood(listed, None, 1.0)
        found, unknown = self._heard_stems(words)
        heard: dict[str, float] = {}
        for known, similarity in found:
            heard[known] = max(heard.get(known, 0.0), similarity)
        understood = self._meaning(words, heard, unknown, confidence)
        if understood.outcome == "nothing" and self._risk is not None and self._supposed_urgent(words):
            # An urgent word supposed ("kan jeg blive lam af det") asks what can go wrong: the choice about
            # risk is asked back.
            return Understood("ask", self._risk, ASK_AT)
        side_only = set(heard) <= self._side_stems and unknown <= 1
        if understood.outcome == "nothing" and self._context_only(heard) and (side_only or not unknown):
            # Nothing but when it is asked ("hvad skal jeg huske inden"): the one choice about that side of
            # the procedure is asked back, not missed; not beside a topic word and a word the line does not
            # know ("ryge før blokaden": what is asked is not known).
            side = self._side_choice(words)
            if side is not None:
                return Understood("ask", side, ASK_AT)
        return understood

    def _meaning(
        self, words: Sequence[str], heard: Mapping[str, float], unknown: int, confidence: float | None
    ) -> Understood:
        """The choice the words heard mean, a question back, a word list's outcome or nothing."""
        # Only a line that lists unanswered questions has the sentence to say so (`not_in_leaflet`).
        answers_unanswered = bool(self._lists["unanswered"])
        if answers_unanswered and unknown and self._context_only(heard) and _asks_permission(words):
            return Understood("unanswered", None, 1.0)
        lifted = self._with_particle(words)
        scores = {} if unknown and self._context_only(heard) else self._scores(heard, lifted)
        if not scores:
            # A phrase of fillers ("hvad er det", "kan ikke komme") beside a word the line does not know is
            # asked back, not acted on ("hvad er det for et stof").
            most = ASK_AT if unknown else 1.0
            scores = {key: min(most, held) for key, held in self._whole_phrase_scores(words).items()}
        named = self._named_key(words)
        if named is not None:
            scores = {named: max(scores.get(named, 0.0), 1.0)}
        if not scores:
            return Understood("nothing", None, 0.0)
        shared_only = self._context_only(heard) and named is None
        # A topic word several choices share ("rodblokaden", not only when or where: "før") beside what points
        # at one choice alone (its phrase of fillers, "hvad er det") is asked back about it, not missed.
        one_topic = shared_only and len(scores) == 1 and any(k not in self._context for k in heard)
        doubt = None if named is not None else self._doubt(heard, scores, words, answers_unanswered)
        if doubt is not None:
            return doubt
        return self._decide(
            scores,
            unsure=confidence is not None and confidence < self._threshold,
            shared_only=shared_only,
            one_topic=one_topic,
            words=words,
        )

    def _doubt(
        self, heard: Mapping[str, float], scores: Mapping[str, float], words: Sequence[str], unanswered: bool
    ) -> Understood | None:
        """What is understood when the best choice's topic word is not the question's: a choice about before
        the procedure in a question set after it, or two choices pointed at at once; None when neither."""
        if self._other_side(scores, words):
            # The leaflet does not answer it there ("må jeg spise når jeg er kommet hjem", "kan jeg spise
            # bagefter"), asked leave or not.
            outcome: Outcome = "unanswered" if unanswered else "nothing"
            return Understood(outcome, None, max(scores.values()))
        # Two topics joined ("komplikationer og bedøvelse") are both asked for: the best is asked back.
        torn = set() if any(word in JOINING for word in words) else self._torn(heard, scores)
        if not torn:
            return None
        # Unless one of the choices' phrases was said whole ("er det farligt for nerverne"): that one is
        # asked back.
        whole = self._said_whole(words) & torn
        if len(whole) == 1:
            key = whole.pop()
            return Understood("ask", key, scores[key])
        if self._risk in torn:
            # A risk of something another choice is about ("er der nogen risiko ved bedøvelsen", "infektion
            # af nålen") asks what can go wrong: the choice about risk is asked back.
            return Understood("ask", self._risk, scores[self._risk])
        return Understood("nothing", None, max(scores.values()))

    def _supposed_urgent(self, words: Sequence[str]) -> bool:
        """Tell whether the words suppose an urgent word rather than tell it ("kan man få feber af det")."""
        return _supposes(words) and self._holds("urgent", words)

    def _side_choice(self, words: Sequence[str]) -> str | None:
        """The one choice about the side of the procedure the words set a question on ("før", "inden"), if one
        choice alone is about that side; None after "hvor", where "før" says how long ("hvor mange uger går
        der før i ringer")."""
        side = _side([words])
        if side is None or QUESTION_OF_TIME in words:
            return None
        keys = [key for key in self._keys if self._sides[key] == side]
        return keys[0] if len(keys) == 1 else None

    def _other_side(self, scores: Mapping[str, float], words: Sequence[str]) -> bool:
        """Tell whether the best key is about before the procedure and the words set the question after it.

        Only that way round: "før" is also a conjunction in questions about what comes after ("hvor lang
        tid går der før det virker")."""
        best = max(scores, key=lambda key: scores[key])
        return self._sides[best] == "before" and _side([words]) == "after"

    def _torn(self, heard: Mapping[str, float], scores: Mapping[str, float]) -> set[str]:
        """The choices words only one choice has point at, when there are two or more and the second scores
        close enough to the first that either may be the question's topic ("kan jeg mærke når de stikker"):
        acting on or asking about either is a guess. Empty when not torn."""
        specific = {key for known in heard if known not in self._shared for key in self._points[known]}
        if len(specific) < 2:
            return set()
        ranked = sorted((scores.get(key, 0.0) for key in specific), reverse=True)
        return specific if ranked[1] >= TORN_SHARE * ranked[0] else set()

    def _decide(
        self,
        scores: Mapping[str, float],
        *,
        unsure: bool,
        shared_only: bool,
        one_topic: bool,
        words: Sequence[str],
    ) -> Understood:
        """Matched, asked back or nothing, from the keys' scores."""
        ranked = sorted(scores.items(), key=lambda item: (-item[1], self._keys.index(item[0])))
        key, best = ranked[0]
        if best < NOTHING_BELOW:
            return Understood("nothing", None, best)
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if shared_only and best < MATCH_AT and not (one_topic and best >= ASK_AT):
            # A part of a phrase, and only of words several choices share ("før"): no question back either,
            # unless they point at one choice alone: then that one is asked back.
            return Understood("nothing", None, best)
        if runner_up >= AMBIGUOUS_SHARE * best and shared_only:
            return self._among_shared(scores, best, unsure=unsure, words=words)
        if unsure or best < MATCH_AT or runner_up >= AMBIGUOUS_SHARE * best:
            return Understood("ask", key, best)
        return Understood("matched", key, best)

    def _among_shared(
        self, scores: Mapping[str, float], best: float, *, unsure: bool, words: Sequence[str]
    ) -> Understood:
        """Only words several choices share, scoring close: asking about one of them is a guess, unless the
        caller said one choice's phrase word for word ("jeg kan ikke følge med")."""
        whole = self._said_whole(words)
        if len(whole) == 1:
            key = whole.pop()
            return Understood("ask" if unsure else "matched", key, scores.get(key, best))
        # Or one choice's phrase of one topic word was said, in another order or inflection ("hvornår ringer
        # min læge"): that one is asked back.
        close = {k for k, score in scores.items() if score >= AMBIGUOUS_SHARE * best}
        fitting = self._fitting(words) & close
        if len(fitting) == 1:
            key = fitting.pop()
            return Understood("ask", key, scores[key])
        return Understood("nothing", None, best)

    def hints(self, most: int = HINTS_MAX_ENTRIES) -> str:
        """Twilio's <Gather> `hints`: the phrases, comma-separated, within its limits, most useful first.

        The first phrase of every key comes before the second of any, so a cut list still names every key.
        `most`: how many phrases at most (the line takes fewer than Twilio allows: they are in every menu's
        document, and a worker keeps thousands of those).
        """
        seen: set[str] = set()
        hints: list[str] = []
        for phrase in _round_robin(self._phrases, self._keys):
            hint = " ".join(words_of(phrase.text))
            if hint and hint not in seen and len(hint) <= HINT_MAX_CHARS:
                seen.add(hint)
                hints.append(hint)
        return ", ".join(hints[: min(most, HINTS_MAX_ENTRIES)])

    def _listed(self, words: Sequence[str]) -> Outcome | None:
        """The first word list one of whose phrases the utterance holds, word after word."""
        for outcome in self._lists:
            if outcome == "urgent" and _supposes(words):
                continue  # "hvad sker der hvis det bløder", "kan jeg blive lam af det": a question of risk
            if self._holds(outcome, words):
                return outcome
        return None

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

    def _said_whole(self, words: Sequence[str]) -> set[str]:
        """The keys one of whose phrases of several words the words hold, word for word."""
        said = f" {' '.join(words)} "
        return {p.key for p in self._multiword_phrases if f" {' '.join(p.words)} " in said}

    def _context_only(self, heard: Mapping[str, float]) -> bool:
        """Tell whether only words several choices share were heard ("lægen", "blokaden"). Beside a word the
        line does not know, the shared word is the question's context and the question itself ("hvad gør
        lægen når jeg ligger der") was not understood: guessing from the context is how a caller gets another
        choice than the one asked for."""
        return bool(heard) and all(known in self._shared for known in heard)

    def _fitting(self, words: Sequence[str]) -> set[str]:
        """The keys with a phrase of one topic word and fillers whose every word was said, in any order and
        inflection: "ringer lægen" in "hvornår ringer min læge" fits better than "spørgsmål til lægen"."""
        return {
            phrase.key
            for phrase in self._one_topic_phrases
            if all(any(_same_word(word, own) for word in words) for own in phrase.words)
        }

    def _with_particle(self, words: Sequence[str]) -> set[tuple[str, str]]:
        """The (stem, key) of the particle verbs heard with their particle somewhere after the verb ("kan i
        lægge min tid om"), which then count fully."""
        lifted: set[tuple[str, str]] = set()
        said = set(words)
        verbs = [phrase for phrase in self._particle_verbs if phrase.particle in said]
        if not verbs:
            return lifted
        stems = [self._forms.get(word) or stem(word) for word in words]
        for phrase in verbs:
            verb = phrase.stems[0]
            at = next((i for i, stemmed in enumerate(stems) if stemmed == verb), None)
            if at is not None and phrase.particle in words[at + 1 :]:
                lifted.add((verb, phrase.key))
        return lifted

    def _scores(self, heard: Mapping[str, float], lifted: set[tuple[str, str]]) -> dict[str, float]:
        """Each key's points for the known stems heard; `lifted`: particle verbs heard with their particle."""
        # Beside a word only one choice has, a word several share is the question's context ("infektion
        # af blokaden"): it counts less for the choices the specific words do not name, in the words and in
        # a phrase heard whole; for a choice they name it counts fully ("hvor lang tid").
        named = {key for known in heard if known not in self._shared for key in self._points[known]}

        def weight(known: str, key: str) -> float:
            return SHARED_BESIDE_SPECIFIC if named and known in self._shared and key not in named else 1.0

        scores: dict[str, float] = {}
        for known, similarity in heard.items():
            for key, points in self._points[known].items():
                full = self._full_points[known][key] if (known, key) in lifted else points
                scores[key] = scores.get(key, 0.0) + full * similarity * weight(known, key)
        for key in scores:
            whole = [stems for stems in self._multiword[key] if all(s in heard for s in stems)]
            if whole:
                share = max(sum(weight(s, key) for s in stems) / len(stems) for stems in whole)
                scores[key] += WHOLE_PHRASE_BONUS * share
        return scores

    def _heard_stems(self, words: Sequence[str]) -> tuple[list[tuple[str, float]], int]:
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
        if word in self._forms:
            return self._forms[word], 1.0
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
        found = [(self._forms[form], score / 100.0) for form, score, _ in filter(None, nearest)]
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
            return self._forms[max(heads, key=len)], COMPOUND_SIMILARITY
        modifiers = [form for form in self._modifiers if word.startswith(form) and len(word) > len(form)]
        return (self._forms[max(modifiers, key=len)], COMPOUND_MODIFIER_SIMILARITY) if modifiers else None

    def _whole_phrase_scores(self, words: Sequence[str]) -> dict[str, float]:
        """Keys whose filler-only phrases ("hvad er det") the words hold word for word; only the longest held
        count, so "hvad skal jeg have på" is not also "hvad" (say it again)."""
        said = f" {' '.join(words)} "
        # A one-word phrase ("hvad", "hallo") only when nothing but noise surrounds it ("hvad er klokken" and
        # "hvad kan jeg høre om" are questions, not "say it again").
        held = [
            phrase
            for phrase in self._whole
            if f" {' '.join(phrase.words)} " in said
            and (len(phrase.words) > 1 or all(w in NOISE_WORDS or w == phrase.words[0] for w in words))
        ]
        longest = max((len(phrase.words) for phrase in held), default=0)
        return {phrase.key: 1.0 for phrase in held if len(phrase.words) == longest}

    def _named_key(self, words: Sequence[str]) -> str | None:
        """The key an utterance names by its number or place alone ("tre", "nummer fem", "den anden")."""
        # "jeg har to spørgsmål" and "for to uger siden" name no key; "to tak" does.
        last = len(words) - 1
        while last > 0 and words[last] in NOISE_WORDS:
            last -= 1
        named = [
            word
            for at, word in enumerate(words)
            if word not in NUMBER_WORDS or at == last or (at > 0 and words[at - 1] in KEY_NAMING_WORDS)
        ]
        left = [w for w in named if w in NUMBER_WORDS or w not in FILLER_WORDS | KEY_NAMING_WORDS]
        if not left:
            # A place names a choice after "den", "det" or a key's name, or said first ("anden tak"); "hvad
            # andet kan du fortælle om" is no choice.
            left = [
                word
                for at, word in enumerate(words)
                if word in ORDINALS
                and (all(w in NOISE_WORDS for w in words[:at]) or words[at - 1] in ORDINAL_NAMING)
            ]
        if len(left) != 1 or left[0] not in NUMBER_WORDS.keys() | ORDINALS.keys():
            return None
        key = NUMBER_WORDS.get(left[0]) or ORDINALS[left[0]]
        return key if key in self._keys else None


def _parse(phrases: Mapping[str, Sequence[str]]) -> list[_Phrase]:
    """The phrases cut into words and stems, checked."""
    parsed: list[_Phrase] = []
    for key, texts in phrases.items():
        if key not in KEYPAD:
            raise ValueError(f"phrases for {key!r}: not a keypad key")
        if not texts:
            raise ValueError(f"phrases for {key!r}: no phrases")
        for text in texts:
            words = tuple(words_of(text))
            if not words:
                raise ValueError(f"phrases for {key!r}: {text!r} has no words")
            stems = tuple(dict.fromkeys(stem(w) for w in words if w not in _NOT_CONTENT))
            parsed.append(_Phrase(key, text, stems, words, _particle(words, stems)))
    return parsed


def _points(phrases: Sequence[_Phrase], *, particles: bool = True) -> dict[str, dict[str, float]]:
    """For each content stem, the points it gives each key: the most any of the key's phrases gives it;
    a particle verb's share without its particle, unless `particles` is false."""
    points: dict[str, dict[str, float]] = {}
    for phrase in phrases:
        share = PARTICLE_ALONE if particles and phrase.particle is not None else 1.0
        for stemmed in phrase.stems:
            per_key = points.setdefault(stemmed, {})
            per_key[phrase.key] = max(per_key.get(phrase.key, 0.0), share / len(phrase.stems))
    return points


def _particle(words: Sequence[str], stems: Sequence[str]) -> str | None:
    """The particle right after a phrase's one content word ("om" in "lagt om", "i" in "fat i"), if any."""
    if len(stems) != 1:
        return None
    for word, following in itertools.pairwise(words):
        if word not in FILLER_WORDS and following in PARTICLES:
            return following
    return None


def _forms(phrases: Sequence[_Phrase]) -> dict[str, str]:
    """Every content word of the phrases and every stem long enough to stand alone, each with its stem."""
    forms: dict[str, str] = {}
    for phrase in phrases:
        for word in phrase.words:
            if word not in _NOT_CONTENT:
                # A short stem alone is often another word ("far" is the stem of "farligt").
                if len(stem(word)) >= SHORT_STEM:
                    forms.setdefault(stem(word), stem(word))
                forms.setdefault(word, stem(word))
    return forms


def _side(texts: Iterable[Sequence[str]]) -> str | None:
    """ "before" or "after" when the words name only that side of the procedure, else None."""
    words = {word for text in texts for word in text}
    before, after = bool(words & BEFORE_WORDS), bool(words & AFTER_WORDS)
    return "before" if before and not after else "after" if after and not before else None


def _is_shared(per_key: Mapping[str, float]) -> bool:
    """Tell whether a stem's points make it a word several choices share ("blokaden", "lægen")."""
    return len(per_key) >= SHARED_BY_KEYS


def _carries_meaning(word: str) -> bool:
    """Tell whether a word may carry meaning: neither a filler nor a key's name or number."""
    named = word in NUMBER_WORDS or word in ORDINALS or word in KEY_NAMING_WORDS
    return not named and word not in FILLER_WORDS and word not in CONTEXT_WORDS


def _asks_permission(words: Sequence[str]) -> bool:
    """Tell whether an utterance asks for permission: "må jeg", "må man", "hvornår må jeg", "jeg må"."""
    pairs = itertools.pairwise(words)
    return any((a == PERMISSION and b in ASKERS) or (a in ASKERS and b == PERMISSION) for a, b in pairs)


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


def _round_robin(phrases: Sequence[_Phrase], keys: Sequence[str]) -> list[_Phrase]:
    """The phrases in turns: every key's first, then every key's second, and so on."""
    queues = {key: [p for p in phrases if p.key == key] for key in keys}
    ordered: list[_Phrase] = []
    for turn in range(max(len(queue) for queue in queues.values())):
        ordered.extend(queue[turn] for queue in queues.values() if turn < len(queue))
    return ordered


def _same_word(word: str, other: str) -> bool:
    """Tell whether two words are one in another inflection: one stem and the letter after it ("læge" and
    "lægen", not "lægen" and "lægge", both "læg" to the stemmer)."""
    if word == other:
        return True
    stemmed = stem(word)
    return stemmed == stem(other) and word[: len(stemmed) + 1] == other[: len(stemmed) + 1]


def _similarity(match: tuple[str, float] | None) -> float:
    """A match's similarity, 0.0 for none."""
    return 0.0 if match is None else match[1]


def is_yes(said: str) -> bool:
    """Tell whether an answer to "Mente du ...?" is yes: a yes-word, and no no-word ("ja" but not "nej")."""
    words = words_of(said)
    return any(word in YES_WORDS for word in words) and not any(word in NO_WORDS for word in words)


def is_no(said: str) -> bool:
    """Tell whether an answer to a question back is no: a no-word, and no yes-word."""
    words = words_of(said)
    return any(word in NO_WORDS for word in words) and not any(word in YES_WORDS for word in words)
