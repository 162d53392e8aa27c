"""The staff login: long passwords or a hash, and a throttle on wrong guesses that every worker shares."""

from __future__ import annotations

import base64
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash, generate_password_hash

from ivr import staff
from ivr.cli import main
from ivr.login_failures import LoginFailures
from ivr.settings import ConfigError, guessable
from ivr.staff import StaffLogin
from ivr.webhook.endpoint import Webhook
from tests.support import FixedClock, live_line

USER, PASSWORD = "personale", "en-lang-hemmelighed"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def staff_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})


def guess(client: FlaskClient, password: str = "forkert-gæt-1234", address: str = "192.0.2.7") -> Any:
    return client.get("/staff/stats", headers=basic(USER, password), environ_base={"REMOTE_ADDR": address})


def shown(response: Any) -> bool:
    """Tell whether the statistics page itself was shown: a 200 alone could be any page."""
    return response.status_code == 200 and "<h1>Opkaldsstatistik</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["å", "kort-kode", "elleve-tegn"])
def test_a_short_password_stops_the_start_naming_the_variable(
    make_app: Callable[..., Flask], password: str
) -> None:
    with pytest.raises(ConfigError, match="IVR_STAFF_PASSWORD=\\(hidden\\): must be at least 12") as raised:
        make_app({"STAFF_USER": USER, "STAFF_PASSWORD": password})
    assert password not in str(raised.value)


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "123456789012", "personale1234", "qwertyuiopås", "rodblokade2026"]
)
def test_a_password_easy_to_guess_stops_the_start_in_one_line(
    make_app: Callable[..., Flask], password: str
) -> None:
    with pytest.raises(ConfigError, match="IVR_STAFF_PASSWORD=\\(hidden\\): is too easy to guess") as raised:
        make_app({"STAFF_USER": USER, "STAFF_PASSWORD": password})
    assert password not in str(raised.value)
    assert len(str(raised.value).splitlines()) == 2  # "configuration problem:" and the one line


@pytest.mark.parametrize("password", ["velkommen123", "mandagmorgen", "København2026", "Sygeplejerske1"])
def test_danish_words_with_a_digit_are_easy_to_guess(password: str) -> None:
    # zxcvbn's own word lists are English: it gave each of these 3 or 4 of 4 before it knew Danish words.
    assert guessable(password) is not None


@pytest.mark.parametrize("password", ["hest-lampe-tordenvejr-gulerod", "Kaffekop Skovsnegl Ørkenvind"])
def test_unrelated_danish_words_are_still_a_good_password(password: str) -> None:
    assert guessable(password) is None


def test_development_mode_opens_no_staff_page_without_a_login_once_a_token_is_set(
    make_app: Callable[..., Flask],
) -> None:
    open_dev = make_app({"DEVELOPMENT": True, "TWILIO_AUTH_TOKEN": None}).test_client()
    assert shown(open_dev.get("/staff/stats"))
    with_token = make_app({"DEVELOPMENT": True}).test_client()
    for path in ("/staff/stats", "/staff/callbacks", "/preview/", "/"):
        assert with_token.get(path).status_code == 404, path
    with_login = make_app({"DEVELOPMENT": True, "STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})
    assert with_login.test_client().get("/staff/stats").status_code == 401


@pytest.mark.parametrize(
    ("settings", "peer", "forwarded", "counted"),
    [
        # IVR_PUBLIC_URL behind the shipped nginx on this host: the address nginx saw.
        ({"PUBLIC_URL": "https://ivr.example.dk"}, "127.0.0.1", "192.0.2.7", "192.0.2.7"),
        # ... but a peer from elsewhere is no proxy of ours: its own address, whatever it claims.
        ({"PUBLIC_URL": "https://ivr.example.dk"}, "203.0.113.5", "192.0.2.7", "203.0.113.5"),
        # IVR_TRUSTED_PROXIES=2 (with or without IVR_PUBLIC_URL): the second address from the right.
        (
            {"PUBLIC_URL": "https://ivr.example.dk", "TRUSTED_PROXIES": 2},
            "10.0.0.2",
            "6.6.6.6, 192.0.2.7, 10.0.0.1",
            "192.0.2.7",
        ),
        ({"TRUSTED_PROXIES": 2}, "10.0.0.2", "6.6.6.6, 192.0.2.7, 10.0.0.1", "192.0.2.7"),
        # Fewer addresses than proxies: not made by them; the peer's own counts (shared, so stricter).
        ({"TRUSTED_PROXIES": 2}, "10.0.0.2", "192.0.2.7", "10.0.0.2"),
        # No proxy configured: the peer, never a header.
        ({}, "192.0.2.9", "192.0.2.7", "192.0.2.9"),
    ],
)
def test_the_throttle_counts_the_real_client_behind_the_proxy(
    make_app: Callable[..., Flask], settings: dict[str, Any], peer: str, forwarded: str, counted: str
) -> None:
    app = make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD, **settings})
    client = app.test_client()
    headers = {**basic(USER, "forkert-gæt-1234"), "X-Forwarded-For": forwarded}
    for _ in range(staff.MAX_FAILURES):
        client.get("/staff/stats", headers=headers, environ_base={"REMOTE_ADDR": peer})
    door = StaffLogin.of(app)
    assert door.login is not None
    since = door.clock() - staff.WINDOW
    assert (
        len(door.login.failures.since(staff.client_hash(counted, door.hash_key), since)) == staff.MAX_FAILURES
    )
    # Someone else behind the same proxy is not locked out by those guesses.
    other = {**basic(USER, PASSWORD), "X-Forwarded-For": "198.51.100.9"}
    if counted != peer:
        assert shown(client.get("/staff/stats", headers=other, environ_base={"REMOTE_ADDR": peer}))


