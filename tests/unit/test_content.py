"""The content file: every prompt present, faithful to the leaflet, and every problem named."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.cli import main
from ivr.line.content import CALLBACK_PROMPTS, SLOWER_PROMPTS, SPEECH_PROMPTS, SYSTEM_PROMPTS, Content
from ivr.line.content_checks import promised_keys
from ivr.line.content_listening import PROMPTS as LISTENING_PROMPTS
from ivr.line.content_loader import MAX_CONTENT_BYTES, ContentError, default_path, load_content
from tests.support import BROKEN, PATHOLOGICAL, Edit

LEAFLET = Path(__file__).resolve().parents[2] / "ivr" / "leaflets" / "rodblokade.txt"
# The leaflet's headings, in order; the text before the first is section 1.
HEADINGS = ("SÅDAN FOREGÅR OPERATIONEN", "SÅDAN FORBEREDER DU DIG", "NÅR DU KOMMER HJEM", "KOMPLIKATIONER")
STOP = "KONTAKT OG MERE VIDEN"


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def leaflet_sections() -> list[str]:
    """Split the verbatim leaflet into its five spoken sections."""
    text = LEAFLET.read_text(encoding="utf-8").split(STOP)[0]
    parts = re.split("|".join(HEADINGS), text)
    assert len(parts) == 5, "the leaflet's headings changed"
    return parts


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-zæøå]+", text.lower()) if len(w) > 1}


def test_every_system_prompt_and_section_has_text(content: Content) -> None:
    ids = [prompt.id for prompt in content.all_prompts()]
    optional = [*SPEECH_PROMPTS, *SLOWER_PROMPTS, *CALLBACK_PROMPTS, *LISTENING_PROMPTS]
    assert ids == [
        *SYSTEM_PROMPTS,
        *optional,
        "section_1",
        "section_2",
        "section_3",
        "section_4",
        "section_5",
    ]
    assert all(prompt.text.strip() and "{" not in prompt.text for prompt in content.all_prompts())


def test_sections_follow_the_leaflet_order(content: Content) -> None:
    assert [s.key for s in content.sections] == ["1", "2", "3", "4", "5"]
    titles = [s.title.upper() for s in content.sections[1:]]
    assert titles == list(HEADINGS)


@pytest.mark.parametrize("index", range(5))
def test_each_section_covers_its_leaflet_section(content: Content, index: int) -> None:
    leaflet = words(leaflet_sections()[index])
    said = words(content.sections[index].prompt.text)
    missing = leaflet - said
    # Adapting for the ear may change a word or two ("2 grunde" becomes "to grunde"), no more.
    assert len(missing) <= max(2, len(leaflet) // 40), sorted(missing)


def test_the_advice_after_the_procedure_says_only_what_the_leaflet_says(content: Content) -> None:
    """The urgent answer's advice is the clinic's own: every word of it is in the leaflet, but for the
    number and hours filled in and "sekretariatet" (the leaflet's "kontakte os")."""
    leaflet = words(LEAFLET.read_text(encoding="utf-8"))
    advice = content.prompt("after_problems").text
    number_and_hours = content.prompt("goodbye_failed").text.split("på ")[1].split(".")[0]
    assert number_and_hours in advice
    assert words(advice.replace(number_and_hours, "")) - leaflet == {"sekretariatet"}
    assert content.prompt("urgent").text.startswith("Haster det")


def test_section_four_keeps_the_follow_up_weeks(content: Content) -> None:
    assert "4 til 6 uger" in content.sections[3].prompt.text


def test_main_menu_announces_every_section_key(content: Content) -> None:
    menu = content.prompt("main_menu").text
    assert {section.key for section in content.sections} <= promised_keys(menu)
    assert content.keys.transfer in promised_keys(content.prompt("transfer_offer").text)


def test_welcome_tells_urgent_callers_to_ring_112(content: Content) -> None:
    assert "1-1-2" in content.prompt("welcome").text


def test_placeholders_are_filled(content: Content) -> None:
    assert "mandag til fredag klokken 10 til 14" in content.prompt("transfer_loop").text
    assert "syvoghalvfems, seksogtreds, fireogtyve, nul nul" in content.prompt("transfer_failed").text
    closed = content.closed(("i morgen", "klokken 10"))
    assert closed.text == "Sekretariatet har lukket og åbner igen i morgen klokken 10."
    assert [part.text for part in closed.parts] == [
        "Sekretariatet har lukket og åbner igen",
        "i morgen",
        "klokken 10",
    ]


def test_number_override(content: Content) -> None:
    assert load_content(number="+4511223344").number == "+4511223344"


@pytest.mark.parametrize(("name", "edit", "key", "problem"), BROKEN, ids=[b[0] for b in BROKEN])
def test_problems_name_file_key_and_problem(
    tmp_path: Path, name: str, edit: Edit, key: str, problem: str
) -> None:
    path = tmp_path / "content.toml"
    original = default_path().read_text(encoding="utf-8")
    changed = edit(original)
    assert changed != original, f"the edit for {name!r} did not apply"
    path.write_text(changed, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(path)
    lines = str(caught.value).splitlines()
    assert any(line.startswith(f"{path}: {key}") and problem in line for line in lines), lines


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    text = default_path().read_text(encoding="utf-8")
    path.write_text(text.replace('opens = "10:00"', 'opens = "x"').replace("goodbye = ", "goodby = "))
    with pytest.raises(ContentError) as caught:
        load_content(path)
    keys = {key for key, _ in caught.value.problems}
    assert {"hours.opens", "prompts.goodbye", "prompts.goodby"} <= keys


def test_a_syntax_error_names_the_line_in_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    text = default_path().read_text(encoding="utf-8")
    broken = text.replace('invalid = "Den tast kender jeg ikke."', 'invalid = "Den tast kender jeg ikke.')
    path.write_text(broken, encoding="utf-8")
    line = 1 + broken[: broken.index('invalid = "Den')].count("\n")
    with pytest.raises(ContentError) as caught:
        load_content(path)
    [(where, problem)] = caught.value.problems
    assert where.startswith(f"linje {line}, kolonne ")
    assert "en tekst er ikke afsluttet" in problem or "ikke kan stå der" in problem


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("Tryk 1 for at høre om det. Tryk stjerne for menuen igen.", {"1", "*"}),
        ("Tryk 1 til 5 for et andet emne, eller 0 for sekretariatet.", {"1", "2", "3", "4", "5", "0"}),
        ("Tryk stjerne for at høre det igen, firkant for menuen.", {"*", "#"}),
        ("Om rodblokade: tryk 1.", {"1"}),
        ("Hvis det haster, så ring 1-1-2. Det tager 4 til 6 uger.", set()),
    ],
)
def test_promised_keys(text: str, keys: set[str]) -> None:
    assert promised_keys(text) == keys


