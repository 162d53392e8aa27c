"""Staff read Danish: an English sentence reaching them (a command's answer, a page) fails here.

English is told apart by common English words Danish never uses. What is no sentence is left out: a command,
a file, a key path, a placeholder or a setting (`code`, paths, `prompts.welcome`, {when}, `IVR_CONTENT_DIR`,
`--reason`) and what is quoted from the file or the leaflet ('goodby', "Efter blokaden").

Three ways in: every failure case of `ivr check` and of the commands staff run, run as staff run them; every
message written in the modules that speak to staff, read from their source, so that a message no case reaches
is read too; and the help of every command and subcommand (`ivr closed add -h`), click's own words in it
included, with a wrong option or a mistyped command line, which is one Danish line. IT's messages (the IVR_*
settings, the database, `ivr serve`, `ivr db`) stay English, as the logs do; their help is Danish too.
"""

from __future__ import annotations

import ast
import inspect
import re
import shutil
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import click
import pytest
import responses
from click.testing import CliRunner
from flask import Flask

from ivr import cli_words
from ivr.cli import main
from ivr.line.content_loader import default_path
from tests.support import BROKEN, PATHOLOGICAL, ROOT, URL, Edit, lines_folder

# Common English words that are no Danish words ("to", "is", "and", "at", "have", "set", "list", "time",
# "folder", "invalid" and "it" are left out: Danish has them too, or they name Danish things).
ENGLISH = frozenset(
    [
    "the", "is", "are", "was", "were", "must", "not", "failed", "built", "unchanged", "seconds", "error",
    "with", "without", "cannot", "can", "found", "should", "please", "which", "would", "prompts", "prompt",
    "sections", "section", "line", "lines", "of", "or", "has", "does", "did", "you", "mean", "never",
    "missing", "unknown", "known", "too", "long", "large", "read", "file", "key", "table", "text", "number",
    "before", "after", "said", "heard", "offers", "nothing", "like", "only", "each", "every", "other",
    "another", "also", "claimed", "such", "than", "still", "when", "where", "what", "why", "how", "given",
    "been", "needs", "need", "shorten", "keep", "words", "word", "between", "outside", "written", "range",
    "year", "ends", "starts", "period", "name", "names", "twice", "earlier", "digit", "empty", "broken",
    "placeholder", "control", "character", "plain", "zone", "deleted", "older", "days", "day", "warning",
    "report", "try", "help", "usage", "option", "value", "this", "that", "these", "there", "into", "from",
    "in", "on", "no",
    ]
)  # fmt: skip
# What is no sentence: code in backticks, quoted names and texts, paths, key paths, settings, options.
NOT_PROSE = re.compile(
    r"`[^`]*`|'[^']*'|\"[^\"]*\"|\{[^}]*\}|\bivr(?: [a-z][\w-]*){1,2}|(?<=: )[\w.\[\]]+(?=: )|\S*[/_=]\S*"
    r"|\S*\w\.\w\S*|\S*\[[\w\[\]]*\]\S*"
    r"|--\S+|^(?:Error|Usage):|\bTry '[^']*'",
    re.MULTILINE,
)
STAFF = {"STAFF_USER": "sekretaer", "STAFF_PASSWORD": "en-lang-hemmelighed-1", "DEVELOPMENT": False}
LOGIN = {"Authorization": "Basic c2VrcmV0YWVyOmVuLWxhbmctaGVtbWVsaWdoZWQtMQ=="}


def english(text: str) -> list[str]:
    """The English words in `text`, outside code, names and quotes."""
    prose = NOT_PROSE.sub(" ", text.replace("\\x1b", " "))
    return [word for word in re.findall(r"[A-Za-z]+", prose) if word.lower() in ENGLISH]


