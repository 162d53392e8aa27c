"""Imports safe to go live (issue 30): nothing a patient needs skipped, the title block read as such,
loops and impossible secretariat numbers refused. Run on the corpus's tuning half only."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.importer.cli import import_command
from ivr.line.advice import holds_advice, is_contact_details
from ivr.line.content_loader import ContentError, load_content
from ivr.line.coverage import skipped, uncovered
from tests.leaflets.corpus import Case, cases


def tuning_cases(folder: Path) -> dict[str, Case]:
    """The tuning half written into `folder`, by leaflet name."""
    return {case.path.stem: case for case in cases("tuning", folder)}


def import_draft(leaflet: Path, out: Path, *options: str) -> dict[str, Any]:
    """Run `ivr import` (with a line number of its own) and read the draft back."""
    args = [str(leaflet), "--out", str(out), "--id", leaflet.stem, "--number", "+4570101010", *options]
    result = CliRunner().invoke(import_command, args)
    assert result.exit_code == 0, result.output
    return tomllib.loads(out.read_text(encoding="utf-8"))


def check(path: Path) -> tuple[int, str]:
    """`ivr check --content PATH`: its exit code and output."""
    result = CliRunner().invoke(main, ["check", "--content", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize("stem", ["knae", "galdesten", "mave", "hofte"])
def test_each_tuning_leaflet_imports_as_a_careful_reader_would(tmp_path: Path, stem: str) -> None:
    case = tuning_cases(tmp_path)[stem]
    out = tmp_path / "draft.toml"
    draft = import_draft(case.path, out)
    code, output = check(out)
    assert code == 0, output
    assert re.search(
        rf": i orden \(linje {stem}: \d+ tekster, {len(draft['sections'])} afsnit\)$", output.strip()
    )
    assert [section["title"] for section in draft["sections"]] == list(case.sections)
    assert draft["line"]["name"] == case.name
    assert draft["secretariat"]["number"] == case.secretariat
    assert (draft["hours"]["days"], [draft["hours"]["opens"], draft["hours"]["closes"]]) == (
        list(case.days),
        list(case.hours),
    )
    spoken = [text for section in draft["sections"] for text in (section["title"], section["text"])]
    for advice in case.advice:
        assert uncovered(advice, spoken) == [], advice


def test_the_issues_leaflet_title_block_and_advice(tmp_path: Path) -> None:
    """The second clinic's leaflet of the issue: the title block apart, the contact advice a section."""
    case = tuning_cases(tmp_path)["knae"]
    draft = import_draft(case.path, tmp_path / "draft.toml")
    first = draft["sections"][0]
    assert first["title"] == "Før undersøgelsen"
    assert not re.search(r"Ortopæd|78 45|Mandag", first["text"])
    assert "ortopæd" not in draft["prompts"]["main_menu"].lower()
    assert draft["prompts"]["main_menu"].startswith("Tryk 1 for før undersøgelsen.")
    assert "Her kan du høre om kikkertundersøgelse af knæet." in draft["prompts"]["welcome"]
    assert draft["line"]["leaflet_skip"] == [
        "Kikkertundersøgelse af knæet",
        "Ortopædkirurgisk Ambulatorium, Regionshospitalet Vestby",
        "Tlf. 78 45 12 00",
        "Mandag - torsdag kl. 9.00 - 12.00",
    ]
    contact = draft["sections"][-1]
    assert contact["title"] == "Kontakt os"
    assert "feber over 38,5" in " ".join(contact["text"].split())
    assert "1813" in contact["text"]


def test_name_overrides_the_title(tmp_path: Path) -> None:
    case = tuning_cases(tmp_path)["mave"]
    draft = import_draft(case.path, tmp_path / "draft.toml", "--name", "Gastroskopi")
    assert draft["line"]["name"] == "Gastroskopi"
    assert "Her kan du høre om gastroskopi." in draft["prompts"]["welcome"]


def test_the_drafts_comments_are_current(tmp_path: Path) -> None:
    case = tuning_cases(tmp_path)["galdesten"]
    out = tmp_path / "draft.toml"
    import_draft(case.path, out)
    comments = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert not any("content.toml" in line for line in comments)
    assert any("docs/staff.md" in line for line in comments)


def with_draft(tmp_path: Path, stem: str, change: dict[str, Any]) -> Path:
    """Import a tuning leaflet, then change values of its draft (by "table.key"), as a clinician might."""
    case = tuning_cases(tmp_path)[stem]
    out = tmp_path / "draft.toml"
    import_draft(case.path, out)
    text = out.read_text(encoding="utf-8")
    for dotted, value in change.items():
        key = dotted.split(".")[1]
        written = (
            "[" + ", ".join(f'"{item}"' for item in value) + "]" if isinstance(value, list) else f'"{value}"'
        )
        text, count = re.subn(rf"^{key} = .*$", f"{key} = {written}", text, count=1, flags=re.MULTILINE)
        assert count == 1, dotted
    out.write_text(text, encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("skip", "named"),
    [
        (["Kontakt os"], "Kontakt os"),  # fever over 38,5 and 1813: advice
        (["Efter undersøgelsen"], "Efter undersøgelsen"),  # driving
    ],
)
def test_check_refuses_a_skipped_passage_with_advice(tmp_path: Path, skip: list[str], named: str) -> None:
    out = with_draft(tmp_path, "knae", {"line.leaflet_skip": skip})
    with pytest.raises(ContentError) as caught:
        load_content(out, leaflet=True)
    problems = [problem for key, problem in caught.value.problems if key == "line.leaflet_skip"]
    assert problems
    assert all(problem.startswith(f'"{named}" udelader noget') for problem in problems)
    code, output = check(out)
    assert code == 1
    assert "udelader noget, opkalderne skal høre; kun kontaktoplysninger" in output


