"""A build with gTTS unreachable stops after a few requests without an answer, naming the offline voice.

Google is never asked: gTTS is sent through a proxy on 127.0.0.1 that refuses every connection, or that
accepts and never answers.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.audio.build import UNREACHABLE_IN_A_ROW, BuildStoppedError, build
from ivr.audio.engines import GttsEngine, Sound, TransientError, UnreachableError
from ivr.cli import main
from ivr.line.content import Prompt
from tests.support import free_port

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial

PROMPTS = [Prompt(f"p{n}", f"Sætning nummer {n}.") for n in range(40)]


def _through_proxy(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request goes to a port nothing listens on: refused at once."""
    _through_proxy(monkeypatch, free_port())


@pytest.fixture
def hanging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every request goes to a server that takes the connection and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        _through_proxy(monkeypatch, server.getsockname()[1])
        yield


@pytest.mark.usefixtures("refusing")
def test_gtts_refused_is_unreachable_not_a_bad_text() -> None:
    with pytest.raises(UnreachableError, match="Failed to connect"):
        GttsEngine().synthesize("Hej.")


@pytest.mark.usefixtures("hanging")
def test_gtts_waits_at_most_its_time_limit_per_request() -> None:
    started = time.monotonic()
    with pytest.raises(UnreachableError):
        GttsEngine(timeout=(0.5, 0.5)).synthesize("Hej.")
    assert time.monotonic() - started < 3


@pytest.mark.usefixtures("hanging")
def test_a_build_stops_after_a_few_requests_without_an_answer(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(BuildStoppedError) as stopped:
        build(PROMPTS, tmp_path, GttsEngine(timeout=(0.5, 0.5)), retries=3, backoff=0.1)
    # 4 workers: the first few requests time out together, and the rest are never sent.
    assert time.monotonic() - started < 10
    assert len(stopped.value.report.failed) < len(PROMPTS) / 2
    assert stopped.value.report.built == []


class Flaky:
    """An engine whose server gives no answer on every other request, and is busy (HTTP 503) on the others."""

    name = "flaky"
    workers = 1

    def __init__(self) -> None:
        self.calls = 0

    def settings(self) -> dict[str, str]:
        return {"engine": self.name}

    def synthesize(self, text: str) -> Sound:
        self.calls += 1
        if self.calls % 2:
            raise TransientError("503 from TTS API")
        raise UnreachableError("Failed to connect")


def test_failures_with_an_answer_in_between_never_stop_a_build(tmp_path: Path) -> None:
    engine = Flaky()
    report = build(PROMPTS[:8], tmp_path, engine, retries=1, backoff=0.0)
    # Every prompt failed, but the server answered between the requests that got no answer.
    assert len(report.failed) == 8
    assert engine.calls == 16 > 2 * UNREACHABLE_IN_A_ROW


@pytest.mark.usefixtures("refusing")
def test_ivr_build_audio_offline_stops_in_one_line_naming_espeak(tmp_path: Path) -> None:
    started = time.monotonic()
    result = CliRunner(mix_stderr=False).invoke(main, ["build-audio", "--out", str(tmp_path)])
    assert time.monotonic() - started < 60
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Fejl:")]
    assert "gtts kan ikke nås" in line
    assert line.endswith("ivr build-audio --engine espeak")
    assert "Traceback" not in result.stderr
