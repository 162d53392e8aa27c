"""`ivr build-audio` and the audio status in `ivr prompts`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import responses
from click.testing import CliRunner

from ivr.audio import manifest
from ivr.cli import main
from tests.support import URL


def build_audio(folder: Path, *args: str) -> list[str]:
    return ["build-audio", "--engine", "espeak", "--out", str(folder), *args]


def test_build_audio_builds_and_prints_a_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, build_audio(tmp_path, "--only", "welcome"))
    assert result.exit_code == 0, result.output
    assert "bygget" in result.output
    assert "uændret" in result.output
    assert list(manifest.load(tmp_path)) == ["welcome"]


def test_build_audio_writes_mp3_on_request(tmp_path: Path) -> None:
    args = [
        "build-audio",
        "--engine",
        "espeak",
        "--out",
        str(tmp_path),
        "--only",
        "silence",
        "--format",
        "mp3",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert manifest.load(tmp_path)["silence"].file.endswith(".mp3")


def test_a_failed_prompt_is_named_and_the_offline_engine_suggested(tmp_path: Path) -> None:
    with responses.RequestsMock() as google:
        google.post(URL, status=403)
        result = CliRunner().invoke(main, ["build-audio", "--out", str(tmp_path), "--only", "goodbye"])
    assert result.exit_code == 1
    assert "goodbye" in result.output
    assert "--engine espeak" in result.output
    assert manifest.load(tmp_path) == {}


def test_an_unknown_prompt_id_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build-audio", "--engine", "espeak", "--out", str(tmp_path), "--only", "nope"]
    )
    assert result.exit_code == 2
    assert "ukendt tekst-id nope" in result.output


def test_prompts_shows_each_prompts_audio_status(tmp_path: Path) -> None:
    CliRunner().invoke(
        main, ["build-audio", "--engine", "espeak", "--out", str(tmp_path), "--only", "welcome"]
    )
    rows = json.loads(CliRunner().invoke(main, ["prompts", "--json", "--audio", str(tmp_path)]).output)
    status = {row["id"]: row["audio"] for row in rows}
    assert status["welcome"] == "fresh"
    assert set(status.values()) == {"fresh", "missing"}
    text = CliRunner().invoke(main, ["prompts", "--audio", str(tmp_path)]).output
    entry = manifest.load(tmp_path)["welcome"]
    seconds = f"{entry.duration:.1f}".replace(".", ",")
    assert f"[welcome] lyd: aktuel ({tmp_path / entry.file}, syntetisk (espeak), {seconds} s)" in text
    assert "[goodbye] lyd: mangler (ingen lydfil; læses op med Twilios stemme)" in text
    welcome = next(row for row in rows if row["id"] == "welcome")
    assert (welcome["engine"], welcome["recorded"], welcome["seconds"]) == (
        "espeak",
        False,
        round(entry.duration, 2),
    )


def test_build_audio_names_each_prompt_as_it_is_built_then_sums_up(tmp_path: Path) -> None:
    args = [
        "build-audio",
        "--engine",
        "espeak",
        "--out",
        str(tmp_path),
        "--only",
        "welcome",
        "--only",
        "goodbye",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    # Not a terminal: plain lines, one per prompt, with its voice and the seconds it took.
    built = re.findall(r"^bygget +(\w+) +syntetisk \(espeak\), \d+,\d\d s$", result.output, re.M)
    assert sorted(built) == ["goodbye", "welcome"]
    again = CliRunner().invoke(main, [*args])
    unchanged = re.findall(r"^uændret +(\w+) +syntetisk \(espeak\)$", again.output, re.M)
    assert sorted(unchanged) == ["goodbye", "welcome"]
