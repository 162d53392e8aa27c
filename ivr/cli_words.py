"""click's own words ("Usage:", "Options", "Show this message and exit.", its refusals) in Danish.

click asks gettext for every word it prints (`from gettext import gettext as _` in each of its modules),
but gettext finds a catalogue only through the machine's locale (LANGUAGE, LANG), and the line speaks Danish
to staff whatever the locale. So the catalogue is this module's table, bound as `_` and `ngettext` in click's
modules when the `ivr` commands are imported (`ivr.cli_errors` installs it). A word a later click adds or
rewords stays English until it is added here; `tests/unit/test_danish_for_staff.py` reads every command's
help and refusals to catch that.
"""

from __future__ import annotations

import gettext
from types import ModuleType

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

# click's text (the msgid) → what staff read. Placeholders in braces are click's and stay as they are.
WORDS: dict[str, str] = {
    "Usage:": "Brug:",
    "Options": "Tilvalg",
    "Commands": "Kommandoer",
    "Show this message and exit.": "Vis denne hjælp.",
    "Show the version and exit.": "Vis versionsnummeret.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Aborted!": "Afbrudt.",
    "(Deprecated) {text}": "(Udgår) {text}",
    "DeprecationWarning: The command {name!r} is deprecated.": "Bemærk: kommandoen {name!r} udgår.",
    "Missing command.": "Der mangler en kommando.",
    "No such command {name!r}.": "Kommandoen {name!r} findes ikke.",
    "Value must be an iterable.": "Værdien skal være en liste.",
    "env var: {var}": "miljøvariabel: {var}",
    "(dynamic)": "(beregnes)",
    "default: {default}": "standard: {default}",
    "required": "skal angives",
    "Error: {message}": "Fejl: {message}",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' for at få hjælp.",
    "Invalid value: {message}": "Ugyldig værdi: {message}",
    "Invalid value for {param_hint}: {message}": "Ugyldig værdi for {param_hint}: {message}",
    "Missing argument": "Der mangler",
    "Missing option": "Der mangler",
    "Missing parameter": "Der mangler",
    "Missing {param_type}": "Der mangler",
    "Missing parameter: {param_name}": "Der mangler en værdi: {param_name}",
    "No such option: {name}": "Ukendt tilvalg: {name}",
    "unknown error": "ukendt fejl",
    "Could not open file {filename!r}: {message}": "Kan ikke åbne filen {filename!r}: {message}",
    "Argument {name!r} takes {nargs} values.": "{name!r} skal have {nargs} værdier.",
    "Option {name!r} does not take a value.": "Tilvalget {name!r} tager ingen værdi.",
    "Repeat for confirmation": "Gentag for at bekræfte",
    "Error: The value you entered was invalid.": "Fejl: Det indtastede er ikke gyldigt.",
    "Error: {e.message}": "Fejl: {e.message}",
    "Error: The two entered values do not match.": "Fejl: De to indtastninger er ikke ens.",
    "Error: invalid input": "Fejl: ugyldigt svar",
    "Press any key to continue...": "Tryk på en tast for at fortsætte ...",
    "Choose from:\n\t{choices}": "Vælg mellem:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldigt tal.",
    "{value} is not in the range {range}.": "{value} ligger ikke i {range}.",
    "{value!r} is not a valid boolean.": "{value!r} er hverken ja eller nej.",
    "{value!r} is not a valid UUID.": "{value!r} er ikke et gyldigt UUID.",
    "file": "fil",
    "directory": "mappe",
    "path": "sti",
    "{name} {filename!r} does not exist.": "{name} {filename!r} findes ikke.",
    "{name} {filename!r} is a file.": "{name} {filename!r} er en fil.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} er en mappe.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} kan ikke læses.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} kan ikke skrives.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} kan ikke køres.",
}
# click's singular text → what staff read for one and for several.
PLURAL_WORDS: dict[str, tuple[str, str]] = {
    "Got unexpected extra argument ({args})": (
        "Et argument for meget ({args})",
        "Argumenter for meget ({args})",
    ),
    "Takes {nargs} values but 1 was given.": (
        "Skal have {nargs} værdier, men fik 1.",
        "Skal have {nargs} værdier, men fik {len}.",
    ),
    "Did you mean {possibility}?": ("Mente du {possibility}?", "(Mulige tilvalg: {possibilities})"),
    "Option {name!r} requires an argument.": (
        "Tilvalget {name!r} skal have en værdi.",
        "Tilvalget {name!r} skal have {nargs} værdier.",
    ),
    "{value!r} is not {choice}.": ("{value!r} er ikke {choice}.", "{value!r} er ikke én af {choices}."),
    "{value!r} does not match the format {format}.": (
        "{value!r} passer ikke til formatet {format}.",
        "{value!r} passer ikke til formaterne {formats}.",
    ),
    "{len_type} values are required, but {len_value} was given.": (
        "Skal have {len_type} værdier, men fik {len_value}.",
        "Skal have {len_type} værdier, men fik {len_value}.",
    ),
}
# The click modules that ask gettext for their words.
CLICK_MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)


class Danish(gettext.NullTranslations):
    """click's words from WORDS and PLURAL_WORDS; a text not there stays as click wrote it."""

    def gettext(self, message: str) -> str:
        """The Danish for `message`."""
        return WORDS.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        """The Danish for one (`msgid1`) or for `n` (`msgid2`)."""
        one, several = PLURAL_WORDS.get(msgid1, (msgid1, msgid2))
        return one if n == 1 else several


def install() -> None:
    """Make click speak Danish in this process: its modules' `_` and `ngettext` look in the tables above."""
    danish = Danish()
    for module in CLICK_MODULES:
        module._ = danish.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = danish.ngettext  # type: ignore[attr-defined]
