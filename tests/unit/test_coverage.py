"""The coverage check: every sentence of the leaflet is said by the line, allowing what the ear changes."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from ivr.line.coverage import leaflet_text, sentences, uncovered

ROOT = Path(__file__).resolve().parents[2]
LEAFLET = leaflet_text((ROOT / "ivr" / "leaflets" / "rodblokade.txt").read_text(encoding="utf-8"))
SKIP = ["KONTAKT OG MERE VIDEN"]
# Read with tomllib, not ivr.line.content: the check is about the texts, not the loader.
SECTIONS: list[dict[str, Any]] = tomllib.loads(
    (ROOT / "ivr" / "leaflets" / "rodblokade.toml").read_text(encoding="utf-8")
)["sections"]


def spoken(sections: list[dict[str, Any]]) -> list[str]:
    """What the line says of the leaflet: each section's title and text."""
    return [part for section in sections for part in (section["title"], section["text"])]


def replaced(index: int, old: str, new: str) -> list[str]:
    """The spoken texts with one section's text changed."""
    changed = [dict(section) for section in SECTIONS]
    text = " ".join(changed[index]["text"].split())
    assert old in text
    changed[index]["text"] = text.replace(old, new)
    return spoken(changed)


# Every sentence of every section's text, except the first one of each, which only repeats the title.
SENTENCES = [
    (index, sentence)
    for index, section in enumerate(SECTIONS)
    for sentence in sentences(" ".join(section["text"].split()))
    if sentence.rstrip(".") != section["title"]
]


def test_the_shipped_leaflet_is_covered_by_the_content_file() -> None:
    assert uncovered(LEAFLET, spoken(SECTIONS), skip=SKIP) == []


def test_the_leaflet_may_be_given_as_read() -> None:
    raw = (ROOT / "ivr" / "leaflets" / "rodblokade.txt").read_text(encoding="utf-8")
    assert uncovered(raw, spoken(SECTIONS), skip=SKIP) == []
    assert uncovered(raw, spoken(SECTIONS)[2:]) == uncovered(LEAFLET, spoken(SECTIONS)[2:])
    assert leaflet_text(LEAFLET) == leaflet_text(raw)


def test_the_contact_part_is_reported_unless_skipped() -> None:
    missing = uncovered(LEAFLET, spoken(SECTIONS))
    assert "Har du spørgsmål til indgrebet, er du velkommen til at kontakte os." in missing
    assert uncovered(LEAFLET, spoken(SECTIONS), skip=["kontakt og mere viden"]) == []


def test_every_section_sentence_is_tested() -> None:
    assert len(SENTENCES) >= 25
    assert {index for index, _ in SENTENCES} == set(range(len(SECTIONS)))


@pytest.mark.parametrize(("index", "sentence"), SENTENCES, ids=[s[:40] for _, s in SENTENCES])
def test_dropping_a_sentence_is_reported(index: int, sentence: str) -> None:
    missing = uncovered(LEAFLET, replaced(index, sentence, ""), skip=SKIP)
    assert missing, f"dropping {sentence!r} went unnoticed"
    assert all(part in LEAFLET for part in missing)


@pytest.mark.parametrize(
    ("index", "old", "new"),
    [
        (4, "antibiotika", "penicillin"),
        (1, "Lidokain", "Marcain"),
        (1, "røntgen", "ultralyd"),
        (1, "15 minutter", "45 minutter"),
        (3, "4 til 6 uger", "8 til 10 uger"),
        (2, "løse bukser", "stramme bukser"),
        (0, "to grunde", "tre grunde"),
        (3, "kortvarig kraftnedsættelse", "kortvarig lammelse"),
    ],
)
def test_changing_a_key_word_is_reported(index: int, old: str, new: str) -> None:
    missing = uncovered(LEAFLET, replaced(index, old, new), skip=SKIP)
    assert len(missing) == 1, missing


