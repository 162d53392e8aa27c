"""A local caller: follows the line's TwiML as Twilio does, so a call can be walked without a phone."""

from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlencode, urljoin, urlsplit

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr.line.content import Content
from ivr.line.keypad import KEYPAD

# What Twilio's documentation gives as each attribute's default.
GATHER_TIMEOUT = 5
FINISH_ON_KEY = "#"
DIAL_RESULTS = ("completed", "busy", "no-answer", "failed")
SILENCE = "T"
# Speech in a key script: "{hvad er komplikationerne}" is said at one <Gather>, as Twilio would hear it.
SPEECH_OPEN, SPEECH_CLOSE = "{", "}"
# Twilio's SpeechResult of one utterance is short; a script's longer "speech" is a mistake.
MAX_SPEECH = 200
# A call that makes this many requests is looping; Twilio would go on, a test should not.
MAX_REQUESTS = 200
LOCAL_BASE = "http://localhost"

StepKind = Literal[
    "say",
    "play",
    "pause",
    "gather",
    "keys",
    "speech",
    "silence",
    "redirect",
    "dial",
    "hangup",
    "unknown",
    "end",
]
EndReason = Literal["hangup", "completed", "caller", "error"]


@dataclass(frozen=True)
class Step:
    """One thing that happened in the call, in order: a prompt, a key press, a transfer, the end."""

    kind: StepKind
    text: str | None = None  # what was said, or the played prompt's text when known
    url: str | None = None  # the file played, or the URL requested next
    keys: str | None = None  # keys pressed
    number: str | None = None  # the Dial target
    outcome: str | None = None  # the chosen Dial outcome, or why the call ended
    seconds: int | None = None  # a Pause's length, or a Gather's timeout
    slow: bool | None = None  # a Say at a slower rate (SSML <prosody>), for a caller who asked for it

    def as_dict(self) -> dict[str, Any]:
        """Return the step as JSON-ready data, leaving out the fields it does not use."""
        return {name: value for name, value in asdict(self).items() if value is not None}

    def describe(self) -> str:
        """Return the step as one line of a printed transcript."""
        return _DESCRIBE[self.kind](self)


_DESCRIBE: dict[StepKind, Callable[[Step], str]] = {
    "say": lambda s: f"  said{' slowly' if s.slow else ''}: {s.text}",
    "play": lambda s: f"  played: {s.url}" + (f"\n        {s.text}" if s.text else ""),
    "pause": lambda s: f"  pause: {s.seconds} s",
    "gather": lambda s: f"  (waiting for a key, {s.seconds} s)",
    "keys": lambda s: f"> pressed: {s.keys}",
    "speech": lambda s: f'> said: "{s.text}"',
    "silence": lambda s: f"> silence ({s.seconds} s)",
    "redirect": lambda s: f"  redirect: {s.url}",
    "dial": lambda s: f"  transfer to {s.number}: {s.outcome}",
    "hangup": lambda s: "  the line hangs up",
    "unknown": lambda s: f"  UNKNOWN VERB <{s.text}>: a real call would fail here",
    "end": lambda s: f"-- end: {s.outcome}" + (f" ({s.text})" if s.text else ""),
}


@dataclass(frozen=True)
class HttpAnswer:
    """The line's HTTP answer to one request: its status and body."""

    status: int
    body: bytes


class TransportError(Exception):
    """The line could not be reached at all."""


class Transport(Protocol):
    """Sends one request to the line, the way Twilio would."""

    def send(
        self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]
    ) -> HttpAnswer: ...


class FlaskTransport:
    """Calls the app in-process through Flask's test client."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def send(self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> HttpAnswer:
        """Post (or get) `url`; the test client takes host and scheme from the absolute URL."""
        data = dict(form) if method == "POST" else None
        response = self.client.open(url, method=method, data=data, headers=dict(headers))
        return HttpAnswer(response.status_code, response.get_data())


class HttpTransport:
    """Calls a running server over HTTP."""

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout

    def send(self, method: str, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> HttpAnswer:
        """Send the request with urllib; an HTTP error status is an answer, not an exception."""
        data = urlencode(form).encode("utf-8") if method == "POST" else None
        request = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return HttpAnswer(response.status, response.read())
        except urllib.error.HTTPError as error:
            return HttpAnswer(error.code, error.read())
        except (urllib.error.URLError, OSError) as error:
            raise TransportError(f"cannot reach {url}: {error}") from None


class Keypad(Protocol):
    """The caller's hand: asked at each Gather, answers keys, None for silence, or raises CallerHangsUp."""

    def __call__(self, gather: Step) -> str | None: ...


