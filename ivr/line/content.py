"""The line's words and menu as frozen values: what a caller hears, by id, and the sentences worked out during
a call. `content_loader` reads them from the content file; `content_checks` checks across the whole file."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from ivr.line import spoken
from ivr.line.schedule import OpeningHours

# Every system prompt the call flow uses; a missing one is a content error, not a silent gap.
SYSTEM_PROMPTS = (
    "welcome",
    "main_menu",
    "transfer_offer",
    "section_menu",
    "invalid",
    "silence",
    "goodbye",
    "goodbye_failed",
    "transfer",
    "transfer_failed",
    "transfer_loop",
    "error",
)
# Said only where the line offers them: speech (sections with `phrases`) and slower speech (`keys.slower`).
SPEECH_PROMPTS = ("speech_offer", "not_understood")
# Said, where the line listens, when a caller says an urgent word ("akut", "feber"): the 1-1-2 sentence, then
# the clinic's own advice for problems after the procedure (from its leaflet, never invented); and when a
# caller asks what the leaflet does not answer ("kan jeg køre bil bagefter").
URGENT_PROMPTS = ("urgent", "after_problems")
UNANSWERED_PROMPTS = ("not_in_leaflet",)
# Said where `keys.number` is set: the secretariat's number on its own, slowly.
NUMBER_PROMPTS = ("secretariat_number",)
SLOWER_PROMPTS = ("slower_offer", "slower_on", "slower_off")
# Said only where the line takes callback requests (IVR_CALLBACK_KEY set, and these texts in the file).
CALLBACK_PROMPTS = ("callback_offer", "callback_enter", "callback_bad_number")
# The offer after a busy or unanswered secretariat in opening hours (optional: without it, no offer then).
CALLBACK_NOW_PROMPTS = ("callback_offer_now",)
# Said only where the line sends its leaflet by SMS (`line.leaflet_url`, `keys.sms` and SMS settings).
SMS_PROMPTS = ("sms_offer", "sms_sent", "sms_not_sent")
# The actions a caller may name instead of pressing their key, as `[phrases]` names them.
ACTIONS = ("transfer", "repeat", "main_menu", "slower", "sms", "number")
# Words that choose no key: urgent words (answered with the 1-1-2 sentence at once, whatever else was said)
# and questions the leaflet does not answer, as `[phrases]` names them.
LISTS = ("urgent", "unanswered")
# How the line asks back about each action when unsure, unless `[questions]` says otherwise; a section is
# asked about with its own `question`, else "Vil du høre om" and its title.
QUESTIONS = {
    "transfer": "Vil du tale med sekretariatet?",
    "repeat": "Vil du høre det igen?",
    "main_menu": "Vil du tilbage til menuen?",
    "slower": "Vil du have, at jeg taler langsommere?",
    "sms": "Vil du have folderen som SMS?",
    "number": "Vil du høre sekretariatets telefonnummer?",
}
# Sentences with a part worked out during the call; each is said as audio fragments (see Content.fragments).
TEMPLATES = {"closed": {"when"}, "closed_today": {"reason", "when"}}
# Templates a file may give, else the line says these: why staff closed the secretariat (`ivr closed`), with
# the reason they typed said mid-sentence ("på grund af personalemøde").
OPTIONAL_TEMPLATES = {
    "closed_for": (
        {"reason", "when"},
        "Sekretariatet har lukket på grund af {reason}. Det åbner igen {when}.",
    )
}
# Templates only a line that understands speech needs: asking back when unsure; {choice} is the choice's own
# question ("Vil du høre om komplikationer? Tryk 1 for ja, eller 2 for nej.").
SPEECH_TEMPLATES = {"confirm": {"choice"}}
# The callback's sentences: the number read back in pairs, when the secretariat will ring, and when to call
# instead while the list takes no more (IVR_CALLBACKS_PER_HOUR).
CALLBACK_TEMPLATES = {
    "callback_confirm": {"number"},
    "callback_done": {"when"},
    "callback_already": {"when"},
    "callback_full": {"when"},
}
# The SMS itself, with the leaflet's link: not spoken.
SMS_TEMPLATES = {"sms_text": {"url"}}
LINE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# After a question answered by a section's sentences, the offer of the whole section (ivr/line/answers.py).
ANSWER_OFFER = "Tryk {key} for hele afsnittet: {title}."
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The id suffix of a prompt's slow variant: "welcome_slow".
SLOW = "_slow"
# The id prefix of a fragment's prompt: "fragment_i_morgen".
FRAGMENT = "fragment_"


@dataclass(frozen=True)
class Prompt:
    """One thing the line says, by id."""

    id: str
    text: str
    # A sentence worked out during the call is said as fragments, each its own audio; `text` is the whole
    # sentence, read by Twilio's voice when any fragment lacks fresh audio (never half in one voice).
    parts: tuple[Prompt, ...] = ()
    # Said more slowly: a caller asked for slower speech (built audio slowed down, <Say> at a slower rate).
    slow: bool = False
    # Holds a caller's own data (their number read back): never kept in a cache of rendered documents.
    private: bool = False

    def slowed(self) -> Prompt:
        """The same words said more slowly, with their own audio (id + "_slow")."""
        if self.slow:
            return self
        parts = tuple(part.slowed() for part in self.parts)
        return Prompt(self.id + SLOW, self.text, parts, slow=True, private=self.private)


@dataclass(frozen=True)
class Section:
    """One leaflet section, read when its key is pressed."""

    key: str
    title: str
    prompt: Prompt
    # Words and phrasings callers use for this section when they speak instead of pressing its key.
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineInfo:
    """Which line this is, the numbers that reach it, and the leaflet it speaks."""

    id: str
    name: str
    numbers: tuple[str, ...] = ()
    default: bool = False
    leaflet: Path | None = None
    leaflet_skip: tuple[str, ...] = ()
    # The leaflet on the hospital's web site: sent by SMS to callers who ask (key 8).
    leaflet_url: str | None = None


@dataclass(frozen=True)
class Keys:
    """Keys that mean the same everywhere in a call, besides the section keys."""

    transfer: str
    repeat: str
    main_menu: str
    # Slower speech for the rest of the call, and back; None where the line does not offer it.
    slower: str | None = None
    # The leaflet's link by SMS; None where the line does not send it.
    sms: str | None = None
    # The secretariat's number said on its own, slowly; None where the menu does not offer it.
    number: str | None = None


@dataclass(frozen=True)
class Content:
    """Everything the line says, its menu, the opening hours and the secretariat's number."""

    source: Path
    line: LineInfo
    number: str
    hours: OpeningHours
    keys: Keys
    sections: tuple[Section, ...]
    prompts: Mapping[str, Prompt]
    templates: Mapping[str, str]
    # The actions' phrases, by action ("transfer", ...): with the sections', what speech is matched against.
    action_phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Words that choose no key, by list ("urgent", "unanswered").
    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # How the line asks back about a choice, by key, where the file words it (`question`, `[questions]`).
    questions: Mapping[str, str] = field(default_factory=dict)
    # A clinic's own words for the leaflet's (`[synonyms]`: "narkose" -> "bedøvelse"), for asking the leaflet.
    synonyms: Mapping[str, str] = field(default_factory=dict)
    _by_key: Mapping[str, Section] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {section.key: section for section in self.sections})

    def prompt(self, prompt_id: str) -> Prompt:
        """Return a system prompt by id."""
        return self.prompts[prompt_id]

    def section(self, key: str) -> Section | None:
        """Return the section read for `key`, if any."""
        return self._by_key.get(key)

    @property
    def sends_sms(self) -> bool:
        """Tell whether the file can send its leaflet by SMS (the deployment must be able to send, too)."""
        return self.line.leaflet_url is not None and self.keys.sms is not None

    def sms_text(self) -> str:
        """The SMS a caller gets: the template with the leaflet's link."""
        assert self.line.leaflet_url is not None
        return self.templates["sms_text"].format(url=self.line.leaflet_url)

    @property
    def offers_callbacks(self) -> bool:
        """Tell whether the file has the callback's texts (the deployment must also have IVR_CALLBACK_KEY)."""
        return "callback_offer" in self.prompts

    def callback_confirm(self, number: str) -> Prompt:
        """Read the number back in pairs, as Danes say them: "ringer til syvoghalvfems, seksogtreds, ..."."""
        pairs = tuple(spoken.phone_pairs(number))
        return self._sentence("callback_confirm", {"number": pairs}, private=True, joiner=", ")

    def callback_when(self, name: str, when: Sequence[str]) -> Prompt:
        """Say when the secretariat rings: "Sekretariatet ringer dig op i morgen mellem klokken 10 og 14."."""
        return self._sentence(name, {"when": when})

    @property
    def understands_speech(self) -> bool:
        """Tell whether callers may say what they want (the sections have phrases)."""
        return any(section.phrases for section in self.sections)

    def phrases(self) -> dict[str, tuple[str, ...]]:
        """Every choice's phrases by the key it stands for: the sections', then the actions'."""
        found = {section.key: section.phrases for section in self.sections if section.phrases}
        for action, said in self.action_phrases.items():
            key = getattr(self.keys, action)
            if key is not None and said:
                found[key] = said
        return found

    def choice_words(self) -> dict[str, str]:
        """How the line asks back about each choice, by key: "Vil du høre om komplikationer?"."""
        names = {section.key: f"Vil du høre om {_lowered(section.title)}?" for section in self.sections}
        for action, question in QUESTIONS.items():
            key = getattr(self.keys, action)
            if key is not None:
                names[key] = question
        return names | dict(self.questions)

    def confirm(self, key: str) -> Prompt:
        """Ask back about `key`'s choice, in fragments: "Vil du høre om komplikationer?" + "Tryk 1 ..."."""
        return self._sentence("confirm", {"choice": (self.choice_words()[key],)})

    def secretariat_number(self) -> Prompt:
        """The secretariat's number on its own, always slowly: a caller is writing it down."""
        return self.prompt("secretariat_number").slowed()

    def all_prompts(self) -> list[Prompt]:
        """Return every static prompt: the system prompts, then the sections in leaflet order."""
        return [*self.prompts.values(), *(section.prompt for section in self.sections)]

    def sentences(self, section: Section) -> tuple[Prompt, ...]:
        """A section's sentences, each a prompt of its own ("answer_3_1"), without its heading (the title)."""
        texts = (" ".join(part.split()) for part in _SENTENCE_END.split(section.prompt.text.strip()))
        kept = [text for text in texts if text and text.rstrip(".!?").lower() != section.title.lower()]
        return tuple(Prompt(f"answer_{section.key}_{at}", text) for at, text in enumerate(kept, 1))

    def answer_offer(self, section: Section) -> Prompt:
        """The offer of a whole section after its sentences answered a question."""
        text = ANSWER_OFFER.format(key=section.key, title=section.title)
        return Prompt(f"answer_offer_{section.key}", text)

    def answer_prompts(self) -> list[Prompt]:
        """Sentences a question may be answered with, and each section's offer, where the line listens."""
        if not self.understands_speech:
            return []
        return [
            prompt
            for section in self.sections
            for prompt in (*self.sentences(section), self.answer_offer(section))
        ]

    def closed(self, when: Sequence[str], reason: str | None = None, closed_for: str | None = None) -> Prompt:
        """Say that the secretariat is closed, why (a closed opening day, or staff closed it), when it opens.

        "Sekretariatet har lukket og åbner igen i morgen klokken 10.", or with a day's name: "I dag er det
        juleaften, så sekretariatet har lukket. Det åbner igen mandag den otteogtyvende december klokken 10.",
        or with staff's reason: "Sekretariatet har lukket på grund af personalemøde. Det åbner igen ..."
        """
        if closed_for is not None and "closed_for" in self.templates:
            return self._sentence("closed_for", {"reason": (closed_for,), "when": when})
        if reason is None and closed_for is None:
            return self._sentence("closed", {"when": when})
        return self._sentence("closed_today", {"reason": (reason or closed_for or "",), "when": when})

    def audio_prompts(self) -> list[Prompt]:
        """Every prompt with audio of its own: the static prompts, the sentences a question is answered with,
        then every fragment (see `fragments`)."""
        return list(self._audio_prompts)

    @cached_property
    def _audio_prompts(self) -> tuple[Prompt, ...]:
        # Made once: /healthz asks for every line's on every look, and 50 lines' took 0.2 s to make each time.
        from ivr.line.schedule import holiday_names  # noqa: PLC0415  (imports the holidays package)

        this_year = date.today().year
        holidays = holiday_names(range(this_year, this_year + 2))
        prompts = [*self.all_prompts(), *self.answer_prompts(), *self.fragments(holidays)]
        if self.keys.slower is None:
            return tuple(prompts)
        # A line offering slower speech has every prompt and fragment built slowly too, each right after its
        # usual pace, so that a build synthesizes the words once for both.
        return tuple(variant for prompt in prompts for variant in (prompt, prompt.slowed()))

    def fragments(self, reasons: Iterable[str] = ()) -> list[Prompt]:
        """Every fragment the call's worked-out sentences are made of, to be built as audio.

        `reasons`: the public holidays' names (the schedule knows them); the clinic's own reasons are added.
        """
        hours = self.hours
        days = sorted(hours.weekdays)
        phrases = [
            "i dag",
            "i morgen",
            *(f"på {spoken.WEEKDAYS[day]}" for day in days),
            *(spoken.WEEKDAYS[day] for day in days),
            *(f"den {spoken.ordinal(day)}" for day in range(1, 32)),
            *spoken.MONTHS,
            spoken.clock(hours.opens),
            *reasons,
            *(closed.reason for closed in hours.extra_closed if closed.reason),
            *(self.choice_words().values() if "confirm" in self.templates else ()),
            *(self._callback_phrases() if self.offers_callbacks else ()),
        ]
        for template in self.templates.values():
            phrases += _literals(template)
        unique = dict.fromkeys(_fragment(phrase) for phrase in phrases)
        return list(unique)

    def _callback_phrases(self) -> list[str]:
        """Every pair of digits as said in a number, and the opening hours as a window."""
        window = spoken.between(self.hours.opens, self.hours.closes)
        return [*spoken.every_pair(), window, spoken.AS_SOON_AS_IT_CAN]

    def _sentence(
        self, name: str, phrases: Mapping[str, Sequence[str]], *, private: bool = False, joiner: str = " "
    ) -> Prompt:
        template = self.templates[name]
        text = template.format_map({field_name: joiner.join(said) for field_name, said in phrases.items()})
        parts: list[Prompt] = []
        for literal, field_here, _, _ in string.Formatter().parse(template):
            parts += (_fragment(piece) for piece in _pieces(literal))
            if field_here:
                parts += (_fragment(phrase) for phrase in phrases[field_here])
        return Prompt(name, text, tuple(parts), private=private)


def _lowered(title: str) -> str:
    """A title as it reads mid-sentence: "Komplikationer" -> "komplikationer" (not "KOL" or "Lidokain")."""
    first = title.split(" ", 1)[0]
    return title if first.isupper() or len(first) < 2 else title[:1].lower() + title[1:]


def _pieces(literal: str) -> list[str]:
    """A template's fixed text as fragments, a sentence each, without the punctuation at their edges.

    "., så sekretariatet har lukket. Det åbner igen " -> ["så sekretariatet har lukket", "Det åbner igen"]
    """
    pieces = (piece.strip().strip(",;:").strip() for piece in re.split(r"[.!?]+(?:\s|$)", literal))
    return [piece for piece in pieces if piece]


def _literals(template: str) -> list[str]:
    return [piece for literal, _, _, _ in string.Formatter().parse(template) for piece in _pieces(literal)]


_SLUG = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def _fragment(phrase: str) -> Prompt:
    """One fragment, named after its words so the same words are one file: "i morgen" -> fragment_i_morgen."""
    slug = re.sub(r"[^a-z0-9]+", "_", phrase.lower().translate(_SLUG)).strip("_")
    return Prompt(f"{FRAGMENT}{slug}", phrase)