def test_closed_day_ranges_and_reasons_are_read(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    text = (
        default_path()
        .read_text(encoding="utf-8")
        .replace(
            '{ days = "12-31", reason = "nytårsaften" },',
            '"12-31", { days = "2027-07-05..2027-07-30", reason = "sommerferie" }, "12-27..12-30",',
        )
    )
    path.write_text(text, encoding="utf-8")
    closed = load_content(path).hours.extra_closed
    assert [(str(day), day.reason) for day in closed] == [
        ("12-24", "juleaften"),
        ("12-31", None),
        ("2027-07-05..2027-07-30", "sommerferie"),
        ("12-27..12-30", None),
    ]


def test_leaflet_coverage_is_checked_when_the_content_names_its_leaflet(tmp_path: Path) -> None:
    # The shipped file names its leaflet; a copy elsewhere takes the leaflet along.
    text = default_path().read_text(encoding="utf-8")
    (tmp_path / "rodblokade.txt").write_text(LEAFLET.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "content.toml"
    path.write_text(text, encoding="utf-8")
    assert load_content(path, leaflet=True).line.leaflet == tmp_path / "rodblokade.txt"
    dropped = "Du er således helt vågen under proceduren."
    assert dropped in text
    path.write_text(text.replace(dropped, ""), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(path, leaflet=True)
    assert [key for key, _ in caught.value.problems] == ["sections"]
    assert "helt vågen under proceduren" in caught.value.problems[0][1]
    # `ivr check` reads the leaflet; a running line does not need it.
    result = CliRunner().invoke(main, ["check", "--content", str(path)])
    assert result.exit_code == 1
    assert f'{path}: sections: siger ikke denne sætning fra folderen: "Du er således' in result.output
    assert load_content(path).sections


def test_check_names_a_leaflet_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    path.write_text(default_path().read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(path)])
    assert result.exit_code == 1
    assert f"{path}: line.leaflet: kan ikke læses: " in result.output


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="findes ikke"):
        load_content(tmp_path / "nowhere.toml")


def test_cli_check_passes_on_the_shipped_file() -> None:
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "i orden" in result.output


def test_cli_check_exits_1_naming_each_problem(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    path.write_text(default_path().read_text(encoding="utf-8").replace('opens = "10:00"', 'opens = "ti"'))
    result = CliRunner().invoke(main, ["check", "--content", str(path)])
    assert result.exit_code == 1
    assert f"{path}: hours.opens: " in result.output


def test_cli_prompts_json_lists_every_prompt(content: Content) -> None:
    result = CliRunner().invoke(main, ["prompts", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["id"] for row in rows] == [p.id for p in content.audio_prompts()]
    assert all(row["text"] for row in rows)


@pytest.mark.parametrize(
    ("at", "is_open", "next_opening"),
    [
        ("2026-11-25T10:00", True, "2026-11-26T10:00:00+01:00"),
        ("2026-11-25T14:00:00+01:00", False, "2026-11-26T10:00:00+01:00"),
        ("2026-03-28T12:00:00Z", False, "2026-03-30T10:00:00+02:00"),
        ("2026-12-24T11:00", False, "2026-12-28T10:00:00+01:00"),
    ],
)
def test_cli_hours_json(at: str, is_open: bool, next_opening: str) -> None:
    result = CliRunner().invoke(main, ["hours", "--at", at, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["open"], answer["next_opening"]) == (is_open, next_opening)


def test_cli_hours_says_why_and_until_when() -> None:
    result = CliRunner().invoke(main, ["hours", "--at", "2026-12-24T11:00"])
    assert result.exit_code == 0, result.output
    assert "lukket hele dagen (juleaften)" in result.output
    answer = json.loads(CliRunner().invoke(main, ["hours", "--at", "2026-12-24T11:00", "--json"]).output)
    assert (answer["closed_today"], answer["closes"]) == ("juleaften", None)
    open_now = CliRunner().invoke(main, ["hours", "--at", "2026-11-25T11:00"])
    assert "åbent til 14:00" in open_now.output
    answer = json.loads(CliRunner().invoke(main, ["hours", "--at", "2026-11-25T11:00", "--json"]).output)
    assert (answer["closed_today"], answer["closes"]) == (None, "2026-11-25T14:00:00+01:00")


def test_cli_hours_lists_the_years_closed_days_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    summer = '{ days = "2027-07-05..2027-07-30", reason = "sommerferie" },\n]'
    path.write_text(
        default_path().read_text(encoding="utf-8").replace("\n]", "\n" + summer, 1), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["hours", "--content", str(path), "--year", "2027", "--json"])
    assert result.exit_code == 0, result.output
    days = {row["date"]: row for row in json.loads(result.output)}
    assert days["2027-12-24"] == {"date": "2027-12-24", "kind": "extra", "reason": "juleaften"}
    assert days["2027-03-25"]["reason"] == "skærtorsdag"
    summer_days = [day for day, row in days.items() if row["reason"] == "sommerferie"]
    assert len(summer_days) == 20  # four weeks of weekdays, one range in the file
    text = CliRunner().invoke(main, ["hours", "--content", str(path), "--year", "2027"]).output
    assert "2027-07-05 mandag  sommerferie (klinikkens lukkedag)" in text
    assert "2027-12-24 fredag  juleaften (klinikkens lukkedag)" in text


def test_cli_hours_rejects_a_bad_moment() -> None:
    result = CliRunner().invoke(main, ["hours", "--at", "tomorrow"])
    assert result.exit_code == 2
    assert "ISO" in result.output


def test_cli_check_applies_the_line_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_SECRETARIAT_NUMBER", '"not a number"')
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "IVR_SECRETARIAT_NUMBER" in result.output


def test_cli_check_reads_the_content_file_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IVR_CONTENT_FILE", str(tmp_path / "missing.toml"))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "missing.toml: (filen): findes ikke" in result.output


@pytest.mark.serial  # times the refusal
@pytest.mark.parametrize(("name", "text", "problem"), PATHOLOGICAL, ids=[p[0] for p in PATHOLOGICAL])
def test_a_pathological_file_is_refused_quickly_with_a_plain_problem(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    path = tmp_path / "content.toml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ContentError) as caught:
        load_content(path)
    assert time.perf_counter() - started < 1.0, name
    assert caught.value.problems == [("(filen)", problem)]


def test_a_file_at_the_size_limit_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    text = default_path().read_text(encoding="utf-8")
    path.write_text(text + "#" * (MAX_CONTENT_BYTES - len(text.encode()) - 1) + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_CONTENT_BYTES
    assert load_content(path).prompts


def test_cli_check_refuses_a_deeply_nested_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "content.toml"
    path.write_text("a = " + "[" * 100_000, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (
        f"{path}: (filen): har for mange lag inden i hinanden eller er for stor til at kunne læses"
        in result.output
    )
    assert "Traceback" not in result.output


def test_the_line_does_not_start_on_a_pathological_file(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    path = tmp_path / "content.toml"
    path.write_text("a = " + "[" * 100_000, encoding="utf-8")
    with pytest.raises(ContentError, match="for mange lag"):
        make_app({"CONTENT_FILE": path})