class _Text(HTMLParser):
    """The visible text of a page (not its styles or scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script")
        self.parts += [value or "" for name, value in attrs if name in ("aria-label", "placeholder", "title")]

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_the_detector_finds_an_english_sentence() -> None:
    assert english("Audio prompts: 3 built, 0 failed") == ["prompts", "built", "failed"]
    assert english("Lydfiler: 3 bygget, 0 fejlede; se `ivr build-audio --engine espeak`") == []
    # The check's messages as they were, and as they are.
    assert english("line.toml: prompts.goodby: unknown key; did you mean goodbye?") == [
        "unknown",
        "key",
        "did",
        "you",
        "mean",
    ]
    assert english("line.toml: prompts.goodby: ukendt nøgle 'goodby'; mente du 'goodbye'?") == []
    assert english('sections[0].text: siger ikke denne sætning fra folderen: "Find the line"') == []


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["closed", "list"],
        ["closed", "add", "2020-01-06", "--reason", "kursus"],
        ["closed", "add", "i-morgen", "--reason", "kursus"],
        ["closed", "remove", "7"],
    ],
)
def test_commands_answer_staff_in_danish(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'line.sqlite'}")
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    result = CliRunner().invoke(main, args)
    assert result.output.strip()
    assert english(result.output) == [], result.output


@pytest.mark.parametrize("status", [403, 503])
def test_a_failed_audio_build_is_told_in_danish(tmp_path: Path, status: int) -> None:
    with responses.RequestsMock() as google:
        google.post(URL, status=status)
        result = CliRunner().invoke(main, ["build-audio", "--out", str(tmp_path), "--only", "goodbye"])
    assert result.exit_code == 1, result.output
    assert "fejlede goodbye" in result.output
    assert english(result.output) == [], result.output


def test_the_audio_build_summary_is_danish(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build-audio", "--engine", "espeak", "--out", str(tmp_path), "--only", "goodbye"]
    )
    assert result.exit_code == 0, result.output
    assert "bygget" in result.output
    assert english(result.output) == [], result.output


@pytest.mark.parametrize("path", ["/", "/staff/closed", "/staff/callbacks", "/staff/stats"])
def test_staff_pages_are_danish(make_app: Callable[..., Flask], path: str) -> None:
    page = make_app(STAFF).test_client().get(path, headers=LOGIN)
    assert page.status_code == 200
    text = visible(page.get_data(as_text=True))
    assert english(text) == [], text


def staff_runs(*args: str) -> str:
    """Run `ivr ARGS` as staff would; its output (stdout and stderr), which must not be a traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0, result.output
    return result.output


def shipped_copy(folder: Path, edit: Edit = lambda text: text) -> Path:
    """The shipped content file (edited) beside a copy of its leaflet, as a clinic keeps them."""
    shutil.copy(default_path().with_name("rodblokade.txt"), folder / "rodblokade.txt")
    path = folder / "rodblokade.toml"
    path.write_text(edit(default_path().read_text(encoding="utf-8")), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "edit", "key", "problem"), BROKEN, ids=[b[0] for b in BROKEN])
def test_every_problem_ivr_check_finds_is_told_in_danish(
    tmp_path: Path, name: str, edit: Edit, key: str, problem: str
) -> None:
    output = staff_runs("check", "--content", str(shipped_copy(tmp_path, edit)))
    assert key in output, output
    assert problem in output, output
    assert english(output) == [], output