def test_check_refuses_a_skipped_phone_number_other_than_the_secretariats(tmp_path: Path) -> None:
    out = with_draft(tmp_path, "galdesten", {"secretariat.number": "+4548293041"})
    with pytest.raises(ContentError) as caught:
        load_content(out, leaflet=True)
    assert [key for key, _ in caught.value.problems] == ["line.leaflet_skip"]
    assert "Telefon 48 29 30 40" in caught.value.problems[0][1]


def test_check_accepts_the_contact_details_skipped(tmp_path: Path) -> None:
    out = with_draft(tmp_path, "galdesten", {})
    assert load_content(out, leaflet=True).line.leaflet_skip[-1] == "KONTAKT"
    # A test system's IVR_SECRETARIAT_NUMBER does not make the leaflet's own number "another number".
    assert load_content(out, "+4512345678", leaflet=True).number == "+4512345678"


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("+4570101010", "er linjens eget nummer"),
        ("+4511223", "er et kort nummer"),
        ("+4590123456", "er et betalingsnummer"),
        ("1813", "skal være et telefonnummer"),
    ],
)
def test_check_refuses_a_secretariat_number_no_call_can_be_put_to(
    tmp_path: Path, number: str, says: str
) -> None:
    out = with_draft(tmp_path, "mave", {"secretariat.number": number})
    with pytest.raises(ContentError) as caught:
        load_content(out)
    assert [(key, says in problem) for key, problem in caught.value.problems] == [
        ("secretariat.number", True)
    ]


def test_check_refuses_a_secretariat_at_another_lines_number(tmp_path: Path) -> None:
    folder = tmp_path / "lines"
    folder.mkdir()
    texts = {}
    for stem, number in (("mave", "+4570101011"), ("hofte", "+4570101012")):
        case = tuning_cases(tmp_path)[stem]
        draft = folder / f"{stem}.toml"
        args = [str(case.path), "--out", str(draft), "--id", stem, "--number", number]
        assert CliRunner().invoke(import_command, args).exit_code == 0
        texts[stem] = draft.read_text(encoding="utf-8")
    mave = folder / "mave.toml"
    mave.write_text(
        texts["mave"].replace('number = "+4562114780"', 'number = "+4570101012"'), encoding="utf-8"
    )
    code, output = check(folder)
    assert code == 1
    assert "mave.toml: secretariat.number" in output
    assert "+4570101012 er nummeret til hofte.toml (hofte)" in output


@pytest.mark.parametrize(
    ("passage", "contact_only", "gives_advice"),
    [
        ("Tlf. 78 45 12 00", True, False),
        ("Mandag - torsdag kl. 9.00 - 12.00", True, False),
        ("Strandvejen 14, 3300 Nordkysten", True, False),
        ("www.sygehusnordkysten.dk", True, False),
        ("Medicinsk Ambulatorium", True, False),
        ("Har du spørgsmål til indgrebet, er du velkommen til at kontakte os.", False, False),
        ("Uden for åbningstiden skal du ringe til lægevagten på 1813.", False, True),
        ("Ved kraftig blødning skal du ringe 1-1-2.", False, True),
        ("Får du feber, så ring til os.", False, True),
        ("Du må ikke køre bil i to døgn.", False, True),
        ("Tag din medicin som aftalt.", False, True),
    ],
)
def test_contact_details_and_advice_told_apart(passage: str, contact_only: bool, gives_advice: bool) -> None:
    assert (is_contact_details(passage), holds_advice(passage)) == (contact_only, gives_advice)


def test_a_skip_entry_that_is_not_a_heading_leaves_out_only_its_line() -> None:
    leaflet = (
        "Grå stær\nØjenklinikken\nTlf. 12 34 56 78\nDu må spise.\nFØR\nTag dråberne.\nKONTAKT\nRing 112.\n"
    )
    skip = ["Grå stær", "Øjenklinikken", "Tlf. 12 34 56 78", "KONTAKT"]
    assert [line for line, _ in skipped(leaflet, skip)] == [*skip, "Ring 112."]
    assert uncovered(leaflet, ["Du må spise", "Før. Tag dråberne."], skip) == []
    assert uncovered(leaflet, ["Før. Tag dråberne."], skip) == ["Du må spise."]
