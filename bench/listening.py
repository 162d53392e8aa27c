"""What a caller hears, in seconds of built audio: how soon the first choice comes, how long notices are.

    python -m bench.listening

Builds the shipped line's prompts and fragments with the offline engine (espeak-ng, the voice every machine
here has) into a temporary folder and reads each file's duration from the manifest, as `ivr prompts` shows
them. "Tryk 1" is heard when the welcome has played and the main menu has said its first choice's key:
measured by building the main menu's text up to the end of "Tryk 1" as a prompt of its own (without its
trailing silence). gTTS's voice is faster than espeak-ng at 150 words a minute, so these are upper bounds.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.audio import manifest
from ivr.audio.build import build
from ivr.audio.engines import EspeakEngine
from ivr.audio.processing import Output
from ivr.line.content import Content, Prompt
from ivr.line.content_loader import load_content
from ivr.line.flow import CallFlow, Moment
from ivr.line.running import Line
from ivr.line.speech import SaySpeaker
from ivr.line.twiml import Renderer
from ivr.webhook.steps import ActionUrls

CPH = ZoneInfo("Europe/Copenhagen")
MOMENTS = {
    "open, Wednesday 11:00": datetime(2026, 11, 25, 11, 0, tzinfo=CPH),
    "closed, Wednesday 15:00": datetime(2026, 11, 25, 15, 0, tzinfo=CPH),
    "closed, Christmas Eve 11:00": datetime(2026, 12, 24, 11, 0, tzinfo=CPH),
    "closed, Langfredag 16:00": datetime(2027, 3, 26, 16, 0, tzinfo=CPH),
}


def first_key(content: Content) -> Prompt:
    """The main menu's text up to and including its first "Tryk N"."""
    text = content.prompt("main_menu").text
    match = re.search(r"\btryk\s+\S+", text, flags=re.IGNORECASE)
    assert match is not None, "the main menu offers no key"
    return Prompt("first_key", text[: match.end()].rstrip(".,:"))


def main() -> None:
    content = load_content()
    tail = Output().tail_ms / 1000
    with tempfile.TemporaryDirectory() as folder:
        built = Path(folder)
        prompts = [*content.audio_prompts(), first_key(content)]
        report = build(prompts, built, EspeakEngine())
        assert not report.failed, report.failed
        seconds = {entry.id: entry.duration for entry in manifest.load(built).values()}
    welcome = seconds["welcome"]
    print("Built with espeak-ng (150 words a minute), 8 kHz µ-law, 0.25 s lead-in and tail per file.")
    words = len(content.prompt("welcome").text.split())
    print(f"  welcome                         {welcome:5.1f} s  {words} words")
    print(f"  main menu                       {seconds['main_menu']:5.1f} s")
    print(f"  section menu                    {seconds['section_menu']:5.1f} s")
    print(f"  secretariat offer               {seconds['transfer_offer']:5.1f} s")
    line = Line(
        content,
        CallFlow(content, 3),
        Renderer(
            speaker=SaySpeaker(None),
            urls=ActionUrls(None),
            number=content.number,
            gather_timeout=7,
            dial_timeout=30,
        ),
        lambda: MOMENTS["open, Wednesday 11:00"],
    )
    for name, at in MOMENTS.items():
        moment: Moment = line.moment(at)
        reply = line.flow.welcome(moment)
        ids = [prompt.id for prompt in reply.prompts]
        before = reply.prompts[: ids.index("main_menu")]
        heard = sum(_length(prompt, seconds) for prompt in before) + seconds["first_key"] - tail
        target = 6 if moment.open else 8
        print(
            f'  "Tryk 1" heard, {name:<28} {heard:5.1f} s after the call starts (target: within {target} s)'
        )
        if moment.open:
            continue
        notice = next(prompt for prompt in reply.prompts if prompt.id in ("closed", "closed_today"))
        length = _length(notice, seconds)
        lengths = [len(sentence.split()) for sentence in re.split(r"(?<=\.)\s+", notice.text)]
        print(f"  closed notice, {name}: {length:4.1f} s, words per sentence {lengths}")
        print(f"      {notice.text}")
        complete = all(part.id in seconds for part in notice.parts)
        print(f"      {len(notice.parts)} fragments, all built: {complete}")


def _length(prompt: Prompt, seconds: dict[str, float]) -> float:
    """A prompt's built length: its own file's, or its fragments' together."""
    return sum(seconds[part.id] for part in prompt.parts) if prompt.parts else seconds[prompt.id]


if __name__ == "__main__":
    main()
