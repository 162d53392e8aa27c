"""Asking the leaflet, the fifth round's rules (issue 28): each rule that carries to questions nobody tuned
against, on a short leaflet of our own or the shipped one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ivr.line.answering import answering
from ivr.line.answers import Answers
from ivr.line.answers_cues import DURATION, LASTING, MOMENT, cues_asked
from ivr.line.answers_questions import the_question
from ivr.line.answers_terms import asides
from ivr.line.content import Content
from ivr.line.understood import Understood
from ivr.line.words import stem
from tests.unit.test_answers import FOURTH_LEAFLET, ONE_HOUR, answers_for, one_section, said

FAST = "Du skal faste fra midnat."
LIFT = "Du må ikke løfte mere end fem kilo i to uger."
EAT_AFTER = "Du må spise almindelig mad, når du har lyst."
DRINK = "Du må drikke klare væsker indtil to timer før operationen."


@pytest.fixture
def fourth(content: Content) -> Answers:
    """Answers for the fourth round's leaflet (an imported one's shape)."""
    return answers_for(content, FOURTH_LEAFLET)


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # Who it is for, how sure, how much: no topic, so no word the line lacks.
        ("må min mor spise før operationen", FAST),
        ("er det okay at jeg spiser før operationen", FAST),
        ("hvor mange kilo må min mands kone løfte", LIFT),
        # A thing the line lacks is still a word it lacks: the sentence would answer another question.
        ("må jeg spise slik før operationen", None),
    ],
)
def test_words_naming_no_topic_are_no_words_the_line_lacks(
    fourth: Answers, question: str, sentence: str | None
) -> None:
    assert said(fourth, question) == sentence


def test_the_asides_are_never_a_leaflet_s_topic() -> None:
    # An aside is dropped from every question: none may be a word that names a leaflet's subject.
    assert {"mor", "okay", "kop"} <= asides()
    assert not asides() & {"feber", "smerter", "tøj", "bad", "spise", "drikke", "løfte"}


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # Everyday things for a leaflet's words.
        ("må jeg løfte mit barnebarn", LIFT),
        ("må jeg bære en tung taske", LIFT),
        # "hjem" is the time after, in a leaflet whose title says "Efter operationen".
        ("hvad må jeg spise når jeg kommer hjem", EAT_AFTER),
        # A word for the procedure is the line's own ("indgrebet" where it says "operationen").
        ("sover jeg under indgrebet", ONE_HOUR),
    ],
)
def test_general_lay_words_carry_to_a_leaflet_no_one_tuned(
    fourth: Answers, question: str, sentence: str
) -> None:
    assert said(fourth, question) == sentence


def test_a_question_word_asks_though_another_action_s_word_is_in_it(content: Content) -> None:
    answers = Answers(content)
    assert content.keys.slower is not None
    action = Understood("matched", content.keys.slower, 1.0)
    answer = answering(answers, "hvor hurtigt virker blokaden", action)
    assert answer is not None
    assert "effekten" in answer.sentences[0].prompt.text
    # Asked for as an action, not with a question word: the action is done.
    assert answering(answers, "kan du tale hurtigere", action) is None


def test_before_a_thing_and_its_verb_joins_a_clause(fourth: Answers) -> None:
    assert stem("før") not in fourth.terms("kan der gå en dag før effekten kommer")
    # The procedure put first is the moment ("før operationen må jeg drikke").
    assert stem("før") in fourth.terms("hvor længe før operationen må jeg drikke")


def test_lang_of_a_thing_asks_how_long_it_lasts(fourth: Answers) -> None:
    assert {DURATION, LASTING} <= set(cues_asked("er operationen lang"))
    assert said(fourth, "er operationen lang") == ONE_HOUR


def test_how_long_before_asks_for_a_moment(content: Content) -> None:
    assert cues_asked("hvor længe før operationen må jeg drikke") == [MOMENT]
    before = one_section(content, "Forberedelse", f"{FAST} {DRINK} Operationen tager omkring en time.")
    assert said(before, "hvor længe før operationen må jeg drikke") == DRINK
    # "timer" is the unit asked in, not a topic: the hours of the drinking sentence do not answer fasting.
    assert said(before, "hvor mange timer før skal jeg faste") != DRINK


def test_a_question_of_only_before_or_after_has_no_topic(fourth: Answers) -> None:
    assert said(fourth, "hvor lang tid før skal jeg møde op") is None
    # A duration asked of the procedure alone still has one.
    assert said(fourth, "hvor lang tid tager det") == ONE_HOUR


def test_a_plural_changing_its_vowel_is_the_word(content: Content) -> None:
    answers = Answers(content)
    answer = answers.answer("hvad er en nerverod")
    assert answer is not None
    assert answer.sentences[0].prompt.text.startswith("Nerverødder udspringer")


@pytest.mark.parametrize(
    "question",
    [
        "ja hej jeg ringer fordi min mor skal opereres på torsdag må hun spise før operationen",
        "goddag jeg er lidt nervøs og vil gerne vide om jeg må spise før operationen",
    ],
)
def test_what_a_caller_says_around_the_question_names_no_topic(fourth: Answers, question: str) -> None:
    assert said(fourth, question) == FAST


def test_a_question_put_indirectly_is_what_follows_the_asking_verb(fourth: Answers) -> None:
    assert the_question("jeg skal have fjernet blindtarmen og vil gerne vide hvornår jeg skal faste") == (
        "hvornår jeg skal faste"
    )
    # The operation named first does not choose the sentence on it.
    said_first = (
        "jeg skal have fjernet blindtarmen på mandag og vil gerne vide hvornår jeg skal holde op med at spise"
    )
    assert said(fourth, said_first) == FAST


def test_a_condition_of_no_time_holds_after_the_procedure(fourth: Answers) -> None:
    assert said(fourth, "hvad gør jeg hvis jeg får feber efter operationen") == FOURTH_LEAFLET["4"][1]
    # A sentence of the time before still does not answer a question of the time after.
    assert said(fourth, "må jeg tage bad bagefter") is None


@pytest.mark.parametrize(
    "question", ["må jeg spise om morgenen", "må jeg spise om natten", "må jeg spise efter midnat"]
)
def test_a_time_of_day_alone_is_the_time_before(fourth: Answers, question: str) -> None:
    # Not the bath "om morgenen", nor eating after the operation: fasting before it.
    assert said(fourth, question) == FAST


def test_a_time_of_day_with_after_is_after(fourth: Answers) -> None:
    assert said(fourth, "må jeg spise om aftenen efter operationen") == EAT_AFTER


def test_what_may_happen_holds_at_any_time(content: Content) -> None:
    risks = one_section(
        content, "Komplikationer", "Infektion og blødning kan forekomme. Plastret fjernes efter to dage."
    )
    assert said(risks, "kan jeg få en infektion bagefter") == "Infektion og blødning kan forekomme."


def test_a_why_is_not_answered_by_what_the_thing_asked_of_causes(content: Content) -> None:
    after = one_section(
        content,
        "Efter operationen",
        "Du kan have ondt i skuldrene de første dage. Det skyldes luften, vi puster ind i maven.",
    )
    # The air is named as the cause of the pain, not explained.
    assert said(after, "hvorfor puster i luft ind") is None
    assert said(after, "hvorfor har jeg ondt i skuldrene") == "Du kan have ondt i skuldrene de første dage."


def test_how_long_naming_nothing_asks_how_long_the_procedure_lasts(fourth: Answers) -> None:
    assert said(fourth, "hvor længe") == ONE_HOUR


@pytest.mark.parametrize(("question", "sentence"), [("spise inden", FAST), ("bad bagefter", None)])
def test_two_words_with_before_or_after_are_a_question(
    fourth: Answers, question: str, sentence: str | None
) -> None:
    assert said(fourth, question) == sentence
    # One word names a topic, for the section.
    assert said(fourth, "spise") is None


def test_the_line_s_own_subject_beside_words_it_has_says_nothing_more(content: Content) -> None:
    named = replace(content, line=replace(content.line, name="Kikkertoperation for galdesten"))
    answers = answers_for(named, FOURTH_LEAFLET)
    # "galdesten" is in no sentence, but names what the whole line is about.
    assert said(answers, "jeg er opereret for galdesten hvor mange kilo må jeg løfte") == LIFT
    # Alone it is still a word the line lacks: nothing says what gallstones are.
    assert said(answers, "hvorfor får man galdesten") is None
