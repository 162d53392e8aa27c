"""Understanding what a caller says: the phrase set's shares, each rule on its own, Twilio's hints limit."""

from __future__ import annotations

import ast
import importlib
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.caller_phrasings import CALLERS, CALLERS_HELD_OUT
from bench.caller_phrasings_2 import CALLERS_2, CALLERS_2_HELD_OUT
from bench.caller_phrasings_3 import CALLERS_3, CALLERS_3_ASIDE
from bench.caller_phrasings_4 import CALLERS_4
from bench.fresh_phrasings import FRESH
from bench.phrasings import ALL, DEVELOPMENT, HELD_OUT, RODBLOKADE_LISTS, RODBLOKADE_PHRASES, Utterance, tally
from ivr.line.heard_words import AFTER_WORDS
from ivr.line.understanding import HINT_MAX_CHARS, HINTS_MAX_ENTRIES, Understanding

LINE = Understanding(RODBLOKADE_PHRASES, lists=RODBLOKADE_LISTS)
KEYS = ("1", "2", "3", "4", "5", "0", "*", "#", "7", "6")
# Right or asked back about the right key, and a wrong choice taken or asked about seldom: a guard against
# going back on the tuned sets, not the targets. (0.95 and 0.02 before the second round's 399 harder
# phrasings joined the tuned sets; docs/performance.md has the figures.)
RIGHT_OR_ASKED = 0.90
WRONG_AT_MOST = 0.025


@pytest.fixture
def line() -> Understanding:
    return LINE


def test_the_phrases_cover_every_key_with_6_to_50_phrasings() -> None:
    assert set(RODBLOKADE_PHRASES) == set(KEYS)
    for key, phrases in RODBLOKADE_PHRASES.items():
        # The secretariat's key takes the errands only it can do as well.
        assert 6 <= len(phrases) <= 50, key
        assert len(set(phrases)) == len(phrases), key


def test_the_utterances_cover_every_key_and_nothing() -> None:
    assert len(ALL) >= 150
    assert len(HELD_OUT) == 30
    assert {key for _, key in ALL} == {*KEYS, None, "urgent", "unanswered"}
    # Written before key 6 (the secretariat's number) was offered.
    assert {key for _, key in HELD_OUT} == {*KEYS, None} - {"6"}
    assert len({said for said, _ in ALL}) == len(ALL), "an utterance is listed twice"


@pytest.mark.parametrize("utterances", [ALL, HELD_OUT, DEVELOPMENT], ids=["all", "held-out", "development"])
def test_the_shares_meet_the_target(line: Understanding, utterances: list[Utterance]) -> None:
    shares = tally(line, utterances)
    assert shares.right + shares.asked >= RIGHT_OR_ASKED, shares
    assert shares.wrong <= WRONG_AT_MOST, shares


@pytest.mark.parametrize(
    ("said", "key"),
    [
        # Fillers around the words that matter.
        ("øh altså jeg vil gerne høre om komplikationer tak", "5"),
        ("ja hvad med sekretariatet", "0"),
        ("kan du fortælle om bedøvelsen", "2"),
        # Inflections: stems on both sides.
        ("komplikationerne", "5"),
        ("komplikation", "5"),
        ("rodblokaderne", "1"),
        ("infektioner", "5"),
        # Near misses and words split or joined by the recogniser.
        ("kom plikationer", "5"),
        ("rod blokade", "1"),
        ("rodblokkade", "1"),
        ("sekretæriatet", "0"),
        ("lokalbedøvelse", "2"),
        # Other word order.
        ("faste skal jeg det", "3"),
        # A whole phrase beats the single word it contains.
        ("før indgrebet", "3"),
        ("efter indgrebet", "4"),
        # Keys said by name.
        ("tryk to", "2"),
        ("nummer fem", "5"),
        ("stjerne", "*"),
        ("firkant", "#"),
        ("7", "7"),
    ],
)
def test_matched(line: Understanding, said: str, key: str) -> None:
    understood = line.understand(said, 0.9)
    assert (understood.outcome, understood.key) == ("matched", key)


