"""Named staff accounts (`ivr staff add | remove | list`), each logging in as itself; the single login too."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from ivr.callbacks.desk import new_key
from ivr.callbacks.web import CallbackPages
from ivr.cli import main
from ivr.closures.web import ClosurePages
from ivr.db import Database
from ivr.staff_accounts import AccountError, StaffAccounts, account_name
from tests.support import FixedClock

SINGLE = {"STAFF_USER": "personale", "STAFF_PASSWORD": "en-lang-hemmelighed"}
METTE_PASSWORD = "blå-cykel-ost-vindue-17"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def ivr(database_url: str, *args: str, password: str | None = None, **env: str) -> Result:
    """Run `ivr ARGS` on the test's database; `password` typed twice at the prompt."""
    typed = f"{password}\n{password}\n" if password is not None else None
    environment = {"IVR_DATABASE_URL": database_url, **env}
    return CliRunner().invoke(main, list(args), input=typed, env=environment)


@pytest.fixture
def database_url(config: dict[str, Any]) -> str:
    """The test's own database, made at the schema's head (as `ivr db upgrade` would)."""
    url: str = config["DATABASE_URL"]
    database = Database(url)
    database.open()
    database.dispose()
    return url


def test_an_added_account_logs_in_as_itself_and_a_removed_one_no_longer(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    app = make_app({"CALLBACK_KEY": new_key()})
    client = app.test_client()
    # No login configured and no account: the staff pages are off.
    assert client.get("/staff/callbacks").status_code == 404
    added = ivr(database_url, "staff", "add", "Mette", password=METTE_PASSWORD)
    assert added.exit_code == 0, added.output
    assert "Brugeren mette er oprettet" in added.stdout
    assert METTE_PASSWORD not in added.output
    # On at once, without a restart; the name in any case.
    assert client.get("/staff/callbacks").status_code == 401
    assert client.get("/staff/callbacks", headers=basic("mette", "forkert-gæt-12345")).status_code == 401
    assert client.get("/staff/callbacks", headers=basic("METTE", METTE_PASSWORD)).status_code == 200
    desk = CallbackPages.of(app).desk
    assert desk is not None
    assert [(who, what) for _, who, what, _ in desk.access_log()] == [("mette", "viewed")]

    listed = ivr(database_url, "staff", "list", "--json")
    assert [row["name"] for row in json.loads(listed.stdout)] == ["mette"]
    assert json.loads(listed.stdout)[0]["added_by"].startswith("ivr staff (")
    assert "scrypt" not in listed.stdout

    removed = ivr(database_url, "staff", "remove", "mette")
    assert removed.exit_code == 0, removed.output
    assert client.get("/staff/callbacks", headers=basic("mette", METTE_PASSWORD)).status_code == 404


def test_the_single_login_and_named_accounts_work_side_by_side(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    assert ivr(database_url, "staff", "add", "jens", password=METTE_PASSWORD).exit_code == 0
    app = make_app(SINGLE | {"CALLBACK_KEY": new_key()})
    client = app.test_client()
    assert (
        client.get("/staff/callbacks", headers=basic("personale", "en-lang-hemmelighed")).status_code == 200
    )
    assert client.get("/staff/callbacks", headers=basic("jens", METTE_PASSWORD)).status_code == 200
    # Neither password opens the other's name.
    assert client.get("/staff/callbacks", headers=basic("jens", "en-lang-hemmelighed")).status_code == 401
    assert client.get("/staff/callbacks", headers=basic("personale", METTE_PASSWORD)).status_code == 401
    desk = CallbackPages.of(app).desk
    assert desk is not None
    assert [who for _, who, _, _ in desk.access_log()] == ["personale", "jens"]
    # The single login's name cannot be taken by an account.
    taken = ivr(
        database_url, "staff", "add", "Personale", password=METTE_PASSWORD, IVR_STAFF_USER="personale"
    )
    assert taken.exit_code == 2
    assert "fælles login" in taken.output


@pytest.mark.parametrize(
    ("args", "password", "said"),
    [
        (["add", "jens"], METTE_PASSWORD, "der er allerede en bruger, der hedder jens"),
        (["add", "ny:bruger"], METTE_PASSWORD, "kan ikke bruges"),
        (["add", "anne"], "kort", "mindst 12 tegn"),
        (["add", "anne"], "anne-anne-anne-anne", "for let at gætte"),
        (["remove", "ingen"], None, "der er ingen bruger, der hedder ingen"),
    ],
)
def test_a_refused_change_is_one_line_and_exit_2(
    database_url: str, args: list[str], password: str | None, said: str
) -> None:
    assert ivr(database_url, "staff", "add", "jens", password=METTE_PASSWORD).exit_code == 0
    result = ivr(database_url, "staff", *args, password=password)
    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output
    assert [row["name"] for row in json.loads(ivr(database_url, "staff", "list", "--json").stdout)] == [
        "jens"
    ]


def test_account_names_are_read_alike(database_url: str, clock: FixedClock) -> None:
    accounts = StaffAccounts(Database(database_url))
    accounts.add("Anne-Marie", "hash", "test", clock())
    assert account_name(" ANNE-marie ") == "anne-marie"
    assert accounts.password_hash("ANNE-MARIE") == "hash"
    assert accounts.password_hash("anne") is None
    assert accounts.password_hash("anne:marie") is None
    with pytest.raises(AccountError):
        accounts.add("anne-marie", "hash", "test", clock())
    assert [account.name for account in accounts.all()] == ["anne-marie"]


def test_the_closures_log_names_the_account_that_closed_the_line(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    assert ivr(database_url, "staff", "add", "Mette", password=METTE_PASSWORD).exit_code == 0
    app = make_app({"DEVELOPMENT": False})
    client = app.test_client()
    login = basic("Mette", METTE_PASSWORD)
    page = client.get("/staff/closed", headers=login).get_data(as_text=True)
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    sudden = {"token": token, "from_now": "1", "to_time": "13:00", "until": "2026-11-25", "reason": "sygdom"}
    assert client.post("/staff/closed/add", data=sudden, headers=login).status_code == 303
    [(_, who, action, _, _, _)] = ClosurePages.of(app).book.log(10)
    assert (who, action) == ("mette", "added")
    assert "mette lukkede nr. 1" in client.get("/staff/closed", headers=login).get_data(as_text=True)