def test_a_password_hash_is_accepted_instead(make_app: Callable[..., Flask]) -> None:
    hashed = generate_password_hash(PASSWORD)
    client = make_app({"STAFF_USER": USER, "STAFF_PASSWORD_HASH": hashed}).test_client()
    assert shown(client.get("/staff/stats", headers=basic(USER, PASSWORD)))
    assert client.get("/staff/stats", headers=basic(USER, PASSWORD + "x")).status_code == 401


@pytest.mark.parametrize("hashed", ["not-a-hash", "md9$salt$abcd", "scrypt:32768:8:1$salt$nothex"])
def test_a_hash_werkzeug_cannot_read_stops_the_start(make_app: Callable[..., Flask], hashed: str) -> None:
    with pytest.raises(ConfigError, match="IVR_STAFF_PASSWORD_HASH"):
        make_app({"STAFF_USER": USER, "STAFF_PASSWORD_HASH": hashed})


def test_both_a_password_and_a_hash_stop_the_start(make_app: Callable[..., Flask]) -> None:
    both = {"STAFF_PASSWORD": PASSWORD, "STAFF_PASSWORD_HASH": generate_password_hash(PASSWORD)}
    with pytest.raises(ConfigError, match="both set"):
        make_app({"STAFF_USER": USER, **both})