class CallerHangsUp(Exception):  # noqa: N818  (it is an event, not an error)
    """Raised by a keypad when the caller puts the phone down."""


class ScriptedKeypad:
    """Presses keys from a script like "1 * # 0 T" (see `parse_script`); hangs up when the script ends."""

    def __init__(self, script: str | Iterable[str]) -> None:
        tokens = parse_script(script) if isinstance(script, str) else list(script)
        self.tokens = iter(tokens)

    def __call__(self, gather: Step) -> str | None:
        """Return the next token's keys, None for T, or hang up when none are left."""
        token = next(self.tokens, None)
        if token is None:
            raise CallerHangsUp
        return None if token.upper() == SILENCE else token


_TOKEN = re.compile(r"\[([^\]]*)\]|(\{[^}]*\})|(\S)")


def parse_script(script: str) -> list[str]:
    """Split a key script into presses, one per <Gather>, or raise ValueError naming what is not a key.

    A real keypad sends one key at a time, so "12" is 1 at one <Gather> and 2 at the next, as "1 2" is;
    T is silence; keys in brackets, "[97662400]", are sent together to one <Gather> (multi-digit input);
    words in braces, "{hvad er komplikationerne}", are said to one <Gather> (speech).
    """
    tokens = []
    for match in _TOKEN.finditer(script):
        group, speech, key = match[1], match[2], match[3]
        if speech is not None:
            if not speech[1:-1].strip() or len(speech) > MAX_SPEECH + 2:
                raise ValueError(f"{speech!r}: say some words, at most {MAX_SPEECH} characters, in {{ }}")
            tokens.append(SPEECH_OPEN + " ".join(speech[1:-1].split()) + SPEECH_CLOSE)
            continue
        token = key if group is None else group.replace(" ", "")
        silence = group is None and token.upper() == SILENCE
        if not token or not (silence or all(ch in KEYPAD for ch in token)):
            what = match[0]
            raise ValueError(
                f"{what!r} is neither a keypad key (0-9, *, #), keys in [ ], words in {{ }}, "
                f"nor {SILENCE} for silence"
            )
        tokens.append(token)
    return tokens


