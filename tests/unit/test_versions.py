"""Draft, listen, publish: a draft heard only in trial calls, a publish heard by every app on the database
within the time to live, every version kept and restorable, broken content refused."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.audio import manifest
from ivr.cli import main
from ivr.db import Database
from ivr.line.content_loader import default_path, load_content
from ivr.ops.readiness import Readiness
from ivr.versions.live import TTL_SECONDS
from ivr.versions.store import ContentVersions
from tests.support import (
    KNEE_NUMBER,
    OPEN_TIME,
    RODBLOKADE_NUMBER,
    TwilioClient,
    fake_built_audio,
    lines_folder,
    spoken,
)
from tests.unit.test_preview import AUTH, STAFF

OLD = "Spis og drik gerne før indgrebet."
NEW = "Spis og drik gerne før indgrebet, helt som du plejer."
LINE = "rodblokade"
# A second edit of the same sentence, still saying the leaflet's.
SECOND = "Spis og drik gerne før indgrebet, gerne et let måltid."


def changed_text() -> str:
    """The shipped line with one sentence of section 3 changed, as a secretary would change it."""
    text = default_path().read_text(encoding="utf-8")
    assert OLD in text
    return text.replace(OLD, NEW)


def section_3(app: Flask) -> str:
    """What a caller hears after pressing 3 at the main menu."""
    root = TwilioClient(app.test_client()).twiml("/voice/key?menu=main&tries=0", {"Digits": "3"})
    return " ".join(spoken(root))


def _ivr(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A deployment as a shell sees it: its database made, its drafts folder; returns the drafts folder."""
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'line.sqlite'}")
    monkeypatch.setenv("IVR_DRAFT_DIR", str(tmp_path / "drafts"))
    monkeypatch.setenv("IVR_AUDIO_DIR", str(tmp_path / "audio"))
    assert _ivr("db", "upgrade")[0] == 0
    return tmp_path / "drafts"


def test_a_line_never_published_runs_its_file(app: Flask, config: dict[str, Any]) -> None:
    assert ContentVersions(Database(config["DATABASE_URL"])).newest() == {}
    assert OLD in section_3(app)


def test_a_publish_is_heard_by_another_app_on_the_database_within_the_time_to_live(
    make_app: Callable[..., Flask], config: dict[str, Any]
) -> None:
    now = [0.0]
    first, second = make_app(monotonic=lambda: now[0]), make_app(monotonic=lambda: now[0])
    assert OLD in section_3(second)
    made = ContentVersions(Database(config["DATABASE_URL"])).publish(LINE, changed_text(), "anne", OPEN_TIME)
    assert made.number == 1
    # Within the time to live the apps go on with what they read; then each reads the new version.
    now[0] = TTL_SECONDS - 0.1
    assert OLD in section_3(second)
    now[0] = TTL_SECONDS
    for app in (second, first):
        heard = section_3(app)
        assert NEW in heard
        assert OLD not in heard
    # A new app (a restart, a new worker) starts on the published version at once.
    assert NEW in section_3(make_app())


