"""Several lines on one deployment: a folder of lines, conflicts, routing by number, each line's own ways."""

from __future__ import annotations

import json
import logging
import sqlite3
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from twilio.request_validator import RequestValidator

from ivr.audio.build import build
from ivr.cli import main
from ivr.line.content_loader import ContentError, load_content
from ivr.line.events import CallEvent
from ivr.line.lines import load_folder
from ivr.webhook.endpoint import Webhook
from tests.support import (
    CALL,
    CPH,
    KNEE_NUMBER,
    RODBLOKADE_NUMBER,
    TOKEN,
    CountingEngine,
    LiveLine,
    TwilioClient,
    clean_env,
    lines_folder,
    live_line,
    raw_request,
    serving,
    spoken,
    verbs,
)

WEDNESDAY_0900 = datetime(2026, 11, 25, 9, 0, tzinfo=CPH)  # the knee clinic open, the rodblokade one not yet


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return lines_folder(tmp_path / "lines")


@pytest.fixture
def app(make_app: Callable[..., Flask], folder: Path) -> Flask:
    return make_app({"CONTENT_DIR": folder})


@pytest.fixture
def heard(app: Flask) -> list[CallEvent]:
    events: list[CallEvent] = []
    Webhook.of(app).observers.append(events.append)
    return events


def action(root: ET.Element) -> dict[str, str]:
    gather = root.find("Gather")
    assert gather is not None
    query = parse_qs(urlsplit(gather.get("action", "")).query)
    return {key: values[0] for key, values in query.items()}


def test_a_folder_loads_every_line(folder: Path) -> None:
    contents = load_folder(folder)
    assert [content.line.id for content in contents] == ["knae", "rodblokade"]
    knee = contents[0]
    assert (knee.line.numbers, knee.line.default, knee.number) == ((KNEE_NUMBER,), False, "+4586123456")