SKIPPED_ADVICE = 'leaflet_skip = ["KONTAKT OG MERE VIDEN", "KOMPLIKATIONER"]'
CHECKED: list[tuple[str, Callable[[Path], Path]]] = [
    ("no such file", lambda folder: folder / "nowhere.toml"),
    ("a folder without lines", lambda folder: folder),
    ("no such folder", lambda folder: folder / "nowhere"),
    ("a leaflet sentence unsaid", lambda folder: shipped_copy(
        folder, lambda text: text.replace("Du er således helt vågen under proceduren.", ""))),
    ("advice skipped", lambda folder: shipped_copy(
        folder, lambda text: re.sub(r"leaflet_skip = \[.*\]", SKIPPED_ADVICE, text))),
    ("no leaflet", lambda folder: shipped_copy(
        folder, lambda text: text.replace("rodblokade.txt", "væk.txt"))),
    ("a control character", lambda folder: shipped_copy(
        folder, lambda text: text.replace('invalid = "Den tast', 'invalid = "\\u001b[2JDen tast'))),
    ("a section too long", lambda folder: shipped_copy(
        folder, lambda text: text.replace("helt vågen under", "helt vågen " + "bla " * 20_000 + "under"))),
    ("a short secretariat number", lambda folder: shipped_copy(
        folder, lambda text: text.replace('"+4597662400"', '"+4511223"'))),
    ("a premium secretariat number", lambda folder: shipped_copy(
        folder, lambda text: text.replace('"+4597662400"', '"+4590123456"'))),
    *[(f"TOML: {text!r}", lambda folder, text=text: write(folder / "line.toml", text))
      for text in ("[line\nid = 1", "[[sections]\n", 'a = "C:\\q"', "a = {b = 1}\na.c = 2", "a = [1 2]")],
    *[(f"pathological: {name}", lambda folder, text=text: write(folder / "line.toml", text))
      for name, text, _ in PATHOLOGICAL],
]  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def conflicting(folder: Path) -> Path:
    """Two lines sharing an id, a number and the default; one's secretariat is the other's line."""
    knee = folder / "knae.toml"
    text = knee.read_text(encoding="utf-8").replace('id = "knae"', 'id = "rodblokade"')
    text = text.replace('numbers = ["+4578000002"]', 'numbers = ["+4578000002"]\ndefault = true')
    knee.write_text(text.replace('number = "+4586123456"', 'number = "+4578000001"'), encoding="utf-8")
    shipped = folder / "rodblokade.toml"
    text = shipped.read_text(encoding="utf-8").replace('["+4578000001"]', '["+4578000001", "+4578000002"]')
    shipped.write_text(text, encoding="utf-8")
    return folder


def test_lines_at_odds_are_told_in_danish(tmp_path: Path) -> None:
    output = staff_runs("check", "--content", str(conflicting(lines_folder(tmp_path / "lines"))))
    assert re.findall(r" (line\.[a-z]+|secretariat\.[a-z]+): ", output) == [
        "line.id",
        "line.numbers",
        "secretariat.number",
        "line.default",
    ]
    assert english(output) == [], output


@pytest.mark.parametrize(("name", "make"), CHECKED, ids=[c[0] for c in CHECKED])
def test_what_ivr_check_refuses_beyond_a_key_is_told_in_danish(
    tmp_path: Path, name: str, make: Callable[[Path], Path]
) -> None:
    output = staff_runs("check", "--content", str(make(tmp_path)))
    assert english(output) == [], output


REFUSED = [
    ["closed", "add", "2030-01-06"],  # no --reason
    ["closed", "add", "2030-01-06", "--reason", "kursus", "--unknown"],
    ["closed", "add", "2030-01-06", "--reason", "kursus", "--from", "25:00"],
    ["closed", "remove", "seven"],
    ["stats", "--since", "2026-13-01"],
    ["stats", "--since", "2026-11-30", "--until", "2026-11-01"],
    ["stats", "--line", "Knæ"],
    ["hours", "--at", "i morgen"],
    ["hours", "--at", "2026-11-25T10:00", "--year", "2026"],
    ["hours", "--line", "knae"],
    ["prompts", "--line", "knae"],
    ["callbacks"],
    ["build-audio", "--engine", "espeak", "--out", "{tmp}/audio", "--only", "nope"],
    ["import", "{tmp}/folder.txt", "--id", "Knæ", "--out", "{tmp}/draft.toml"],
    ["import", "{tmp}/folder.txt", "--id", "knae", "--number", "12", "--out", "{tmp}/draft.toml"],
    ["import", "{tmp}/nowhere.pdf", "--id", "knae", "--out", "{tmp}/draft.toml"],
    ["import", "{tmp}/folder.txt", "--id", "knae", "--out", "{tmp}/folder.txt"],
    ["import", "{tmp}/folder.txt", "--id", "knae"],
]


