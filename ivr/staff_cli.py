"""`ivr staff add | remove | list`: the named staff accounts of the staff pages (ivr/staff_accounts.py).

A refusal (a name taken or unknown, a weak password) is one Danish line and exit 2. The password is asked for
twice on stderr and checked as IVR_STAFF_PASSWORD is; only its hash is kept.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from ivr.cli_errors import Stop
from ivr.cli_options import configured_settings
from ivr.migrations.cli import DATABASE_OPTION, current_database, database_url
from ivr.staff import new_password_hash
from ivr.staff_accounts import AccountError, StaffAccounts, account_name


@click.group("staff", context_settings={"help_option_names": ["-h", "--help"]})
def staff() -> None:
    """Tilføj, fjern og vis personalets navngivne konti til personalesiderne."""


@staff.command("add")
@DATABASE_OPTION
@click.argument("name", metavar="NAVN")
def add(url: str | None, name: str) -> None:
    """Tilføj kontoen NAVN; du bliver bedt om adgangskoden to gange."""
    try:
        wanted = account_name(name)
    except AccountError as refused:
        raise Stop(str(refused)) from None
    single = configured_settings()["STAFF_USER"]
    if single and wanted == str(single).strip().lower():
        raise Stop(f"{wanted} er allerede linjens fælles login (IVR_STAFF_USER); vælg et andet navn")
    hashed = new_password_hash(wanted)
    with _accounts(url) as accounts:
        try:
            accounts.add(wanted, hashed, _who(), datetime.now(UTC))
        except AccountError as refused:
            raise Stop(str(refused)) from None
    click.echo(f"Brugeren {wanted} er oprettet og kan logge ind på personalets sider nu.")


@staff.command("remove")
@DATABASE_OPTION
@click.argument("name", metavar="NAVN")
def remove(url: str | None, name: str) -> None:
    """Fjern kontoen NAVN: den næste side, kontoen åbner, beder om login igen."""
    with _accounts(url) as accounts:
        try:
            accounts.remove(name)
        except AccountError as refused:
            raise Stop(str(refused)) from None
    click.echo(f"Brugeren {account_name(name)} er fjernet; den kan ikke længere logge ind.")


@staff.command("list")
@DATABASE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Vis som en JSON-liste med {name, added_at, added_by}.")
def list_accounts(url: str | None, as_json: bool) -> None:
    """Vis personalets navngivne konti (aldrig deres adgangskoder)."""
    with _accounts(url) as accounts:
        found = accounts.all()
    rows = [
        {
            "name": item.name,
            "added_at": item.added_at.isoformat(timespec="seconds"),
            "added_by": item.added_by,
        }
        for item in found
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    single = configured_settings()["STAFF_USER"]
    click.echo(
        f"{len(rows)} bruger(e)" + (f" og det fælles login {single} (IVR_STAFF_USER)" if single else "")
    )
    for row in rows:
        click.echo(f"  {row['name']:<20} oprettet {row['added_at']} af {row['added_by']}")


@contextmanager
def _accounts(url: str | None) -> Iterator[StaffAccounts]:
    database = current_database(database_url(url))
    try:
        yield StaffAccounts(database)
    finally:
        database.dispose()


def _who() -> str:
    return f"ivr staff ({getpass.getuser()})"[:64]
