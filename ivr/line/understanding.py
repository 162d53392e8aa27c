"""Understanding what a caller says: Twilio's recognised words mapped to one keypad choice, or a question.

Each key's phrases (from the content file) are cut into words, filler words dropped, and the rest stemmed
with snowballstemmer's Danish stemmer, so "komplikationerne" and "komplikation" are one word. Each phrase
spreads one point over its words: a one-word phrase ("komplikationer") gives its word a full point, a
two-word phrase ("før indgrebet") half a point each. An utterance is cut and stemmed the same way, each of its
words matched to the nearest known word, and a key scores the sum of its best points for the words heard,
plus a bonus when one of its phrases of several words is heard whole. A word the context puts in many
questions ("rodblokaden", "indgrebet") thus counts fully only where it is the question itself.

Here are the scores and the decision; the parts they use are modules of their own in `ivr/line/`:
`words.py` cuts and stems a text, `phrases.py` reads the phrases into stems and points, `known_words.py` finds
the known word each word of an utterance stands for, recognition errors forgiven (joined words, near misses,
compounds), `word_lists.py` finds the urgent words and the unanswered questions, `understood.py` is the
result.

A word several choices share ("lægen", "blokaden") is the question's context: beside a word the line does
not know, nothing is guessed from it (a wrong choice acted on is worse than saying it again), and beside a
word one choice has it counts less for the others. The word lists skip intensifiers and pronouns ("kan han
slet ikke gå" is "kan ikke gå"; `ivr/line/word_lists.py`).

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

Outcomes: a clear best key is "matched"; a best key that scores only partly, two keys that score close, a
recogniser that was unsure (`Confidence` below the threshold), or a key pointed at only by words several
choices share with none of its phrases heard whole ("hvad med min tid") give "ask" with the best key: a
question back costs a turn, another section much more. Words that match no key, or a question back resting
on one known word among unknown ones ("jeg har fået en ny hofte"), are "nothing". Phrases made only of
filler words ("hvad er det", "hvad skal jeg have på") are heard only when the utterance holds them word for
word and nothing else matched.

What was said is never logged, stored or cached here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ivr.line.heard_words import (
    AFTER_WORDS,
    ASKERS,
    BEFORE_WORDS,
    CONTEXT_WORDS,
    FILLER_WORDS,
    JOINING,
    KEY_NAMING_WORDS,
    NOISE_WORDS,
    NUMBER_WORDS,
    ORDINAL_NAMING,
    ORDINALS,
    PERMISSION,
    RISK,
)
from ivr.line.known_words import KnownWords
from ivr.line.phrases import parse_phrases, points_of, round_robin
from ivr.line.understood import Outcome, Understood
from ivr.line.word_lists import WordLists
from ivr.line.words import stem, words_of

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
# "Før" after this is "until", not "before" ("hvor lang tid går der før det virker").
QUESTION_OF_TIME = "hvor"
# Twilio's Confidence below this is asked back.
DEFAULT_CONFIDENCE_THRESHOLD = 0.5
# A question back that rests on a part of a phrase, from one known word among at least this many words the
# line does not know, is a guess: nothing is understood instead ("jeg har fået en ny hofte" is no new time).
THIN_AMONG_UNKNOWN = 2


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
        self._lists = WordLists(lists)
        self._keys = tuple(phrases)
        self._phrases = parse_phrases(phrases)
        self._points = points_of(self._phrases)
        self._full_points = points_of(self._phrases, particles=False)
        self._known = KnownWords(self._phrases, self._points)
        context = {stem(word) for word in CONTEXT_WORDS} | CONTEXT_WORDS
        self._context = frozenset(context)
        self._shared = frozenset(
            known for known, per_key in self._points.items() if _is_shared(per_key) or known in context
        )
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
        # Each one-word phrase's stem and the keys it names ("rodblokade", "stikker", "bagefter").
        self._titles: dict[str, set[str]] = {}
        for phrase in self._phrases:
            if len(phrase.words) == 1 and len(phrase.stems) == 1:
                self._titles.setdefault(phrase.stems[0], set()).add(phrase.key)
        self._multiword = {
            key: [p.stems for p in self._phrases if p.key == key and len(p.stems) > 1] for key in self._keys
        }

    def understand(self, said: str, confidence: float | None) -> Understood:
        """The choice an utterance means, a question back about the best choice, or nothing."""
        words = words_of(said)
        listed = self._lists.listed(words)
        if listed is not None:
            return Understood(listed, None, 1.0)
        found, unknown = self._known.heard_stems(words)
        heard: dict[str, float] = {}
        for known, similarity in found:
            heard[known] = max(heard.get(known, 0.0), similarity)
        understood = self._meaning(words, heard, unknown, confidence)
        if self._thin(understood, words, heard, unknown):
            understood = Understood("nothing", None, understood.score)
        if understood.outcome == "nothing" and self._risk is not None and self._lists.supposed_urgent(words):
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
        if understood.outcome == "matched" and understood.key in self._said_whole(words):
            return replace(understood, whole=True)
        return understood

    def _meaning(
        self, words: Sequence[str], heard: Mapping[str, float], unknown: int, confidence: float | None
    ) -> Understood:
        """The choice the words heard mean, a question back, a word list's outcome or nothing."""
        # Only a line that lists unanswered questions has the sentence to say so (`not_in_leaflet`).
        answers_unanswered = self._lists.has("unanswered")
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
            whole=self._phrase_heard(heard) if shared_only else set(),
        )

    def _thin(
        self, understood: Understood, words: Sequence[str], heard: Mapping[str, float], unknown: int
    ) -> bool:
        """Tell whether a question back rests on too little: part of a phrase, from the one word the line
        knows among THIN_AMONG_UNKNOWN or more it does not, no phrase of fillers said whole ("jeg er syg og
        kan ikke komme" is asked back). What was asked is in the words the line does not know."""
        return (
            understood.outcome == "ask"
            and understood.score < MATCH_AT
            and len(heard) == 1
            and unknown >= THIN_AMONG_UNKNOWN
            and not self._whole_phrase_scores(words)
        )

    def _phrase_heard(self, heard: Mapping[str, float]) -> set[str]:
        """The keys one of whose phrases was heard whole, in any inflection: a one-word phrase
        ("rodblokaden"), or every content word of a longer one ("stille mig videre")."""
        keys = {key for known in heard for key in self._titles.get(known, ())}
        longer = self._multiword.items()
        return keys | {key for key, phrases in longer if any(all(s in heard for s in p) for p in phrases)}

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
        whole: set[str],
    ) -> Understood:
        """Matched, asked back or nothing, from the keys' scores; `whole`: the keys one of whose phrases was
        heard whole, in any inflection."""
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
        if shared_only and key not in whole and key not in self._said_whole(words):
            # Only words several choices share, neither the choice's own word nor its phrase said whole
            # ("jeg har ringet før i dag", "hvornår er min tid"): the words are the question's context, not
            # clearly its topic. Asked back, not acted on: a question costs the caller a turn, another
            # section much more.
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
        for phrase in round_robin(self._phrases, self._keys):
            hint = " ".join(words_of(phrase.text))
            if hint and hint not in seen and len(hint) <= HINT_MAX_CHARS:
                seen.add(hint)
                hints.append(hint)
        return ", ".join(hints[: min(most, HINTS_MAX_ENTRIES)])

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
        stems = [self._known.forms.get(word) or stem(word) for word in words]
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


def _side(texts: Iterable[Sequence[str]]) -> str | None:
    """ "before" or "after" when the words name only that side of the procedure, else None."""
    words = {word for text in texts for word in text}
    before, after = bool(words & BEFORE_WORDS), bool(words & AFTER_WORDS)
    return "before" if before and not after else "after" if after and not before else None


def _is_shared(per_key: Mapping[str, float]) -> bool:
    """Tell whether a stem's points make it a word several choices share ("blokaden", "lægen")."""
    return len(per_key) >= SHARED_BY_KEYS


def _asks_permission(words: Sequence[str]) -> bool:
    """Tell whether an utterance asks for permission: "må jeg", "må man", "hvornår må jeg", "jeg må"."""
    pairs = itertools.pairwise(words)
    return any((a == PERMISSION and b in ASKERS) or (a in ASKERS and b == PERMISSION) for a, b in pairs)


def _same_word(word: str, other: str) -> bool:
    """Tell whether two words are one in another inflection: one stem and the letter after it ("læge" and
    "lægen", not "lægen" and "lægge", both "læg" to the stemmer)."""
    if word == other:
        return True
    stemmed = stem(word)
    return stemmed == stem(other) and word[: len(stemmed) + 1] == other[: len(stemmed) + 1]