@pytest.mark.parametrize(
    ("leaflet", "said"),
    [
        ("Vi bruger rodblokader af 2 grunde:", "Vi bruger rodblokader af to grunde."),
        ("1. For at stille en diagnose.", "For det første: For at stille en diagnose."),
        (
            "Mindre hyppigt terapeutisk (behandlende).",
            "Mindre hyppigt terapeutisk, det vil sige behandlende.",
        ),
        ("i det lille knogle 'koøje', hvor", "i det lille knogle-koøje, hvor"),
        ("efter 4-6 uger.", "efter 4 til 6 uger."),
        ("Det tager ca. 15 minutter.", "Det tager cirka 15 minutter."),
        ("Effekt af blokaden", "Om effekten af blokaden: ..."),
        ("Du skal faste i 6 timer.", "Du skal faste i seks timer."),
        ("Du skal faste i seks timer.", "Du skal faste i 6 timer."),
    ],
)
def test_the_ear_may_adapt_a_sentence(leaflet: str, said: str) -> None:
    assert uncovered(leaflet_text(leaflet), [said]) == []


@pytest.mark.parametrize(
    ("leaflet", "said"),
    [
        ("Du skal faste i 6 timer.", "Du skal faste i 8 timer."),
        ("Tag løst tøj på.", "Tag løs tøj på."),
        ("Vi kan behandle det.", "Det behandles."),
    ],
)
def test_a_different_word_is_not_an_adaptation(leaflet: str, said: str) -> None:
    assert uncovered(leaflet_text(leaflet), [said]) == [leaflet]


def test_headings_are_covered_by_section_titles() -> None:
    leaflet = leaflet_text("SÅDAN FOREGÅR DET\nDu bliver bedøvet.\nEFTER INDGREBET\nDu må gå hjem.")
    said = ["Du bliver bedøvet. Du må gå hjem."]
    assert uncovered(leaflet, said) == ["SÅDAN FOREGÅR DET", "EFTER INDGREBET"]
    assert uncovered(leaflet, ["Sådan foregår det", "Efter indgrebet", *said]) == []


def test_a_skipped_part_ends_at_the_next_heading() -> None:
    leaflet = leaflet_text("KONTAKT\nRing til os.\nKOMPLIKATIONER\nDer kan komme blødning.")
    assert uncovered(leaflet, ["Komplikationer"], skip=["Kontakt"]) == ["Der kan komme blødning."]


def test_leaflet_text_joins_lines_and_undoes_hyphenation() -> None:
    raw = "Det foregår i lokal-\n\nbedøvelse og   tager\u00a0tid .\n\nLokal- og\nregionalbedøvelse.\n"
    assert leaflet_text(raw) == "Det foregår i lokalbedøvelse og tager tid. Lokal- og regionalbedøvelse."


def test_leaflet_text_normalises_typography() -> None:
    raw = "Den lille \u2019koøje\u2019 og \u201cordet\u201d \u2013 mandag\u2013fredag ( 9\u201312 )\ufeff"
    assert leaflet_text(raw) == "Den lille 'koøje' og \"ordet\" - mandag-fredag (9-12)"


def test_leaflet_text_keeps_headings_labels_and_items_on_lines_of_their_own() -> None:
    raw = (
        "EFTER INDGREBET\nDu må gå\nhjem.\nTag løst tøj på\nDet er rart.\n"
        "Husk:\n• dit sygesikringskort\n• dine\nbriller\nSide 1 af 2\n"
    )
    assert leaflet_text(raw).splitlines() == [
        "EFTER INDGREBET",
        "Du må gå hjem.",
        "Tag løst tøj på",
        "Det er rart. Husk:",
        "• dit sygesikringskort",
        "• dine briller",
    ]


def test_running_headers_and_page_numbers_are_left_out() -> None:
    page = "Regionshospitalet\nTekst på siden.\n{n}\n"
    raw = "".join(page.format(n=n) for n in range(1, 4))
    assert leaflet_text(raw) == "Tekst på siden. Tekst på siden. Tekst på siden."


@pytest.mark.serial  # times the check
def test_the_check_is_fast() -> None:
    raw = (ROOT / "ivr" / "leaflets" / "rodblokade.txt").read_text(encoding="utf-8")
    said = spoken(SECTIONS)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        uncovered(leaflet_text(raw), said, skip=SKIP)
        best = min(best, time.perf_counter() - start)
    assert best < 0.020