@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        (lambda t: t.replace('numbers = ["+4578000002"]', 'numbers = ["+4578000001"]'),
         "rodblokade.toml: line.numbers", "+4578000001 bruges også af knae.toml (knae)"),
        (lambda t: t.replace('numbers = ["+4578000002"]', 'numbers = ["+4578000002"]\ndefault = true'),
         "line.default",
         "flere linjer er sat som standard (default): knae.toml (knae), rodblokade.toml (rodblokade)"),
        (lambda t: t.replace('id = "knae"', 'id = "rodblokade"'), "rodblokade.toml: line.id",
         "'rodblokade' er også id for knae.toml (rodblokade)"),
        (lambda t: t.replace("opens = ", "open = "), "knae.toml: hours.open",
         "ukendt nøgle 'open'; mente du 'opens'?"),
    ],
)  # fmt: skip
def test_conflicts_and_mistakes_name_the_file(folder: Path, edit: Any, key: str, problem: str) -> None:
    knee = folder / "knae.toml"
    knee.write_text(edit(knee.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_folder(folder)
    assert (key, problem) in caught.value.problems
    result = CliRunner().invoke(main, ["check", "--content", str(folder)])
    assert result.exit_code == 1
    assert f"{folder}: {key}: {problem}" in result.output


def test_check_says_ok_for_every_line(folder: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--content", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"{folder / 'knae.toml'}: i orden (linje knae: 17 tekster, 2 afsnit)" in result.output
    assert "(linje rodblokade: 30 tekster, 5 afsnit)" in result.output


def test_an_empty_or_missing_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for folder, words in [
        (tmp_path / "empty", "indeholder ingen indholdsfiler"),
        (tmp_path / "nowhere", "findes ikke"),
    ]:
        result = CliRunner().invoke(main, ["hours", "--content", str(folder)])
        assert result.exit_code == 2
        assert words in result.output


def test_each_number_reaches_its_line(app: Flask, heard: list[CallEvent]) -> None:
    twilio = TwilioClient(app.test_client())
    knee = twilio.twiml("/voice", {"To": KNEE_NUMBER})
    assert spoken(knee)[0] == "Ortopædkirurgisk Klinik. Haster det, så ring 1-1-2."
    assert action(knee) == {"line": "knae", "menu": "main", "tries": "0"}
    rod = twilio.twiml("/voice", {"To": RODBLOKADE_NUMBER})
    assert spoken(rod)[0] == "Neurokirurgisk Ambulatorium. Haster det, så ring 1-1-2."
    assert action(rod)["line"] == "rodblokade"
    # A number no file names reaches the default line.
    other = twilio.twiml("/voice", {"To": "+4570707070"})
    assert spoken(other)[0] == spoken(rod)[0]
    assert [event.line for event in heard] == ["knae", "rodblokade", "rodblokade"]


def test_the_url_keeps_the_call_on_its_line(app: Flask) -> None:
    twilio = TwilioClient(app.test_client())
    # A key step names its line: that line answers, whatever the To.
    section = twilio.twiml("/voice/key?line=knae&menu=main&tries=0", {"Digits": "2", "To": RODBLOKADE_NUMBER})
    assert (
        spoken(section)[0]
        == "Bagefter. Du må gå på benet samme dag. Hold knæet i ro de første par dage."[10:]
    )
    assert action(section) == {"line": "knae", "menu": "2", "tries": "0"}
    # An unknown line in the URL (a file removed since) falls back to the number.
    fallback = twilio.twiml("/voice/key?line=gone&menu=main&tries=0", {"Digits": "1", "To": KNEE_NUMBER})
    assert action(fallback)["line"] == "knae"


def test_a_call_to_a_served_folder_names_each_line_s_played_files(
    make_app: Callable[..., Flask], folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each line's welcome built into its own audio folder, as `ivr build-audio` does.
    audio = tmp_path / "built"
    contents = {content.line.id: content for content in load_folder(folder)}
    for line_id, content in contents.items():
        build([content.prompt("welcome")], audio / line_id, CountingEngine())
    app = make_app({"CONTENT_DIR": folder, "AUDIO_DIR": audio})
    for name, value in {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_CONTENT_DIR": str(folder),
        "IVR_AUDIO_DIR": str(audio),
    }.items():
        monkeypatch.setenv(name, value)
    with serving(app) as base:
        result = CliRunner().invoke(
            main, ["call", "--url", base + "/voice?line=knae", "--keys", "#", "--json"]
        )
    assert result.exit_code == 0, result.output
    [played, *_] = [step for step in json.loads(result.output)["steps"] if step["kind"] == "play"]
    # The knee line's own words, from its manifest: not the packaged line's welcome of the same prompt id.
    assert played["text"] == contents["knae"].prompt("welcome").text
    assert played["text"] != contents["rodblokade"].prompt("welcome").text


def test_hours_and_secretariat_are_each_lines_own(app: Flask, clock: Any) -> None:
    twilio = TwilioClient(app.test_client())
    clock.at = WEDNESDAY_0900
    knee = twilio.twiml("/voice/key?line=knae&menu=main&tries=0", {"Digits": "0"})
    dial = knee.find("Dial")
    assert dial is not None
    assert [number.text for number in dial.iter("Number")] == ["+4586123456"]
    assert urlsplit(dial.get("action", "")).query == "line=knae"
    rod = twilio.twiml("/voice/key?line=rodblokade&menu=main&tries=0", {"Digits": "0"})
    assert rod.find("Dial") is None
    assert spoken(rod)[0] == "Sekretariatet har lukket og åbner igen i dag klokken 10."
    # The knee clinic's own closed days and reason.
    clock.at = datetime(2026, 12, 22, 9, 0, tzinfo=CPH)
    closed = twilio.twiml("/voice", {"To": KNEE_NUMBER})
    # The notice comes after the menu, so the first key is heard as soon as on an open day.
    assert (
        spoken(closed)[2]
        == "I dag er det juleferie, så klinikken har lukket. Den åbner igen på torsdag klokken 8."
    )


def test_the_loop_guard_uses_the_lines_own_secretariat(app: Flask, clock: Any) -> None:
    twilio = TwilioClient(app.test_client())
    clock.at = WEDNESDAY_0900
    forwarded = {"Digits": "0", "ForwardedFrom": "+4586123456"}
    looped = twilio.twiml("/voice/key?line=knae&menu=main&tries=0", forwarded)
    assert looped.find("Dial") is None
    assert spoken(looped)[0].startswith("Du ringer fra klinikkens eget nummer.")
    clock.at = datetime(2026, 11, 25, 11, 0, tzinfo=CPH)
    other = twilio.twiml("/voice/key?line=rodblokade&menu=main&tries=0", forwarded)
    assert other.find("Dial") is not None


def test_without_a_default_an_unclaimed_number_gets_an_apology(
    make_app: Callable[..., Flask], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = lines_folder(tmp_path / "nodefault", default=False)
    app = make_app({"CONTENT_DIR": folder})
    heard: list[CallEvent] = []
    Webhook.of(app).observers.append(heard.append)
    with caplog.at_level(logging.WARNING):
        root = TwilioClient(app.test_client()).twiml("/voice", {"To": "+4570707070"})
    assert verbs(root) == ["Say", "Hangup"]
    assert spoken(root)[0].startswith("Undskyld, dette nummer er ikke sat op endnu")
    assert "reaches no line" in caplog.text
    assert "+4570707070" not in caplog.text
    assert "4570707070" not in caplog.text
    assert heard == []
    # The claimed numbers still work.
    assert (
        "Ortopædkirurgisk" in spoken(TwilioClient(app.test_client()).twiml("/voice", {"To": KNEE_NUMBER}))[0]
    )


def test_content_file_and_folder_together_stop_the_start(
    make_app: Callable[..., Flask], folder: Path
) -> None:
    with pytest.raises(Exception, match="CONTENT_FILE and IVR_CONTENT_DIR are both set"):
        make_app({"CONTENT_DIR": folder, "CONTENT_FILE": folder / "knae.toml"})


def test_commands_take_a_line(folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IVR_CONTENT_DIR", str(folder))
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'stats.sqlite'}")
    runner = CliRunner()
    hours = runner.invoke(main, ["hours", "--line", "knae", "--at", "2026-11-25T09:00", "--json"])
    assert hours.exit_code == 0, hours.output
    assert json.loads(hours.output)["open"] is True
    default = runner.invoke(main, ["hours", "--at", "2026-11-25T09:00", "--json"])
    assert json.loads(default.output)["open"] is False  # the default line, rodblokade
    unknown = runner.invoke(main, ["hours", "--line", "hofte"])
    assert unknown.exit_code == 2
    assert "der er ingen sådan linje (linjerne: knae, rodblokade)" in unknown.output
    prompts = runner.invoke(main, ["prompts", "--line", "knae", "--json"])
    assert json.loads(prompts.output)[0]["text"] == "Ortopædkirurgisk Klinik. Haster det, så ring 1-1-2."
    graph = runner.invoke(main, ["graph", "--line", "knae", "--format", "dot"])
    assert graph.exit_code == 0, graph.output
    assert "Om undersøgelsen" in graph.output
    for option in (["--line", "knae"], ["--to", KNEE_NUMBER]):
        called = runner.invoke(main, ["call", *option, "--keys", "2", "--at", "2026-11-25T09:00", "--json"])
        assert called.exit_code == 0, called.output
        said = [step.get("text") for step in json.loads(called.output)["steps"]]
        assert said[0] == "Ortopædkirurgisk Klinik. Haster det, så ring 1-1-2."
        assert "Du må gå på benet samme dag. Hold knæet i ro de første par dage." in " ".join(
            filter(None, said)
        )
    refused = runner.invoke(main, ["call", "--to", "12345"])
    assert refused.exit_code == 2


def test_without_a_default_commands_ask_for_a_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_CONTENT_DIR", str(lines_folder(tmp_path / "lines", default=False)))
    result = CliRunner().invoke(main, ["hours"])
    assert result.exit_code == 2
    assert "vælg én med --line (knae, rodblokade)" in result.output


def test_the_preview_calls_the_chosen_line(make_app: Callable[..., Flask], folder: Path) -> None:
    app = make_app({"CONTENT_DIR": folder, "DEVELOPMENT": True, "TWILIO_AUTH_TOKEN": None})
    client = app.test_client()
    page = client.get("/preview/").get_data(as_text=True)
    assert '<select id="line" name="line">' in page
    assert 'value="knae"' in page
    answer = client.post("/preview/call", json={"keys": [], "line": "knae", "at": "2026-11-25T09:00"})
    assert answer.status_code == 200, answer.data
    data = answer.get_json()
    assert data["steps"][0]["text"] == "Ortopædkirurgisk Klinik. Haster det, så ring 1-1-2."
    assert data["open"] is True
    assert client.post("/preview/call", json={"keys": [], "line": "hofte"}).status_code == 400


def test_healthz_names_the_lines(app: Flask) -> None:
    report = app.test_client().get("/healthz").get_json()
    assert report["lines"] == ["knae", "rodblokade"]
    assert report["status"] == "ok"


def test_a_changed_file_in_the_folder_is_noticed(app: Flask, folder: Path) -> None:
    client = app.test_client()
    assert client.get("/healthz").get_json()["content"]["changed"] is False
    knee = folder / "knae.toml"
    knee.write_text(
        knee.read_text(encoding="utf-8").replace("Bagefter", "Efter undersøgelsen"), encoding="utf-8"
    )
    assert client.get("/healthz").get_json()["content"]["changed"] is True
    knee.write_text(
        knee.read_text(encoding="utf-8").replace('opens = "08:00"', 'opens = "8"'), encoding="utf-8"
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "knae.toml: hours.opens" in response.get_json()["content"]["problem"]


@pytest.mark.slow  # builds two lines' audio with espeak-ng (about 11 s)
def test_build_audio_keeps_a_folder_per_line_and_synthesizes_a_text_once(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask], clock: Any
) -> None:
    from ivr.audio import engines  # noqa: PLC0415
    from ivr.audio.manifest import load  # noqa: PLC0415

    said: list[str] = []
    real = engines.EspeakEngine.synthesize

    def counting(self: engines.EspeakEngine, text: str) -> engines.Sound:
        said.append(text)
        return real(self, text)

    monkeypatch.setattr(engines.EspeakEngine, "synthesize", counting)
    out = tmp_path / "audio"
    result = CliRunner().invoke(
        main, ["build-audio", "--engine", "espeak", "--content", str(folder), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    knee, rod = load(out / "knae"), load(out / "rodblokade")
    assert len(knee) == 176  # 17 prompts and 71 fragments (the closures' sentence too), each also slowed
    assert len(rod) == len(load_content().audio_prompts())  # each prompt and fragment, also slowed
    # "Den tast kender jeg ikke." and every date fragment are said by both lines: built once, copied once.
    assert len(said) == len(set(said))
    assert knee["invalid"].sha256 == rod["invalid"].sha256
    assert (out / "knae" / knee["invalid"].file).read_bytes() == (
        out / "rodblokade" / rod["invalid"].file
    ).read_bytes()
    # Built again with nothing changed: nothing is synthesized.
    said.clear()
    again = CliRunner().invoke(
        main, ["build-audio", "--engine", "espeak", "--content", str(folder), "--out", str(out)]
    )
    assert again.exit_code == 0, again.output
    assert said == []
    # One line only.
    only = CliRunner().invoke(
        main,
        [
            "build-audio",
            "--engine",
            "espeak",
            "--content",
            str(folder),
            "--out",
            str(out),
            "--line",
            "knae",
            "--force",
        ],
    )
    assert only.exit_code == 0, only.output
    assert "linje knae" in only.output
    assert "linje rodblokade" not in only.output
    # The running lines play each line's own files, served from one /audio/ route.
    app = make_app({"CONTENT_DIR": folder, "AUDIO_DIR": out})
    twilio = TwilioClient(app.test_client())
    clock.at = WEDNESDAY_0900
    root = twilio.twiml("/voice", {"To": KNEE_NUMBER})
    played = [play.text or "" for play in root.iter("Play")]
    assert played[0] == f"/audio/{knee['welcome'].file}"
    assert spoken(root) == []
    with app.test_client().get(played[0]) as response:
        assert response.status_code == 200


def signed_post(line: LiveLine, path: str, form: dict[str, str]) -> ET.Element:
    """Post a call step to a running `ivr serve` over a socket, signed as Twilio signs it; parse the TwiML."""
    body = urlencode({**CALL, **form}).encode()
    url = f"http://127.0.0.1:{line.port}{path}"
    signature = RequestValidator(TOKEN).compute_signature(url, {**CALL, **form})
    head = [
        f"POST {path} HTTP/1.1".encode(),
        b"Host: 127.0.0.1:%d" % line.port,
        b"Content-Type: application/x-www-form-urlencoded",
        b"Content-Length: %d" % len(body),
        b"X-Twilio-Signature: " + signature.encode(),
    ]
    status, answer = raw_request(line.port, head, body)
    assert status == 200, answer
    return ET.fromstring(answer)


@pytest.mark.slow
def test_two_lines_side_by_side_in_one_server(tmp_path: Path) -> None:
    folder = lines_folder(tmp_path / "lines")
    with live_line(
        tmp_path, {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_CONTENT_DIR": str(folder), "IVR_WORKERS": "2"}
    ) as line:
        for _ in range(3):  # any worker answers any step of either line
            knee = signed_post(line, "/voice", {"To": KNEE_NUMBER})
            assert spoken(knee)[0] == "Ortopædkirurgisk Klinik. Haster det, så ring 1-1-2."
            rod = signed_post(line, "/voice", {"To": RODBLOKADE_NUMBER})
            assert spoken(rod)[0] == "Neurokirurgisk Ambulatorium. Haster det, så ring 1-1-2."
        section = signed_post(line, action_of(knee), {"To": KNEE_NUMBER, "Digits": "1"})
        assert spoken(section)[0].startswith("Ved en kikkertundersøgelse ser lægen ind i knæet")
        # Each line's own secretariat: the failed transfer names its number.
        busy = spoken(signed_post(line, "/voice/dial?line=knae", {"DialCallStatus": "busy"}))[0]
        assert "seksogfirs, tolv, fireogtredive, seksoghalvtreds" in busy
        busy = spoken(signed_post(line, "/voice/dial?line=rodblokade", {"DialCallStatus": "busy"}))[0]
        assert "syvoghalvfems, seksogtreds, fireogtyve, nul nul" in busy
        with urllib.request.urlopen(line.base + "/healthz", timeout=5) as response:
            assert json.load(response)["lines"] == ["knae", "rodblokade"]
    with sqlite3.connect(line.database) as connection:
        rows = list(connection.execute("SELECT line, event FROM call_events ORDER BY id"))
    # Each worker writes its own batches: compare counts, not order.
    assert rows.count(("knae", "welcome")) == rows.count(("rodblokade", "welcome")) == 3
    assert ("knae", "section") in rows


def action_of(root: ET.Element) -> str:
    gather = root.find("Gather")
    assert gather is not None
    return gather.get("action", "")


def test_serve_refuses_lines_that_conflict_in_one_line(folder: Path) -> None:
    knee = folder / "knae.toml"
    knee.write_text(
        knee.read_text(encoding="utf-8").replace("+4578000002", RODBLOKADE_NUMBER), encoding="utf-8"
    )
    env = clean_env(TWILIO_AUTH_TOKEN=TOKEN, IVR_CONTENT_DIR=str(folder))
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("ivr serve: cannot start: ")
    assert f"{RODBLOKADE_NUMBER} bruges også af knae.toml (knae)" in line