def test_low_confidence_is_asked_back_with_the_best_choice(line: Understanding) -> None:
    understood = line.understand("komplikationer", 0.2)
    assert (understood.outcome, understood.key) == ("ask", "5")


def test_a_missing_confidence_is_no_reason_to_ask(line: Understanding) -> None:
    assert line.understand("komplikationer", None).outcome == "matched"


def test_the_threshold_is_the_callers_choice() -> None:
    strict = Understanding(RODBLOKADE_PHRASES, threshold=0.95)
    assert strict.understand("komplikationer", 0.9).outcome == "ask"
    assert strict.understand("komplikationer", 0.96).outcome == "matched"


@pytest.mark.parametrize(
    ("said", "choices"),
    [
        ("komplikationer og bedøvelse", {"2", "5"}),
        ("tøj og bivirkninger", {"3", "5"}),
        ("hvor lang tid", {"2"}),  # two words of a three-word phrase
    ],
)
def test_ambiguous_or_partial_is_asked_back(line: Understanding, said: str, choices: set[str]) -> None:
    understood = line.understand(said, 0.9)
    assert understood.outcome == "ask"
    assert understood.key in choices


@pytest.mark.parametrize(
    "said",
    [
        "hvad er klokken",
        "jeg har et spørgsmål",
        "",
        "   ",
        "øh",
        "?!",
        "9",
    ],
)
def test_nothing(line: Understanding, said: str) -> None:
    understood = line.understand(said, 0.9)
    assert (understood.outcome, understood.key) == ("nothing", None)


@pytest.mark.parametrize(
    ("said", "outcome", "key"),
    [
        # Urgent words win over any choice, but only as the list words them ("kan ikke gå", not "gå").
        ("jeg kan ikke gå efter blokaden", "urgent", None),
        ("øh jeg har fået feber og benet er svagt", "urgent", None),
        ("det er akut", "urgent", None),
        ("min far kan ikke rejse sig fra stolen", "urgent", None),
        ("skal vi køre på akutmodtagelsen", "urgent", None),
        ("kan jeg gå på arbejde dagen efter", "unanswered", None),
        ("kan det bløde", "matched", "5"),
        # A question the leaflet does not answer is never a section.
        ("kan jeg køre bil bagefter", "unanswered", None),
        # Ordinals, and articles as keys only alone, last or after a word that names a key.
        ("den anden", "matched", "2"),
        ("den femte tak", "matched", "5"),
        ("en", "matched", "1"),
        ("tryk et", "matched", "1"),
        ("ja tak en", "matched", "1"),
        # "Hvad?" alone asks to hear it again; "hvad skal jeg have på" is still its own question.
        ("hvad", "matched", "*"),
        ("hallo", "matched", "*"),
        ("hvad skal jeg have på", "matched", "3"),
        # Errands only the secretariat can do.
        ("jeg vil flytte min tid", "matched", "0"),
        ("jeg skal aflyse", "matched", "0"),
    ],
)
def test_urgent_words_errands_ordinals_and_articles(
    line: Understanding, said: str, outcome: str, key: str | None
) -> None:
    understood = line.understand(said, 0.9)
    assert (understood.outcome, understood.key) == (outcome, key)


def test_the_fresh_set_is_held_out() -> None:
    """The issue 26 set, never tuned against: no utterance of it is in the tuned sets, and it covers every
    choice and word list. Its shares are reported by bench/understanding.py, not asserted here: a test on them
    would be a reason to tune against it."""
    tuned = {said for said, _ in ALL}
    assert not tuned & {said for said, _ in FRESH}
    assert {key for _, key in FRESH} == {*KEYS, None, "urgent", "unanswered"}
    assert len({said for said, _ in FRESH}) == len(FRESH) >= 80


def test_hints_are_within_twilios_limits_and_name_every_key_first(line: Understanding) -> None:
    hints = line.hints().split(", ")
    assert 0 < len(hints) <= HINTS_MAX_ENTRIES
    assert all(0 < len(hint) <= HINT_MAX_CHARS and "," not in hint for hint in hints)
    assert len(set(hints)) == len(hints)
    assert hints[: len(KEYS)] == [RODBLOKADE_PHRASES[key][0] for key in KEYS]


