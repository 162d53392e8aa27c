"""Building: the manifest, incremental skips, --force, --only, recordings, retries, and harmless faults."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from ivr.audio import build as build_module
from ivr.audio import manifest
from ivr.audio.build import RETIRED_DAYS, BuildReport, build
from ivr.audio.engines import EspeakEngine, GttsEngine
from ivr.audio.processing import WAVE_FORMAT_MULAW, wav_info
from ivr.line.content import Prompt
from ivr.line.content_loader import load_content
from tests.support import URL, CountingEngine, batchexecute_body, decoded, mp3_of

FEW = [
    Prompt("welcome", "Velkommen."),
    Prompt("invalid", "Den tast kender jeg ikke."),
    Prompt("goodbye", "Farvel."),
]


def changed(prompts: list[Prompt], prompt_id: str, text: str) -> list[Prompt]:
    return [Prompt(p.id, text) if p.id == prompt_id else p for p in prompts]


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


@pytest.fixture(scope="module")
def catalogue() -> list[Prompt]:
    return load_content().all_prompts()


@pytest.fixture(scope="module")
def built_catalogue(
    tmp_path_factory: pytest.TempPathFactory, catalogue: list[Prompt]
) -> tuple[Path, BuildReport]:
    folder = tmp_path_factory.mktemp("audio")
    return folder, build(catalogue, folder, EspeakEngine())


def test_every_prompt_of_the_catalogue_is_built_with_its_manifest_entry(
    built_catalogue: tuple[Path, BuildReport], catalogue: list[Prompt]
) -> None:
    folder, report = built_catalogue
    assert sorted(report.built) == sorted(p.id for p in catalogue)
    assert report.failed == {}
    entries = manifest.load(folder)
    for prompt in catalogue:
        entry = entries[prompt.id]
        data = (folder / entry.file).read_bytes()
        info = wav_info(data)
        assert entry.file == f"{prompt.id}-{entry.hash[:12]}.wav"
        assert entry.hash == manifest.prompt_hash(prompt.text, entry.settings)
        assert (entry.engine, entry.text, entry.size) == ("espeak", prompt.text, len(data))
        assert (info.format_tag, info.channels, info.sample_rate) == (WAVE_FORMAT_MULAW, 1, 8000)
        assert entry.duration == pytest.approx(info.duration, abs=0.02)
        # Roughly speaking speed: more text, longer audio; never silence.
        assert 0.03 * len(prompt.text) < entry.duration < 0.12 * len(prompt.text) + 1
        assert decoded(data).dBFS > -30


def test_a_rebuild_with_nothing_changed_synthesizes_nothing_within_a_second(
    built_catalogue: tuple[Path, BuildReport], catalogue: list[Prompt], tmp_path: Path
) -> None:
    folder = tmp_path / "audio"
    shutil.copytree(built_catalogue[0], folder)
    before = files(folder)
    engine = CountingEngine()
    report = build(catalogue, folder, engine)
    assert engine.calls == []
    assert (report.built, report.failed, len(report.unchanged)) == ([], {}, len(catalogue))
    assert report.seconds < 1.0
    assert files(folder) == before


def test_a_changed_text_rebuilds_only_that_prompt_under_a_new_name(tmp_path: Path) -> None:
    engine = CountingEngine()
    build(FEW, tmp_path, engine)
    old = manifest.load(tmp_path)
    engine.calls.clear()
    report = build(changed(FEW, "invalid", "Den tast virker ikke her."), tmp_path, engine)
    new = manifest.load(tmp_path)
    assert engine.calls == ["Den tast virker ikke her."]
    assert (report.built, sorted(report.unchanged)) == (["invalid"], ["goodbye", "welcome"])
    assert new["invalid"].file != old["invalid"].file
    # The outdated file stays while a running line may still play it; see the retirement tests below.
    assert old["invalid"].file in manifest.load_retired(tmp_path)
    assert new["welcome"] == old["welcome"]


def test_changed_build_settings_rebuild_every_prompt(tmp_path: Path) -> None:
    build(FEW, tmp_path, CountingEngine(rate=150))
    slower = CountingEngine(rate=120)
    report = build(FEW, tmp_path, slower)
    assert sorted(report.built) == sorted(p.id for p in FEW)
    assert len(slower.calls) == len(FEW)


def test_force_rebuilds_everything_under_the_same_names(tmp_path: Path) -> None:
    build(FEW, tmp_path, CountingEngine())
    before = manifest.load(tmp_path)
    engine = CountingEngine()
    report = build(FEW, tmp_path, engine, force=True)
    after = manifest.load(tmp_path)
    assert len(engine.calls) == len(FEW)
    assert len(report.built) == len(FEW)
    assert {k: e.file for k, e in after.items()} == {k: e.file for k, e in before.items()}
    assert sorted(files(tmp_path)) == sorted([manifest.MANIFEST, *(e.file for e in after.values())])


def test_only_builds_the_named_prompts_and_keeps_the_rest(tmp_path: Path) -> None:
    build(FEW, tmp_path, CountingEngine())
    engine = CountingEngine()
    edited = changed(changed(FEW, "welcome", "Goddag."), "goodbye", "Hej hej.")
    report = build(edited, tmp_path, engine, only={"welcome"})
    entries = manifest.load(tmp_path)
    assert engine.calls == ["Goddag."]
    assert (report.built, report.unchanged) == (["welcome"], [])
    assert entries["goodbye"].text == "Farvel."  # not rebuilt, still there, now stale
    assert (tmp_path / entries["goodbye"].file).exists()


def test_only_with_an_unknown_id_names_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="welcom"):
        build(FEW, tmp_path, CountingEngine(), only={"welcom"})


def test_prompts_gone_from_the_content_leave_the_manifest(tmp_path: Path) -> None:
    build(FEW, tmp_path, CountingEngine())
    gone = manifest.load(tmp_path)["goodbye"]
    build(FEW[:2], tmp_path, CountingEngine())
    assert "goodbye" not in manifest.load(tmp_path)
    assert gone.file in manifest.load_retired(tmp_path)


class Later:
    """Stands in for datetime in the build: `now` is some days ahead."""

    days = 0

    @classmethod
    def now(cls, tz: object = None) -> datetime:
        return datetime.now(UTC) + timedelta(days=cls.days)


def test_a_file_no_manifest_names_stays_while_a_running_line_may_play_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(FEW, tmp_path, CountingEngine())
    old = manifest.load(tmp_path)["invalid"].file
    build(changed(FEW, "invalid", "Den tast virker ikke her."), tmp_path, CountingEngine())
    assert (tmp_path / old).exists()
    monkeypatch.setattr(build_module, "datetime", Later)
    Later.days = RETIRED_DAYS - 1
    build(changed(FEW, "invalid", "Den tast virker ikke her."), tmp_path, CountingEngine())
    assert (tmp_path / old).exists()
    Later.days = RETIRED_DAYS + 1
    build(changed(FEW, "invalid", "Den tast virker ikke her."), tmp_path, CountingEngine())
    assert not (tmp_path / old).exists()
    assert manifest.load_retired(tmp_path) == {}
    assert not (tmp_path / manifest.RETIRED).exists()


def test_a_file_named_again_is_no_longer_retired(tmp_path: Path) -> None:
    build(FEW, tmp_path, CountingEngine())
    build(changed(FEW, "invalid", "Den tast virker ikke her."), tmp_path, CountingEngine())
    assert manifest.load_retired(tmp_path)
    build(FEW, tmp_path, CountingEngine())  # the old text again: its old name again
    names = {entry.file for entry in manifest.load(tmp_path).values()}
    assert not names & set(manifest.load_retired(tmp_path))


def test_a_recording_replaces_synthesis_and_is_processed_the_same(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded"
    recorded.mkdir(parents=True)
    # A "recording": real speech with different words, as an MP3, so the file clearly came from here.
    (recorded / "welcome.mp3").write_bytes(mp3_of(EspeakEngine().synthesize("Goddag og velkommen til os.")))
    engine = CountingEngine()
    report = build(FEW, tmp_path, engine)
    entry = manifest.load(tmp_path)["welcome"]
    assert "Velkommen." not in engine.calls
    assert sorted(report.built) == sorted(p.id for p in FEW)
    assert entry.engine == "recorded"
    assert wav_info((tmp_path / entry.file).read_bytes()).sample_rate == 8000
    assert entry.duration > 1.5  # the recording's words, not the one-word text


def test_a_new_recording_is_picked_up_and_an_old_one_is_not_reused_for_new_text(tmp_path: Path) -> None:
    recorded = tmp_path / "recorded"
    recorded.mkdir(parents=True)
    build(FEW, tmp_path, CountingEngine())
    (recorded / "welcome.wav").write_bytes(EspeakEngine().synthesize("Goddag.").data)
    assert build(FEW, tmp_path, CountingEngine()).built == ["welcome"]
    kept = manifest.load(tmp_path)["welcome"]

    report = build(changed(FEW, "welcome", "Goddag og velkommen."), tmp_path, CountingEngine())
    assert "earlier text" in report.failed["welcome"]
    assert manifest.load(tmp_path)["welcome"] == kept
    assert (tmp_path / kept.file).exists()


def test_a_fault_mid_build_keeps_earlier_files_and_the_failed_prompts_old_file(tmp_path: Path) -> None:
    build(FEW, tmp_path, CountingEngine())
    old = manifest.load(tmp_path)
    old_invalid = (tmp_path / old["invalid"].file).read_bytes()
    edited = [Prompt(p.id, p.text + " Tak.") for p in FEW]
    report = build(edited, tmp_path, CountingEngine(fail={"Den tast kender jeg ikke. Tak."}), retries=0)
    entries = manifest.load(tmp_path)
    assert list(report.failed) == ["invalid"]
    assert sorted(report.built) == ["goodbye", "welcome"]
    assert entries["welcome"].text == "Velkommen. Tak."
    assert entries["invalid"] == old["invalid"]  # still the last good build, so the line says <Say> for it
    assert (tmp_path / old["invalid"].file).read_bytes() == old_invalid
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_passing_failures_are_retried_with_backoff(tmp_path: Path) -> None:
    engine = CountingEngine(flaky={"Farvel.": 2})
    report = build(FEW, tmp_path, engine, retries=3, backoff=0)
    assert report.failed == {}
    assert engine.calls.count("Farvel.") == 3


def test_a_prompt_that_keeps_failing_is_reported_after_its_retries(tmp_path: Path) -> None:
    engine = CountingEngine(flaky={"Farvel.": 10})
    report = build(FEW, tmp_path, engine, retries=2, backoff=0)
    assert list(report.failed) == ["goodbye"]
    assert engine.calls.count("Farvel.") == 3
    assert "goodbye" not in manifest.load(tmp_path)


def test_an_unreadable_manifest_means_rebuild_everything(tmp_path: Path) -> None:
    build(FEW, tmp_path, CountingEngine())
    (tmp_path / manifest.MANIFEST).write_text("{not json", encoding="utf-8")
    report = build(FEW, tmp_path, CountingEngine())
    assert len(report.built) == len(FEW)
    assert (
        json.loads((tmp_path / manifest.MANIFEST).read_text(encoding="utf-8"))["version"] == manifest.VERSION
    )


def test_gtts_builds_through_its_real_request_path_and_a_failure_keeps_the_old_file(tmp_path: Path) -> None:
    mp3 = mp3_of(EspeakEngine().synthesize("Velkommen."))
    with responses.RequestsMock() as google:
        google.post(URL, body=batchexecute_body(mp3))
        first = build(FEW[:1], tmp_path, GttsEngine())
    entry = manifest.load(tmp_path)["welcome"]
    assert (first.built, entry.engine) == (["welcome"], "gtts")
    good = (tmp_path / entry.file).read_bytes()
    assert wav_info(good).sample_rate == 8000

    with responses.RequestsMock() as google:
        google.post(URL, status=500)
        second = build(FEW[:1], tmp_path, GttsEngine(), force=True, retries=1, backoff=0)
        assert len(google.calls) == 2
    assert list(second.failed) == ["welcome"]
    assert (tmp_path / entry.file).read_bytes() == good  # gTTS's save() would have left 0 bytes here
    assert manifest.load(tmp_path)["welcome"] == entry


def test_a_build_leaves_another_nodes_temporary_file_and_removes_an_abandoned_one(tmp_path: Path) -> None:
    # Two nodes building into one shared folder: the other's file being written must survive this build.
    writing = tmp_path / ".welcome-0123456789ab.wav.abcd.tmp"
    writing.write_bytes(b"half")
    abandoned = tmp_path / ".goodbye-0123456789ab.wav.efgh.tmp"
    abandoned.write_bytes(b"half")
    long_ago = time.time() - build_module.TEMPORARY_SECONDS - 60
    os.utime(abandoned, (long_ago, long_ago))
    build(FEW, tmp_path, CountingEngine())
    assert writing.exists()
    assert not abandoned.exists()