def new_sid(prefix: str) -> str:
    """Return a random Twilio-shaped id, e.g. CA followed by 32 hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass
class CallParameters:
    """The standard parameters Twilio sends with every request of one call."""

    call_sid: str = field(default_factory=lambda: new_sid("CA"))
    account_sid: str = "AC" + "0" * 32
    caller: str = "+4520000000"  # a made-up number: nothing real is ever sent
    called: str = "+4570000000"

    def form(self, status: str) -> dict[str, str]:
        """Return the parameters for a request made while the call has `status`."""
        return {
            "CallSid": self.call_sid,
            "AccountSid": self.account_sid,
            "From": self.caller,
            "To": self.called,
            "Caller": self.caller,
            "Called": self.called,
            "CallStatus": status,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }


class PromptNames:
    """Finds what a played file says: from the audio's manifest when known, else from its prompt's id."""

    def __init__(self, content: Content, spoken: Mapping[str, str] | None = None) -> None:
        # Longest ids first, so "section_1" wins over a shorter id that is its prefix.
        prompts = sorted(content.audio_prompts(), key=lambda prompt: -len(prompt.id))
        self.prompts = [(prompt.id, prompt.text) for prompt in prompts]
        # File name -> the text it was built from: exactly what a caller hears, even after a rebuild.
        self.spoken = dict(spoken or {})

    def __call__(self, url: str) -> str | None:
        """Return the text the file at `url` speaks, or None when nothing says."""
        name = PurePosixPath(urlsplit(url).path).name
        if name in self.spoken:
            return self.spoken[name]
        stem = name.split(".")[0]
        for prompt_id, text in self.prompts:
            if stem == prompt_id or (stem.startswith(prompt_id) and stem[len(prompt_id)] in "-_."):
                return text
        return None


# The next document to run and the URL it came from; a walk yields steps and returns where to go on.
Next = tuple[str, ET.Element]
_T = TypeVar("_T")
Walk = Generator[Step, None, _T]


class _Ended(Exception):  # noqa: N818  (control flow inside the caller)
    """Stops the walk through the documents; carries the closing step."""

    def __init__(self, step: Step) -> None:
        self.step = step


@dataclass
class Caller:
    """Walks one call through the line: requests, TwiML verbs, key presses, until the call ends."""

    transport: Transport
    url: str  # the line's voice URL, as configured at Twilio
    token: str | None
    dial_result: str = "completed"
    play_text: Callable[[str], str | None] = field(default=lambda url: None)
    params: CallParameters = field(default_factory=CallParameters)
    max_requests: int = MAX_REQUESTS
    # The Confidence Twilio sends with each thing the caller says (its recogniser's, 0.0-1.0).
    confidence: float = 0.9
    _requests: int = 0
    _status: str = "ringing"

    def run(self, keypad: Keypad) -> Iterator[Step]:
        """Yield each step as it happens, ending with one `end` step."""
        url = self.url
        try:
            document = self._fetch("POST", url, {})
            while True:
                url, document = yield from self._execute(document, url, keypad)
        except _Ended as ended:
            yield ended.step

    def _execute(self, document: ET.Element, url: str, keypad: Keypad) -> Walk[Next]:
        """Run one TwiML document's verbs; return the next document to run."""
        for verb in document:
            if verb.tag in ("Say", "Play", "Pause"):
                yield self._speak(verb, url)
            elif verb.tag == "Gather":
                found = yield from self._gather(verb, url, keypad)
                if found is not None:
                    return found
            elif verb.tag == "Redirect":
                target = urljoin(url, (verb.text or "").strip() or url)
                yield Step("redirect", url=_path(target))
                return target, self._fetch(verb.get("method", "POST"), target, {})
            elif verb.tag == "Dial":
                found = yield from self._dial(verb, url)
                if found is not None:
                    return found
            elif verb.tag in ("Hangup", "Reject"):
                yield Step("hangup")
                raise _Ended(Step("end", outcome="hangup", text="the line hung up"))
            else:
                yield Step("unknown", text=verb.tag)
                raise _Ended(Step("end", outcome="error", text=f"unknown verb <{verb.tag}>"))
        raise _Ended(Step("end", outcome="completed", text="no more verbs: Twilio ends the call"))

    def _speak(self, verb: ET.Element, url: str) -> Step:
        """Return the step for a Say, Play or Pause (also when nested in Gather)."""
        if verb.tag == "Say":
            # The words, also when said within SSML (<prosody> for slower speech).
            slow = verb.find("prosody") is not None or None
            return Step("say", text=" ".join("".join(verb.itertext()).split()), slow=slow)
        if verb.tag == "Play":
            target = urljoin(url, (verb.text or "").strip())
            return Step("play", url=target, text=self.play_text(target))
        return Step("pause", seconds=_whole(verb, "length", 1))

    def _gather(self, verb: ET.Element, url: str, keypad: Keypad) -> Walk[Next | None]:
        """Speak the nested prompts, ask the keypad, and submit or fall through as Twilio does."""
        for child in verb:
            if child.tag not in ("Say", "Play", "Pause"):
                yield Step("unknown", text=f"Gather/{child.tag}")
                raise _Ended(Step("end", outcome="error", text=f"<{child.tag}> cannot be inside <Gather>"))
            yield self._speak(child, url)
        timeout = _whole(verb, "timeout", GATHER_TIMEOUT)
        finish = verb.get("finishOnKey", FINISH_ON_KEY)
        waiting = Step("gather", seconds=timeout)
        yield waiting
        try:
            pressed = keypad(waiting)
            # A <Gather> that waits for several digits takes the keys pressed one after another, as a phone
            # sends them, until it has them all (or the caller stops pressing).
            wanted = _whole(verb, "numDigits", 1)
            while pressed and len(pressed) < wanted and all(ch in KEYPAD for ch in pressed):
                more = keypad(waiting)
                if not more or not all(ch in KEYPAD for ch in more):
                    break
                pressed += more
        except CallerHangsUp:
            raise _Ended(Step("end", outcome="caller", text="the caller hung up")) from None
        if pressed is not None and pressed.startswith(SPEECH_OPEN):
            said = pressed[1:-1]
            yield Step("speech", text=said)
            if "speech" in (verb.get("input") or "dtmf").split():
                action = urljoin(url, verb.get("action") or url)
                form = {"SpeechResult": said, "Confidence": f"{self.confidence:.2f}"}
                return action, self._fetch(verb.get("method", "POST"), action, form)
            # A Gather that listens only for keys hears nothing: it times out as in silence.
            pressed = None
        digits, finished_on = _collect(pressed or "", verb.get("numDigits"), finish)
        yield Step("keys", keys=pressed) if pressed else Step("silence", seconds=timeout)
        if not digits and verb.get("actionOnEmptyResult", "false") != "true":
            return None  # Twilio goes on with the verb after <Gather>
        action = urljoin(url, verb.get("action") or url)
        form = {"Digits": digits} | ({"FinishedOnKey": finished_on} if finished_on is not None else {})
        return action, self._fetch(verb.get("method", "POST"), action, form)

    def _dial(self, verb: ET.Element, url: str) -> Walk[Next | None]:
        """Report the transfer with the chosen outcome, then follow the Dial's action."""
        targets = [" ".join((child.text or "").split()) for child in verb] or [(verb.text or "").strip()]
        yield Step("dial", number=", ".join(targets), outcome=self.dial_result)
        action = verb.get("action")
        if action is None:
            return None  # without an action Twilio goes on with the next verb
        target = urljoin(url, action)
        form = {
            "DialCallStatus": self.dial_result,
            "DialCallSid": new_sid("CA"),
            "DialCallDuration": "60" if self.dial_result == "completed" else "0",
        }
        return target, self._fetch(verb.get("method", "POST"), target, form)

    def _fetch(self, method: str, url: str, extra: Mapping[str, str]) -> ET.Element:
        """Send one signed request as Twilio would and parse the TwiML answer."""
        self._requests += 1
        if self._requests > self.max_requests:
            problem = f"more than {self.max_requests} requests: a loop?"
            raise _Ended(Step("end", outcome="error", text=problem))
        form = self.params.form(self._status) | dict(extra)
        self._status = "in-progress"
        if method.upper() == "GET":
            # Twilio puts a GET's parameters in the query string and signs the whole URL.
            url = url + ("&" if "?" in url else "?") + urlencode(form)
            form = {}
        headers = {"X-Twilio-Signature": self._sign(url, form)} if self.token else {}
        try:
            answer = self.transport.send(method.upper(), url, form, headers)
        except TransportError as error:
            raise _Ended(Step("end", outcome="error", text=str(error))) from None
        if answer.status != 200:
            raise _Ended(Step("end", outcome="error", text=f"HTTP {answer.status} from {_path(url)}"))
        try:
            root = ET.fromstring(answer.body)
        except ET.ParseError as error:
            raise _Ended(Step("end", outcome="error", text=f"not XML from {_path(url)}: {error}")) from None
        if root.tag != "Response":
            raise _Ended(Step("end", outcome="error", text=f"<{root.tag}> instead of <Response>"))
        return root

    def _sign(self, url: str, form: Mapping[str, str]) -> str:
        """Return the X-Twilio-Signature Twilio would send for this URL and form."""
        signature: str = RequestValidator(self.token).compute_signature(url, dict(form))
        return signature