@pytest.mark.parametrize("args", REFUSED, ids=[" ".join(args) for args in REFUSED])
def test_the_commands_staff_run_refuse_in_danish(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'line.sqlite'}")
    monkeypatch.delenv("IVR_CALLBACK_KEY", raising=False)
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    (tmp_path / "folder.txt").write_text("Knæet\n\nDu må gå hjem samme dag.\n", encoding="utf-8")
    output = staff_runs(*(arg.format(tmp=tmp_path) for arg in args))
    assert english(output) == [], output


# The modules whose messages reach staff: what `ivr check` finds, and the commands staff run.
STAFF_MODULES = [
    "ivr/line/content_loader.py", "ivr/line/content_checks.py", "ivr/line/content_listening.py",
    "ivr/line/lines.py", "ivr/line/leaflet.py", "ivr/line/moments.py", "ivr/cli.py", "ivr/cli_options.py",
    "ivr/importer/cli.py", "ivr/importer/draft.py", "ivr/importer/writing.py", "ivr/closures/cli.py",
    "ivr/closures/spans.py", "ivr/audio/cli.py", "ivr/stats/cli.py", "ivr/callbacks/cli.py",
    "ivr/line/content_synonyms.py", "ivr/tryout/ask_cli.py", "ivr/staff_cli.py", "ivr/staff_accounts.py",
    "ivr/line/schedule.py", "ivr/versions/cli.py", "ivr/versions/publishing.py", "ivr/versions/drafts.py",
]  # fmt: skip
# Calls that hand a text to staff: a problem, a refusal, a line printed.
SAYING = {
    "fail", "unknown", "unused", "ContentError", "Stop", "Refusal", "RefusedError", "LeafletError",
    "BadParameter", "UsageError", "ClickException", "echo", "print", "append",
}  # fmt: skip
# tomllib's own English phrases, which content_checks matches to give Danish words instead.
MATCHED = {"_SYNTAX_WORDS"}


