"""`ivr callbacks`: the waiting callback requests for other tools; `ivr callback-key`: a new key."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime

import click

from ivr.callbacks.desk import CallbackDesk, new_key
from ivr.cli_errors import Stop
from ivr.cli_options import configured_settings
from ivr.line import events
from ivr.migrations.cli import current_database, database_url
from ivr.settings import TOKEN_VARIABLE


@click.command("callbacks")
@click.option("--json", "as_json", is_flag=True, help="Vis de ventende ønsker som en JSON-liste.")
def callbacks(as_json: bool) -> None:
    """Vis de ventende ønsker om at blive ringet op, ældste først (at de er set, skrives i loggen)."""
    own = {True: "tastet ind", False: "eget nummer", None: "?"}
    config = configured_settings()
    key = config["CALLBACK_KEY"]
    if not key:
        raise Stop(
            "IVR_CALLBACK_KEY er ikke sat: linjen tager ikke imod ønsker om at blive ringet op "
            "(ivr callback-key laver en nøgle)"
        )
    database = current_database(database_url(None))
    try:
        desk = CallbackDesk(database, key, events.hash_key(config[TOKEN_VARIABLE]), config["CALLBACK_DAYS"])
        who = f"ivr callbacks ({getpass.getuser()})"[:64]
        pending = desk.pending(who, datetime.now(UTC))
    finally:
        database.dispose()
    rows = [
        {
            "id": item.id,
            "line": item.line,
            "number": item.number,
            "asked_at": item.asked_at.isoformat(timespec="seconds"),
            "attempts": item.attempts,
            # Keyed in by the caller (true), the number they rang from (false), or not known (null).
            "keyed": item.keyed,
        }
        for item in pending
        if item.done_at is None  # marked "Ringet op" a moment ago: waiting only for an undo
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(rows)} venter på at blive ringet op")
    for row in rows:
        source = own[row["keyed"]]  # type: ignore[index]
        click.echo(
            f"  {row['asked_at']}  {row['line']:<16} {row['number']} ({source})  forsøg: {row['attempts']}"
        )


@click.command("callback-key")
def callback_key() -> None:
    """Lav en ny IVR_CALLBACK_KEY (hemmelig; med en ny nøgle kan de ventende numre ikke længere læses)."""
    click.echo(new_key())