def test_a_version_that_cannot_run_is_refused_and_the_line_goes_on(
    make_app: Callable[..., Flask], config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    app = make_app(monotonic=lambda: now[0])
    assert OLD in section_3(app)
    ContentVersions(Database(config["DATABASE_URL"])).publish(LINE, "[line\nid =", "anne", OPEN_TIME)
    now[0] = TTL_SECONDS
    with caplog.at_level(logging.ERROR):
        assert OLD in section_3(app)
    assert "published version 1 of line rodblokade cannot run" in caplog.text


def test_a_draft_is_heard_only_in_a_trial_call_until_it_is_published(shell: Path) -> None:
    code, said = _ivr("draft")
    assert code == 0, said
    draft = shell / f"{LINE}.toml"
    assert draft.read_text(encoding="utf-8") == default_path().read_text(encoding="utf-8")
    assert _ivr("draft")[0] == 2  # a second draft never overwrites the first
    draft.write_text(changed_text(), encoding="utf-8")

    def heard(*extra: str) -> str:
        code, out = _ivr("call", "--keys", "3", "--json", *extra)
        assert code == 0, out
        return " ".join(step.get("text") or "" for step in json.loads(out[out.index("{") :])["steps"])

    assert NEW in heard("--draft")
    assert OLD in heard()  # callers still hear the live text
    code, said = _ivr("publish")
    assert code == 0, said
    assert said.startswith("Version 1 af linjen rodblokade er udgivet")
    assert NEW in heard()


def test_publish_refuses_broken_content_in_one_line(shell: Path) -> None:
    code, said = _ivr("publish")
    assert code == 2
    assert "Der er ingen kladde til linjen rodblokade" in said
    assert _ivr("draft")[0] == 0
    (shell / f"{LINE}.toml").write_text(changed_text().replace("[hours]", "[hours\n"), encoding="utf-8")
    code, said = _ivr("publish")
    assert code == 2
    assert said.startswith("Fejl: Kladden kan ikke udgives: ")
    assert len(said.strip().splitlines()) == 1
    assert "Traceback" not in said
    # As `ivr check`: the line must still say every sentence of its leaflet (copied beside the draft).
    (shell / f"{LINE}.toml").write_text(changed_text().replace(NEW, "Spis let."), encoding="utf-8")
    code, said = _ivr("publish")
    assert code == 2
    assert "Spis og drik gerne før indgrebet" in said
    code, listed = _ivr("versions", "--json")
    assert json.loads(listed) == []


def test_every_version_is_kept_and_one_is_restored_in_one_command(shell: Path) -> None:
    assert _ivr("draft")[0] == 0
    draft = shell / f"{LINE}.toml"
    draft.write_text(changed_text(), encoding="utf-8")
    assert _ivr("publish")[0] == 0
    draft.write_text(changed_text().replace(NEW, SECOND), encoding="utf-8")
    assert _ivr("publish")[0] == 0
    code, said = _ivr("publish", "--restore", "1")
    assert code == 0, said
    assert "(teksten fra version 1)" in said
    rows = json.loads(_ivr("versions", "--json")[1])
    assert [(row["version"], row["restored_from"], row["live"]) for row in rows] == [
        (1, None, False),
        (2, None, False),
        (3, 1, True),
    ]
    assert all(row["who"].startswith("ivr publish (") for row in rows)
    code, said = _ivr("publish", "--restore", "9")
    assert code == 2
    assert "Linjen rodblokade har ingen version 9" in said


@pytest.fixture
def staff_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    """An app behind the staff login, its drafts in the test's drafts/ folder."""
    return make_app({**STAFF, "DRAFT_DIR": tmp_path / "drafts"})


def test_the_preview_plays_the_draft_while_a_live_call_hears_the_old_text(
    staff_app: Flask, tmp_path: Path
) -> None:
    folder, app = tmp_path / "drafts", staff_app
    staff = app.test_client()

    def preview(draft: bool) -> tuple[int, str]:
        body = {"keys": ["3"], "at": "2026-11-25T11:00", "dial": "busy", "draft": draft}
        answer = staff.post("/preview/call", json=body, headers=AUTH)
        steps = answer.json["steps"] if answer.status_code == 200 and answer.json else []
        return answer.status_code, " ".join(step.get("text") or "" for step in steps)

    assert "Kladde" not in staff.get("/preview/", headers=AUTH).get_data(as_text=True)
    code, _ = preview(True)
    assert code == 400  # no draft yet: said so, not a 500
    folder.mkdir()
    (folder / f"{LINE}.toml").write_text(changed_text(), encoding="utf-8")
    assert "Ring til kladden (rodblokade)" in staff.get("/preview/", headers=AUTH).get_data(as_text=True)
    assert NEW in preview(True)[1]
    assert OLD in preview(False)[1]
    assert OLD in section_3(app)
    # An edit saved while trying is heard at the next call; a broken one is refused in Danish.
    (folder / f"{LINE}.toml").write_text(changed_text().replace(NEW, SECOND), encoding="utf-8")
    assert SECOND in preview(True)[1]
    (folder / f"{LINE}.toml").write_text("[line\n", encoding="utf-8")
    answer = staff.post("/preview/call", json={"keys": [], "draft": True}, headers=AUTH)
    assert answer.status_code == 400
    assert "Kladden kan ikke indlæses" in answer.get_data(as_text=True)


def test_on_a_folder_of_lines_one_line_is_published_and_a_clash_with_another_is_refused(
    shell: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = lines_folder(tmp_path / "lines")
    monkeypatch.setenv("IVR_CONTENT_DIR", str(folder))
    assert _ivr("draft", "--line", "knae")[0] == 0
    draft = shell / "knae.toml"
    knee = draft.read_text(encoding="utf-8")
    draft.write_text(knee.replace(KNEE_NUMBER, RODBLOKADE_NUMBER), encoding="utf-8")
    code, said = _ivr("publish", "--line", "knae")
    assert code == 2
    assert said.startswith("Fejl: Kladden kan ikke udgives: ")
    assert RODBLOKADE_NUMBER in said
    draft.write_text(knee.replace("Du er bedøvet imens.", "Du får en lokalbedøvelse."), encoding="utf-8")
    assert _ivr("publish", "--line", "knae")[0] == 0

    def heard(line: str) -> str:
        code, out = _ivr("call", "--line", line, "--keys", "1", "--json", "--at", "2026-11-25T09:00")
        assert code == 0, out
        return " ".join(step.get("text") or "" for step in json.loads(out[out.index("{") :])["steps"])

    assert "Du får en lokalbedøvelse." in heard("knae")
    other = heard("rodblokade")  # the other line runs its file, as before
    assert "rodblokade" in other
    assert "lokalbedøvelse" not in other
    rows = json.loads(_ivr("versions", "--json")[1])
    assert [(row["line"], row["version"]) for row in rows] == [("knae", 1)]


def test_a_drafts_audio_is_built_aside_and_copied_when_the_published_text_is_built(
    shell: Path, tmp_path: Path
) -> None:
    assert _ivr("draft")[0] == 0
    draft = shell / f"{LINE}.toml"
    welcome = "Neurokirurgisk Ambulatorium. Haster det, så ring 1-1-2."
    text = draft.read_text(encoding="utf-8")
    assert welcome in text
    draft.write_text(
        text.replace(welcome, "Neurokirurgisk Ambulatorium, kladden. Haster det, så ring 1-1-2."),
        encoding="utf-8",
    )
    code, said = _ivr("build-audio", "--draft", "--engine", "espeak", "--only", "welcome")
    assert code == 0, said
    built = manifest.load(shell / "audio")["welcome"]
    assert "kladden" in built.text
    assert not (tmp_path / "audio" / manifest.MANIFEST).exists()  # the live line's audio untouched
    assert _ivr("publish")[0] == 0
    code, said = _ivr("build-audio", "--engine", "espeak", "--only", "welcome")
    assert code == 0, said
    live = manifest.load(tmp_path / "audio")["welcome"]
    assert (live.text, live.file, live.sha256) == (built.text, built.file, built.sha256)


def test_a_published_sentence_without_audio_is_said_and_keeps_the_node_ready(
    make_app: Callable[..., Flask], config: dict[str, Any], tmp_path: Path
) -> None:
    fake_built_audio(tmp_path / "audio", load_content())
    now = [0.0]
    app = make_app(monotonic=lambda: now[0])
    assert Readiness.of(app).problems() == []
    assert NEW not in section_3(app)
    ContentVersions(Database(config["DATABASE_URL"])).publish(LINE, changed_text(), "anne", OPEN_TIME)
    now[0] = TTL_SECONDS
    root = TwilioClient(app.test_client()).twiml("/voice/key?menu=main&tries=0", {"Digits": "3"})
    # The changed section is said with <Say>, never played from the old text's file; the rest still plays.
    assert any(NEW in said for said in spoken(root))
    assert list(root.iter("Play"))
    assert Readiness.of(app).problems() == []


def test_versions_are_numbered_per_line_and_the_newest_is_read(database_url: str) -> None:
    database = Database(database_url)
    try:
        versions = ContentVersions(database)
        assert versions.newest() == {}
        versions.publish(LINE, "a = 1", "anne", OPEN_TIME)
        versions.publish("knae", "b = 1", "bo", OPEN_TIME)
        versions.publish(LINE, "a = 2", "bo", OPEN_TIME)
        restored = versions.publish(LINE, "a = 1", "anne", OPEN_TIME, restored_from=1)
        assert (restored.number, restored.restored_from) == (3, 1)
        newest = versions.newest()
        assert {line: (version.number, version.text) for line, version in newest.items()} == {
            LINE: (3, "a = 1"),
            "knae": (1, "b = 1"),
        }
        assert [(version.number, version.who) for version in versions.history(LINE)] == [
            (1, "anne"),
            (2, "bo"),
            (3, "anne"),
        ]
        assert versions.get(LINE, 2) is not None
        assert versions.get(LINE, 4) is None
        assert newest[LINE].at == OPEN_TIME
    finally:
        database.dispose()


def test_staff_publish_and_restore_from_the_page_and_callers_hear_it(
    staff_app: Flask, tmp_path: Path
) -> None:
    folder, app = tmp_path / "drafts", staff_app
    staff = app.test_client()

    def page() -> str:
        answer = staff.get("/staff/content", headers=AUTH)
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    def post(path: str, **form: str) -> Any:
        token = page().split('name="token" value="', 1)[1].split('"', 1)[0]
        return staff.post(path, data={"token": token, **form}, headers=AUTH)

    assert "indholdsfilen (intet udgivet endnu)" in page()
    assert "Udgiv kladden" not in page()
    folder.mkdir()
    leaflet = default_path().with_name("rodblokade.txt")
    (folder / leaflet.name).write_bytes(leaflet.read_bytes())
    (folder / f"{LINE}.toml").write_text(changed_text(), encoding="utf-8")
    assert "Udgiv kladden" in page()
    assert post("/staff/content/publish", line=LINE).status_code == 303
    # This worker reads the versions again at once; the other workers within the time to live.
    assert NEW in section_3(app)
    shown = page()
    assert "version 1" in shown
    assert "personale" in shown
    (folder / f"{LINE}.toml").write_text(changed_text().replace(NEW, SECOND), encoding="utf-8")
    assert post("/staff/content/publish", line=LINE).status_code == 303
    assert SECOND in section_3(app)
    assert post("/staff/content/restore", line=LINE, version="1").status_code == 303
    assert NEW in section_3(app)
    assert "(teksten fra version 1)" in page()
    forged = staff.post(
        "/staff/content/restore", data={"token": "x", "line": LINE, "version": "2"}, headers=AUTH
    )
    assert forged.status_code == 400
    assert post("/staff/content/restore", line="nowhere", version="1").status_code == 400
    (folder / f"{LINE}.toml").write_text("[line\n", encoding="utf-8")
    broken = post("/staff/content/publish", line=LINE)
    assert broken.status_code == 400
    assert "Kladden kan ikke udgives" in broken.get_data(as_text=True)
    assert NEW in section_3(app)
    (folder / f"{LINE}.toml").unlink()
    refused = post("/staff/content/publish", line=LINE)
    assert refused.status_code == 400
    assert "Der er ingen kladde til linjen rodblokade" in refused.get_data(as_text=True)


def test_what_staff_look_at_follows_the_published_version(shell: Path) -> None:
    """`ivr prompts`, `ivr hours` and `ivr ask` tell what callers hear: the published text, not the file's."""
    assert _ivr("draft")[0] == 0
    draft = shell / f"{LINE}.toml"
    # The new sentence, and the secretariat open until 15:00 instead of 14:00.
    text = changed_text()
    assert text.count('closes = "14:00"') == 1
    draft.write_text(text.replace('closes = "14:00"', 'closes = "15:00"'), encoding="utf-8")
    at = ("--at", "2027-03-03T14:30")  # a Wednesday, no holiday
    code, before = _ivr("hours", *at)
    assert code == 0, before
    assert "lukket" in before.splitlines()[0]
    assert NEW not in _ivr("prompts")[1]
    assert _ivr("publish")[0] == 0
    code, said = _ivr("prompts")
    assert code == 0, said
    assert NEW in said
    assert OLD + "\n" not in said
    code, after = _ivr("hours", *at)
    assert after.splitlines()[0].endswith("åbent til 15:00: et opkald ville blive stillet om")
    code, answer = _ivr("ask", "må jeg spise inden", "--json")
    assert code == 0, answer
    assert NEW in json.loads(answer)["sentences"]
