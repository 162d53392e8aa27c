"""Every `ivr` command ends in one line, never a traceback: what went wrong, in Danish words one can act on.

click's own words (its help's headings, "Error:", "Missing option", "Invalid value for") are English; the
`ivr` group says them in Danish, as staff run these commands (docs/architecture.md, "One language per
audience"): importing this module binds click to the catalogue in `ivr.cli_words`, before any command's
options are made.
"""

from __future__ import annotations

import traceback
from importlib import import_module
from typing import IO, Any

import click
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from ivr import cli_words
from ivr.line.content_loader import ContentError
from ivr.settings import ConfigError

cli_words.install()

# Bad input or an environment the command cannot work in: exit 2, as click does for a bad option.
INPUT_ERROR = 2


# What stands before a command's refusal, in place of click's "Error:".
REFUSED = "Fejl"
# The placeholders of a usage line ("Brug: ivr closed [TILVALG] KOMMANDO [ARGUMENTER]..."), in place of
# click's "[OPTIONS]" and "COMMAND [ARGS]...", which are no words gettext is asked for.
OPTIONS_METAVAR = "[TILVALG]"
SUBCOMMAND_METAVAR = "KOMMANDO [ARGUMENTER]..."


class Refusal(click.ClickException):
    """A command stops with its problems (exit 1), after "Fejl:" rather than click's "Error:"."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Write the refusal to stderr."""
        click.echo(f"{REFUSED}: {self.format_message()}", file=file, err=file is None)


class Stop(Refusal):
    """A command stops with one line and exit 2."""

    exit_code = INPUT_ERROR


def usage_words(error: click.UsageError) -> str:
    """click's refusal of the command line in Danish: a missing or unknown option, a bad value."""
    context = error.ctx
    hint = f" ({context.command_path} {context.help_option_names[0]} viser hjælpen)" if context else ""
    if isinstance(error, click.MissingParameter | click.BadParameter):
        param = error.param
        named = error.param_hint or (param.get_error_hint(context) if param and context else None)
        named = " / ".join(named) if isinstance(named, list | tuple) else named or "en værdi"
        if isinstance(error, click.MissingParameter):
            return f"{named} mangler{hint}"
        return f"ugyldig værdi for {named}: {error.message}"
    if isinstance(error, click.NoSuchOption):
        near = f"; mente du {' eller '.join(error.possibilities)}?" if error.possibilities else ""
        return f"ukendt tilvalg {error.option_name}{near}{hint}"
    return f"{error.message}{hint}"


def one_line(error: BaseException) -> str:
    """Fold a multi-line configuration or content error into one line."""
    parts = [part.strip() for part in str(error).splitlines() if part.strip()]
    return "; ".join(parts).replace(":;", ":")


def describe(error: BaseException) -> str:
    """Say in one line what went wrong, for the errors a command can meet outside its own checks.

    In English: these are IT's (the settings, the database, a fault in the code) and go to the logs too."""
    if isinstance(error, ConfigError | ContentError):
        return one_line(error)
    if isinstance(error, ImportError) and error.name:
        # SQLAlchemy imports a URL's driver when the engine is made: postgresql+psycopg2:// wants psycopg2.
        return (
            f"IVR_DATABASE_URL (or --database) needs the Python module {error.name}, which is not installed; "
            "the line ships psycopg 3: postgresql+psycopg://user:password@host/database"
        )
    if isinstance(error, NoSuchModuleError | ArgumentError):
        return f"IVR_DATABASE_URL (or --database) is not a database URL the line knows: {one_line(error)}"
    if isinstance(error, SQLAlchemyError):
        cause = getattr(error, "orig", None) or error
        return f"the statistics database cannot be used ({type(cause).__name__}); is IVR_DATABASE_URL right?"
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or type(error).__name__}{where}"
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"internal error {type(error).__name__}{where}; please report it"


def danish_usage(command: click.Command) -> None:
    """Put a command's usage placeholders in Danish, and those of its subcommands."""
    command.options_metavar = OPTIONS_METAVAR
    if isinstance(command, click.Group):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for subcommand in command.commands.values():
            danish_usage(subcommand)


class Commands(click.Group):
    """The `ivr` group: commands imported when used, and any error escaping one becomes one line (exit 2).

    `lazy` maps a command's name to "module:attribute", so `ivr stats` never imports the audio pipeline and
    each command starts sooner (figures in docs/performance.md).
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Add a command, its usage line (and its subcommands') in Danish."""
        danish_usage(cmd)
        super().add_command(cmd, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the ones not yet imported too."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import a command on first use."""
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Read the group's own options; a wrong one is one Danish line (exit 2), as a command's is."""
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise Stop(usage_words(error)) from None

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn anything it raises, other than click's own endings, into one line."""
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise Stop(usage_words(error)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:
            name = ctx.invoked_subcommand or ctx.info_name or "ivr"
            raise Stop(f"ivr {name}: {describe(error)}") from None