def test_ten_wrong_guesses_in_ten_minutes_and_the_client_must_wait(
    staff_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = staff_app.test_client()
    caplog.set_level(logging.WARNING, logger="ivr.staff")
    assert [guess(client).status_code for _ in range(staff.MAX_FAILURES)] == [401] * staff.MAX_FAILURES
    refused = guess(client)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert "For mange forkerte forsøg" in refused.get_data(as_text=True)
    # Even the right password waits: the throttle is checked before any password is.
    assert guess(client, PASSWORD).status_code == 429
    # Another address is not held back by this one's guesses.
    assert shown(guess(client, PASSWORD, address="198.51.100.9"))
    # Each failure is logged by a keyed hash of the address, never the address, the user or the password.
    text = caplog.text
    assert "wrong user name or password" in text
    assert "192.0.2.7" not in text
    assert "forkert-gæt" not in text
    assert USER not in text


def test_a_browser_without_a_login_yet_is_not_counted(staff_app: Flask) -> None:
    client = staff_app.test_client()
    for _ in range(staff.MAX_FAILURES + 2):
        assert client.get("/staff/stats").status_code == 401
    assert shown(client.get("/staff/stats", headers=basic(USER, PASSWORD)))


def test_a_login_clears_the_clients_earlier_failures(staff_app: Flask) -> None:
    client = staff_app.test_client()
    for _ in range(staff.MAX_FAILURES - 1):
        guess(client)
    assert shown(guess(client, PASSWORD))
    assert [guess(client).status_code for _ in range(staff.MAX_FAILURES)] == [401] * staff.MAX_FAILURES


def test_failures_older_than_the_window_do_not_count(staff_app: Flask, clock: FixedClock) -> None:
    client = staff_app.test_client()
    for _ in range(staff.MAX_FAILURES):
        guess(client)
    clock.at += staff.WINDOW + timedelta(seconds=1)
    assert shown(guess(client, PASSWORD))


def test_an_unusable_throttle_refuses_logins(staff_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    def broken(*args: object) -> list[object]:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(LoginFailures, "since", broken)
    response = guess(staff_app.test_client(), PASSWORD)
    assert response.status_code == 503


def test_the_throttle_works_on_each_database(make_app: Callable[..., Flask], database_url: str) -> None:
    app = make_app({"DATABASE_URL": database_url, "STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})
    login = StaffLogin.of(app).login
    assert login is not None
    try:
        client = app.test_client()
        assert [guess(client).status_code for _ in range(staff.MAX_FAILURES + 1)][-2:] == [401, 429]
    finally:
        login.failures.clear(staff.client_hash("192.0.2.7", Webhook.of(app).hash_key))
        login.failures.database.dispose()  # its connections, closed now rather than by the garbage collector


def test_two_apps_on_one_database_share_the_count(make_app: Callable[..., Flask]) -> None:
    # Two apps stand for two workers: nothing but the database is shared between them.
    first, second = (make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD}) for _ in "12")
    clients = [first.test_client(), second.test_client()]
    statuses = [guess(clients[turn % 2]).status_code for turn in range(staff.MAX_FAILURES + 1)]
    assert statuses == [401] * staff.MAX_FAILURES + [429]
    assert guess(clients[0], PASSWORD).status_code == 429


def test_the_wait_is_told_in_danish_minutes(staff_app: Flask, clock: FixedClock) -> None:
    client = staff_app.test_client()
    for _ in range(staff.MAX_FAILURES):
        guess(client)
    clock.at += staff.WINDOW - timedelta(seconds=30)
    refused = guess(client)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert "Prøv igen om 1 minut." in refused.get_data(as_text=True)


def test_staff_password_prints_a_hash_of_what_was_typed_twice() -> None:
    # A real process, as `ivr staff-password > hash.txt` runs (click's runner echoes hidden input itself).
    command = [sys.executable, "-c", "from ivr.cli import main; main()", "staff-password"]
    result = subprocess.run(
        command, input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    # Only the hash on stdout; the prompts and the advice on stderr.
    [hashed] = result.stdout.splitlines()
    assert check_password_hash(hashed, PASSWORD)
    assert "Ny adgangskode" in result.stderr
    assert "Gentag adgangskoden" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr


def test_staff_password_refuses_a_short_password_in_one_line() -> None:
    result = CliRunner().invoke(main, ["staff-password"], input="kort\nkort\n")
    assert result.exit_code == 2
    assert "mindst 12 tegn" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "123456789012"])
def test_staff_password_refuses_a_password_easy_to_guess_in_one_line(password: str) -> None:
    result = CliRunner().invoke(main, ["staff-password"], input=f"{password}\n{password}\n")
    assert result.exit_code == 2
    assert "for let at gætte" in result.output
    assert "scrypt:" not in result.output


def test_staff_password_without_input_stops_in_one_line() -> None:
    # No terminal and nothing to read (a script, a closed stdin): one line, exit 2.
    command = [sys.executable, "-c", "from ivr.cli import main; main()", "staff-password"]
    result = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    assert "ikke skrevet nogen adgangskode" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_throttle_holds_across_worker_processes(tmp_path: Path) -> None:
    env = {
        "TWILIO_AUTH_TOKEN": "t",
        "IVR_WORKERS": "3",
        "IVR_STAFF_USER": USER,
        "IVR_STAFF_PASSWORD": PASSWORD,
    }
    with live_line(tmp_path, env) as line:

        def get(password: str) -> tuple[int, str | None]:
            request = urllib.request.Request(line.base + "/staff/stats", headers=basic(USER, password))
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    return answer.status, None
            except urllib.error.HTTPError as error:
                return error.code, error.headers.get("Retry-After")

        # Each request on a new connection, so the three workers take turns answering.
        statuses = [get("forkert-gæt-1234")[0] for _ in range(staff.MAX_FAILURES)]
        assert statuses == [401] * staff.MAX_FAILURES
        status, retry = get("forkert-gæt-1234")
        assert status == 429
        assert retry is not None
        assert 0 < int(retry) <= 600
        assert get(PASSWORD)[0] == 429
    assert "forkert-gæt" not in line.log.read_text()