def _whole(verb: ET.Element, name: str, default: int) -> int:
    """Read a whole-number attribute, or end the call naming the bad value as Twilio's debugger would."""
    value = verb.get(name)
    if value is None:
        return default
    if not value.strip().isdigit():
        raise _Ended(
            Step("end", outcome="error", text=f"<{verb.tag} {name}={value!r}> is not a whole number")
        )
    return int(value)


def _collect(pressed: str, num_digits: str | None, finish: str) -> tuple[str, str | None]:
    """Return the digits Twilio would submit for these key presses, and the finish key if one ended them."""
    limit = int(num_digits) if num_digits and num_digits.isdigit() else None
    digits = ""
    for key in pressed:
        if finish and key in finish:
            return digits, key
        digits += key
        if limit is not None and len(digits) >= limit:
            break
    return digits, None


def _path(url: str) -> str:
    """Return the path and query of a URL, for transcripts."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


@dataclass(frozen=True)
class Transcript:
    """A whole call, as steps; `end` is the last step."""

    steps: tuple[Step, ...]

    @property
    def end(self) -> Step:
        """Return the closing step."""
        return self.steps[-1]

    def said(self) -> list[str]:
        """Return every text said or played (when known), in order."""
        return [step.text for step in self.steps if step.kind in ("say", "play") and step.text]

    def kinds(self) -> list[str]:
        """Return each step's kind, in order."""
        return [step.kind for step in self.steps]

    def as_dict(self) -> dict[str, Any]:
        """Return the transcript as JSON-ready data."""
        return {"steps": [step.as_dict() for step in self.steps], "end": self.end.as_dict()}


def walk(caller: Caller, keypad: Keypad) -> Transcript:
    """Run a whole call and return its transcript."""
    return Transcript(tuple(caller.run(keypad)))