def messages(path: Path) -> Iterator[tuple[int, str]]:
    """Every text a staff module says: in the calls of SAYING, in what its functions return, and in its
    upper-case constants (the reasons it appends); with its line number. Never docstrings or logs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    said: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in SAYING:
                said += [*node.args, *(keyword.value for keyword in node.keywords)]
        elif (isinstance(node, ast.Return) and node.value is not None) or (
            isinstance(node, ast.Assign)
            and not isinstance(node.value, ast.Call)  # click's options: their help is for --help
            and all(
                isinstance(target, ast.Name) and target.id.isupper() and target.id not in MATCHED
                for target in node.targets
            )
        ):
            said.append(node.value)
    for part in said:
        for node in ast.walk(part):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value.strip():
                yield node.lineno, node.value


@pytest.mark.parametrize("module", STAFF_MODULES)
def test_every_message_written_for_staff_is_danish(module: str) -> None:
    found = [(line, text) for line, text in messages(ROOT / module) if english(text)]
    assert found == [], "\n".join(f"{module}:{line}: {text}" for line, text in found)


# click's own English words and the words the commands' help was first written in: none may stand in a help
# or a refusal, outside what is no sentence (names in braces, choices, quotes).
HELP_ENGLISH = frozenset(
    [
    "Usage", "Options", "Commands", "OPTIONS", "COMMAND", "ARGS", "Show", "Print", "List", "Error", "Try",
    "the", "and", "or", "this", "exit", "default", "required", "TEXT", "PATH", "INTEGER", "FILE", "DIRECTORY",
    "RANGE", "FLOAT", "Missing", "Invalid", "No", "such",
    ]
)  # fmt: skip
# What is no sentence in a help: names in braces, a list of choices, quotes, options, settings and paths, the
# command names a group lists and the command's own (`main` where CliRunner runs it).
NOT_HELP_PROSE = re.compile(
    r"\{[^}]*\}|\[[\w-]+(?:\|[\w-]+)+\]|\"[^\"]*\"|'[^']*'|`[^`]*`|(?<!\S)--?[\w-]+|\S*[/_]\S*"
    r"|^  [a-z][\w-]*(?=  )|\b(?:ivr|main)(?: [a-z][\w-]*){1,2}",
    re.MULTILINE,
)


def english_help(text: str) -> list[str]:
    """The English words in a help text or a refusal: click's own, and the common ones `english` knows."""
    prose = NOT_HELP_PROSE.sub(" ", text)
    return [word for word in re.findall(r"[A-Za-z]+", prose) if word in HELP_ENGLISH] + english(prose)


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The words that run `command` and every command and subcommand under it: (), ("closed",), ..."""
    yield path
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            subcommand = command.get_command(context, name)
            assert subcommand is not None, name
            yield from command_paths(subcommand, (*path, name))


COMMAND_PATHS = list(command_paths(main))


def test_the_help_detector_finds_clicks_english() -> None:
    before = "Usage: ivr check [OPTIONS]\n\n  Check the file.\n\nOptions:\n  -h, --help  Show this message."
    assert {"Usage", "OPTIONS", "Options", "Show", "the", "this"} <= set(english_help(before))
    assert english_help('Brug: ivr closed add [TILVALG] DAG\n\n  --json  Vis {"open", "closes"}.') == []


def test_every_command_is_walked() -> None:
    assert len(COMMAND_PATHS) > 20
    assert {("closed", "add"), ("db", "upgrade"), ("staff", "add"), ("serve",), ()} <= set(COMMAND_PATHS)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=[" ".join(("ivr", *path)) for path in COMMAND_PATHS])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_help_is_danish(path: tuple[str, ...], flag: str) -> None:
    result = CliRunner().invoke(main, [*path, flag], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Brug: "), result.output
    assert "Tilvalg:" in result.output
    assert english_help(result.output) == [], result.output


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=[" ".join(("ivr", *path)) for path in COMMAND_PATHS])
def test_a_wrong_option_is_one_danish_line(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--no-such-option"])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith("Fejl: ukendt tilvalg --no-such-option"), result.output
    assert english_help(result.output) == [], result.output


MISTYPED = [
    ["--versoin"],
    ["stat"],
    ["closed", "ad"],
    ["closed", "add"],
    ["closed", "add", "2030-01-06", "--reason"],
    ["closed", "remove", "7", "8"],
    ["hours", "--year", "abc"],
    ["hours", "--year", "1900"],
    ["build-audio", "--engine", "say"],
    ["staff", "add"],
]


@pytest.mark.parametrize("args", MISTYPED, ids=[" ".join(args) for args in MISTYPED])
def test_a_mistyped_command_line_is_one_danish_line(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith("Fejl: "), result.output
    assert english_help(result.output) == [], result.output


def asked_of_gettext(module: ModuleType) -> Iterator[str]:
    """Every text a click module asks gettext for: `_("...")`, and `ngettext("...", ...)`'s singular."""
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.Call):
            continue
        called = getattr(node.func, "id", "")
        if called in ("_", "ngettext") and isinstance(first := node.args[0], ast.Constant):
            yield str(first.value)


def test_every_word_click_asks_for_has_danish_and_no_other() -> None:
    asked = {text for module in cli_words.CLICK_MODULES for text in asked_of_gettext(module)}
    assert asked == set(cli_words.WORDS) | set(cli_words.PLURAL_WORDS)


@pytest.mark.parametrize("text", sorted(cli_words.WORDS))
def test_clicks_words_keep_their_placeholders(text: str) -> None:
    assert set(re.findall(r"\{[^}]*\}", cli_words.WORDS[text])) <= set(re.findall(r"\{[^}]*\}", text))