def test_hints_are_cut_at_twilios_limits() -> None:
    many = {"1": [f"emne nummer {n}" for n in range(600)] + ["lang " * 30], "2": ["indgrebet"]}
    hints = Understanding(many).hints().split(", ")
    assert len(hints) == HINTS_MAX_ENTRIES
    assert hints[:2] == ["emne nummer 0", "indgrebet"]
    assert all(len(hint) <= HINT_MAX_CHARS for hint in hints)


@pytest.mark.parametrize(
    ("phrases", "problem"),
    [
        ({"x": ["noget"]}, "not a keypad key"),
        ({"1": []}, "no phrases"),
        ({"1": ["?!"]}, "has no words"),
    ],
)
def test_bad_phrases_are_named(phrases: dict[str, list[str]], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Understanding(phrases)


@pytest.mark.parametrize(
    "name", ["understanding", "known_words", "phrases", "word_lists", "words", "understood", "yes_no"]
)
def test_the_module_never_logs_what_was_said(name: str) -> None:
    module = importlib.import_module(f"ivr.line.{name}")
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert "logging" not in names
    assert "print" not in calls


@given(
    said=st.text(max_size=200),
    confidence=st.none() | st.floats(min_value=0.0, max_value=1.0),
)
def test_any_text_gets_one_of_the_outcomes(said: str, confidence: float | None) -> None:
    understood = LINE.understand(said, confidence)
    assert understood.outcome in {"matched", "ask", "nothing", "urgent", "unanswered"}
    # Only a key chosen or asked about carries one; urgent words and unanswered questions are not a key.
    assert (understood.key is None) == (understood.outcome in {"nothing", "urgent", "unanswered"})
    assert understood.key is None or understood.key in RODBLOKADE_PHRASES
    assert math.isfinite(understood.score)
    assert understood.score >= 0.0


@given(words=st.lists(st.sampled_from([w for p in RODBLOKADE_PHRASES.values() for w in p]), max_size=6))
def test_any_mix_of_phrases_gets_one_of_the_three_outcomes(words: list[str]) -> None:
    said = " ".join(words)
    understood = LINE.understand(said, 0.9)
    # Or unanswered: a choice about before the procedure in a question set after it ("forberede når jeg
    # kommer hjem"), which the leaflet does not answer.
    after = set(said.split()) & AFTER_WORDS
    unanswered = understood.outcome == "unanswered" and bool(after)
    assert understood.outcome in {"matched", "ask", "nothing"} or unanswered


# A small line of its own, so each general rule is seen apart from the shipped phrase lists.
SMALL = Understanding(
    {
        "1": ["bukser", "stille en diagnose", "hvad er det", "klar"],
        "2": ["virker det", "før blokaden"],
        "3": ["blokade", "farligt", "komplikationer"],
        "*": ["hvad", "gentag"],
    },
    lists={"urgent": ["kan ikke gå", "har det dårligt"], "unanswered": ["svømme", "bil"]},
)


@pytest.mark.parametrize(
    ("said", "outcome", "key"),
    [
        # A short stem counts only for its own inflections: "virkelig" is not "virker", "far" not "farligt".
        ("virkelig", "nothing", None),
        ("virker", "matched", "2"),
        ("min far", "nothing", None),
        ("farlig", "matched", "3"),
        # Near misses only between words of five letters or more: "karen" is not "klar".
        ("karen", "nothing", None),
        # Intensifiers and pronouns do not break a listed phrase; a long listed word starts its compounds.
        ("han kan simpelthen ikke gå", "urgent", None),
        ("jeg har det virkelig dårligt", "urgent", None),
        ("jeg har det så dårligt", "urgent", None),
        ("må jeg gå i svømmehallen", "unanswered", None),
        ("et billede", "nothing", None),
        # Three pieces of one word; a compound's head; a verb's prefix is no compound.
        ("kom pli kationer", "matched", "3"),
        ("joggingbukser", "matched", "1"),
        ("bestille", "nothing", None),
        # A word two choices share is context: beside a word the line does not know, nothing is guessed.
        ("blokaden", "matched", "3"),
        ("gør blokaden ondt", "nothing", None),
        # A one-word phrase of fillers only with noise around it.
        ("undskyld hvad", "matched", "*"),
        ("hvad kan jeg høre om", "nothing", None),
        # Spoken forms of fillers are fillers.
        ("ka jeg få komplikationer", "matched", "3"),
        # A number inside a sentence is no key; said last, or after a word that names a key, it is.
        ("jeg har to spørgsmål", "nothing", None),
        ("to tak", "matched", "2"),
        # Beside a word only one choice has, a shared word counts for that choice ("virker blokaden").
        ("virker blokaden", "matched", "2"),
        # A word that says when ("før") is context too: beside a choice's own word it counts less.
        ("komplikationer før blokaden", "matched", "3"),
        # A phrase of fillers beside a word the line does not know is asked back, not acted on.
        ("hvad er det for et stof", "ask", "1"),
    ],
)
def test_general_rules(said: str, outcome: str, key: str | None) -> None:
    understood = SMALL.understand(said, 0.9)
    assert (understood.outcome, understood.key) == (outcome, key)


def test_the_callers_set_apart_is_never_tuned_on() -> None:
    """The callers' phrasings set apart when written are in no tuned set, and cover every kind."""
    tuned = {said for said, _ in ALL}
    assert not tuned & {said for said, _ in CALLERS_HELD_OUT}
    assert len(CALLERS) >= 200
    assert {key for _, key in CALLERS_HELD_OUT} == {*KEYS, None, "urgent", "unanswered"}


def test_the_second_rounds_set_apart_is_never_tuned_on() -> None:
    """The second round's phrasings set apart are in no tuned set, and cover every kind."""
    tuned = {said for said, _ in ALL}
    assert {said for said, _ in CALLERS_2} <= tuned
    assert not tuned & {said for said, _ in CALLERS_2_HELD_OUT}
    assert len(CALLERS_2) >= 250
    assert len(CALLERS_2_HELD_OUT) >= 60
    assert {key for _, key in CALLERS_2_HELD_OUT} == {*KEYS, None, "urgent", "unanswered"}


def test_the_decision_rounds_set_aside_is_never_tuned_on() -> None:
    """The decision round's phrasings set aside are in no tuned set; the rest are tuned on."""
    tuned = {said for said, _ in ALL}
    assert {said for said, _ in CALLERS_3} <= tuned
    assert not tuned & {said for said, _ in CALLERS_3_ASIDE}
    assert len(CALLERS_3) + len(CALLERS_3_ASIDE) >= 150


def test_the_second_opinions_batch_is_tuned_on_and_new() -> None:
    """The second opinion round's batch joins the development set, and no earlier set had any of it."""
    earlier = [pair for pair in ALL if pair not in CALLERS_4]
    assert set(CALLERS_4) <= set(DEVELOPMENT)
    assert not {said for said, _ in earlier} & {said for said, _ in CALLERS_4}
    assert not {said for said, _ in (*CALLERS_HELD_OUT, *CALLERS_2_HELD_OUT, *CALLERS_3_ASIDE)} & {
        said for said, _ in CALLERS_4
    }
    # Every choice but "say it again", whose three phrasings were all word for word in earlier sets.
    assert {key for _, key in CALLERS_4} == {*KEYS, None, "urgent", "unanswered"} - {"*"}


# A small line of its own for the rules on context: words that say when ("før"), words several choices share.
CONTEXT = Understanding(
    {
        "1": ["efter blokaden", "virker det"],
        "2": ["før blokaden", "spise"],
        "3": ["tale med lægen", "ny tid"],
        "4": ["følge op"],
        "7": ["tal langsomt", "jeg kan ikke følge med"],
        "*": ["en gang til"],
    },
    lists={"urgent": ["kan ikke gå"], "unanswered": ["bil"]},
)


@pytest.mark.parametrize(
    ("said", "outcome", "key"),
    [
        # Asking leave ("må jeg") for something the line does not know, with only context words known: a
        # question the leaflet does not answer, not the section of the context word.
        ("må jeg ryge før blokaden", "unanswered", None),
        ("hvornår må jeg flyve efter blokaden", "unanswered", None),
        ("jeg må gerne cykle efter blokaden", "unanswered", None),
        # Without asking leave it is not understood; with a word of a choice it is that choice.
        ("ryge før blokaden", "nothing", None),
        ("må jeg spise før blokaden", "matched", "2"),
        # Nothing but words two choices share, scoring close: no guess, not even a question back about one.
        ("jeg vil gerne tale", "nothing", None),
        # ... unless one choice's phrase was said word for word.
        ("jeg kan ikke følge med", "matched", "7"),
        ("følg", "nothing", None),
        # A generic verb ("lave") carries no choice.
        ("hvordan bliver det lavet", "nothing", None),
        ("lave ny tid", "matched", "3"),
        # Part of a phrase made of shared words only: not acted on; since round 4, a word that says when
        # ("før") asks back the one choice about that side of the procedure.
        ("før", "ask", "2"),
        ("før blokaden", "matched", "2"),
        # "Gang" counts times in any question; alone beside the words of "en gang til" it is that phrase.
        ("en gang til", "matched", "*"),
        ("virker det flere gange", "matched", "1"),
    ],
)
def test_context_rules(said: str, outcome: str, key: str | None) -> None:
    understood = CONTEXT.understand(said, 0.9)
    assert (understood.outcome, understood.key) == (outcome, key)


def test_asking_leave_is_unanswered_only_where_the_line_lists_unanswered_questions() -> None:
    """A line without an unanswered list has no sentence for it: asking leave is then not understood."""
    unlisted = Understanding({"1": ["før blokaden"], "2": ["efter blokaden"]}, lists={"urgent": ["akut"]})
    assert unlisted.understand("må jeg ryge før blokaden", 0.9).outcome == "nothing"


# A small line of its own for the third round's rules: two topics at once, suppositions, places, sides.
ROUND_3 = Understanding(
    {
        "1": ["hvad er det", "nerven", "blokade"],
        "2": ["stikker", "blokade virker", "den anden"],
        "3": ["spise", "før blokaden", "inden"],
        "4": ["mærke", "bagefter", "efter blokaden"],
        "5": ["farligt", "er det farligt", "komplikationer"],
        "#": ["hvad kan du fortælle om"],
    },
    lists={"urgent": ["lam", "feber"], "unanswered": ["bil"]},
)


@pytest.mark.parametrize(
    ("said", "outcome", "key"),
    [
        # Two choices each named by a word only it has, close in score: neither acted on nor asked about.
        ("kan jeg mærke når de stikker", "nothing", None),
        ("stikker", "matched", "2"),
        # ... unless one choice's phrase was said whole, or the two are joined (both asked for: the first).
        ("er det farligt for nerven", "ask", "5"),
        ("stikker og farligt", "ask", "2"),
        # An urgent word supposed ("kan jeg blive", "kan man få") asks about a risk; told, it is urgent.
        ("kan jeg blive lam af det", "nothing", None),
        ("kan man få feber af komplikationer", "matched", "5"),
        ("jeg har feber", "urgent", None),
        ("jeg kan ikke gå jeg er lam", "urgent", None),
        # A place names a choice after "den"/"det" or a key's name, or said first; "hvad andet" is none.
        ("den anden", "matched", "2"),
        ("anden tak", "matched", "2"),
        ("hvad andet kan du fortælle om", "nothing", None),
        # One choice's filler phrase beside a word several choices share is asked back, not missed.
        ("min læge sagde blokade hvad er det", "ask", "1"),
        # A choice about before the procedure is not taken for a question set after it.
        ("må jeg spise når jeg er kommet hjem", "unanswered", None),
        # Since round 4, asked leave or not: the leaflet does not say it.
        ("spise bagefter", "unanswered", None),
        ("må jeg spise før blokaden", "matched", "3"),
    ],
)
def test_third_round_rules(said: str, outcome: str, key: str | None) -> None:
    understood = ROUND_3.understand(said, 0.9)
    assert (understood.outcome, understood.key) == (outcome, key)


# A small line of its own for the fourth round's rules: particle verbs, pressing, sides, risk, fitting.
ROUND_4 = Understanding(
    {
        "1": ["blokade", "hvad er det"],
        "2": ["bedøvelse", "nålen"],
        "3": ["spise", "inden", "før blokaden"],
        "4": ["ringer lægen", "efter blokaden"],
        "5": ["risiko", "infektion"],
        "0": ["lagt om", "spørgsmål til lægen", "ny tid"],
        "#": ["hvad kan jeg trykke"],
    },
    lists={"urgent": ["lam", "feber"], "unanswered": ["bil"]},
)


@pytest.mark.parametrize(
    ("said", "outcome", "key"),
    [
        # A particle verb's word without its particle is another word: too weak to act on or ask about.
        ("bliver det lagt", "nothing", None),
        ("kan den blive lagt om", "matched", "0"),
        # Pressing a key is no topic: a phrase made of it and fillers is heard word for word only.
        ("jeg har trykket forkert", "nothing", None),
        ("hvad kan jeg trykke", "matched", "#"),
        # Nothing but when it is asked, and one choice is about that side: that choice is asked back.
        ("er der noget jeg skal huske inden", "ask", "3"),
        # ... but "før" after "hvor" says how long, and beside a topic word, what is asked is not known.
        ("hvor mange uger går der før de ringer", "nothing", None),
        # An urgent word supposed asks about risk, where a choice is about risk; told, it stays urgent.
        ("kan jeg blive lam af det", "ask", "5"),
        ("jeg er lam", "urgent", None),
        # Torn between risk and another choice: the risk of it is asked ("risiko ved bedøvelsen").
        ("er der risiko ved bedøvelsen", "ask", "5"),
        # A before-only choice's word in a question set after the procedure: the leaflet does not say.
        ("kan jeg spise bagefter", "unanswered", None),
        # Close choices of a shared word: the one whose phrase was said, in any order, is asked back.
        ("hvornår ringer min læge", "ask", "4"),
        ("lægen", "nothing", None),
    ],
)
def test_fourth_round_rules(said: str, outcome: str, key: str | None) -> None:
    understood = ROUND_4.understand(said, 0.9)
    assert (understood.outcome, understood.key) == (outcome, key)


def test_a_supposed_urgent_word_is_not_asked_where_no_choice_is_about_risk() -> None:
    """Without a choice named by "risiko", nothing is guessed from a supposed urgent word."""
    line = Understanding({"1": ["blokade"], "2": ["bedøvelse"]}, lists={"urgent": ["lam"]})
    assert line.understand("kan jeg blive lam af det", 0.9).outcome == "nothing"


# A small line of its own for the decision: when to act, when to ask back, when to say nothing.
DECISION = Understanding(
    {
        "0": ["anden dag", "ny tid", "kan ikke komme"],
        "2": ["hjem samme dag", "selve indgrebet"],
        "4": ["bagefter", "efter indgrebet"],
    },
    lists={"urgent": ["feber"], "unanswered": ["bil"]},
)


@pytest.mark.parametrize(
    ("said", "outcome", "key"),
    [
        # Only words several choices share, and neither the choice's own word nor its phrase said whole:
        # asked back, not acted on.
        ("jeg har ringet i dag", "ask", "0"),
        ("hvad med dagen", "ask", "0"),
        # The choice's phrase said whole, or its own one-word phrase: acted on at once.
        ("en anden dag tak", "matched", "0"),
        ("hvad så bagefter", "matched", "4"),
        ("efter indgrebet", "matched", "4"),
        # A question back resting on one known word, half a phrase, among two or more the line does not know:
        # nothing rather than a guess.
        ("jeg har fået en ny hofte", "nothing", None),
        ("min nabo har en ny bil", "unanswered", None),
        # ... but with fewer unknown words, or a phrase of fillers said whole, it is still asked back.
        ("en ny", "ask", "0"),
        ("jeg er syg og kan ikke komme", "ask", "0"),
    ],
)
def test_the_decision(said: str, outcome: str, key: str | None) -> None:
    understood = DECISION.understand(said, 0.9)
    assert (understood.outcome, understood.key) == (outcome, key)
