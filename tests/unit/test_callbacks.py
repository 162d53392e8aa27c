"""Callback requests: the caller's path through the line, the encrypted list, staff marking calls."""

from __future__ import annotations

import json
import logging
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.datastructures import Headers

from ivr.app import clock_of
from ivr.callbacks.desk import CallbackDesk, new_key
from ivr.callbacks.web import CallbackPages
from ivr.cli import main
from ivr.db import Database
from ivr.line.clock import system_clock
from ivr.line.events import CallEvent
from ivr.line.flow import Asked
from ivr.staff import FORM_TOKEN_SECONDS, ClockSigner
from ivr.stats.store import Store
from ivr.webhook.endpoint import Webhook
from tests.support import CALL, CLOSED_TIME, TOKEN, FixedClock, TwilioClient, spoken

KEY = new_key()
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
# The line's settings for callbacks: a key to encrypt the numbers with.
CALLBACKS = {"CALLBACK_KEY": KEY}
STAFF = {"STAFF_USER": "sekretaer", "STAFF_PASSWORD": "en-lang-hemmelighed-1"}
OFFER = "Skal sekretariatet ringe dig op, når det åbner, så tryk 1. For menuen, tryk firkant."


@pytest.fixture
def desk(store: Store) -> CallbackDesk:
    return CallbackDesk(store.database, KEY, b"hash-key", days=7)


def test_one_request_per_number_and_line_encrypted_at_rest(desk: CallbackDesk, store: Store) -> None:
    assert desk.ask("rodblokade", "+4520304050", NOW) is Asked.NEW
    assert desk.ask("rodblokade", "+4520304050", NOW + timedelta(hours=1)) is Asked.ALREADY
    assert desk.ask("knae", "+4520304050", NOW) is Asked.NEW
    with store.engine.connect() as connection:
        raw = " ".join(str(row) for row in connection.execute(text("SELECT * FROM callback_requests")))
        logged = " ".join(str(row) for row in connection.execute(text("SELECT * FROM callback_access")))
    for digits in ("20304050", "20 30 40 50", "2030"):
        assert digits not in raw
        assert digits not in logged
    pending = desk.pending("sekretaer", NOW)
    assert [(item.line, item.number) for item in pending] == [
        ("rodblokade", "+4520304050"),
        ("knae", "+4520304050"),
    ]


def test_a_caller_rung_back_a_moment_ago_who_asks_again_is_put_on_the_list(desk: CallbackDesk) -> None:
    # Within the minute kept for an undo, the number is still stored, marked done: the caller asking again
    # needs a new call, not "you are on the list already".
    desk.ask("rodblokade", "+4520304050", NOW)
    [asked] = desk.pending("anna", NOW)
    assert desk.done(asked.id, "anna", NOW + timedelta(hours=1))
    assert desk.ask("rodblokade", "+4520304050", NOW + timedelta(hours=1, seconds=20)) is Asked.NEW
    [again] = desk.pending("anna", NOW + timedelta(hours=1, seconds=30))
    assert (again.number, again.done_at, again.done_by) == ("+4520304050", None, None)
    actions = [(who, what) for _, who, what, _ in desk.access_log()]
    assert actions[-3:] == [("system", "deleted"), ("caller", "asked"), ("anna", "viewed")]
    counts = desk.counts()
    assert (counts.asked, counts.done, counts.pending) == (2, 1, 1)


def test_done_deletes_not_reached_counts_and_everything_is_in_the_access_log(desk: CallbackDesk) -> None:
    desk.ask("rodblokade", "+4520304050", NOW)
    desk.ask("rodblokade", "+4540506070", NOW + timedelta(minutes=5), keyed=True)
    first, second = desk.pending("anna", NOW)
    assert (first.keyed, second.keyed) == (False, True)
    assert desk.not_reached(first.id, "anna", NOW + timedelta(hours=19))
    assert desk.done(second.id, "bo", NOW + timedelta(hours=20))
    assert not desk.done(second.id, "bo", NOW + timedelta(hours=20))  # marked already
    assert not desk.not_reached(second.id, "anna", NOW + timedelta(hours=20))
    # Within the minute it is kept, marked, for an undo; after it, deleted for good.
    _, marked = desk.pending("anna", NOW + timedelta(hours=20, seconds=30))
    assert (marked.done_by, marked.number) == ("bo", "+4540506070")
    [left] = desk.pending("anna", NOW + timedelta(hours=20, seconds=61))
    assert (left.number, left.attempts, left.last_attempt_by) == ("+4520304050", 1, "anna")
    assert not desk.undo(second.id, "bo", NOW + timedelta(hours=20, seconds=62))
    log = [(who, what) for _, who, what, _ in desk.access_log()]
    assert log == [
        ("caller", "asked"), ("caller", "asked"), ("anna", "viewed"), ("anna", "not_reached"),
        ("bo", "done"), ("anna", "viewed"), ("system", "deleted"), ("anna", "viewed"),
    ]  # fmt: skip
    counts = desk.counts()
    assert (counts.asked, counts.done, counts.pending) == (2, 1, 1)
    assert counts.median_hours == pytest.approx(20 - 5 / 60)


def test_a_done_can_be_undone_for_a_minute_and_then_counts_no_more(desk: CallbackDesk) -> None:
    desk.ask("rodblokade", "+4520304050", NOW)
    [asked] = desk.pending("anna", NOW)
    assert desk.done(asked.id, "bo", NOW + timedelta(hours=2))
    assert desk.counts().pending == 0
    assert desk.undo(asked.id, "bo", NOW + timedelta(hours=2, seconds=59))
    [again] = desk.pending("anna", NOW + timedelta(hours=3))
    assert (again.id, again.number, again.done_at) == (asked.id, "+4520304050", None)
    counts = desk.counts()
    assert (counts.asked, counts.done, counts.pending, counts.median_hours) == (1, 0, 1, None)
    # Done again, later: that one counts.
    assert desk.done(asked.id, "anna", NOW + timedelta(hours=4))
    assert desk.counts().median_hours == pytest.approx(4)
    # The timer's sweep deletes it once the minute is over, without a look at the list.
    desk.forget_done(NOW + timedelta(hours=4, seconds=61))
    assert [what for _, _, what, _ in desk.access_log()][-3:] == ["viewed", "done", "deleted"]


def test_requests_are_deleted_after_the_retention_in_any_case(desk: CallbackDesk) -> None:
    desk.ask("rodblokade", "+4520304050", NOW)
    assert desk.pending("anna", NOW + timedelta(days=6, hours=23))
    assert desk.pending("anna", NOW + timedelta(days=7, hours=1)) == []
    assert ("system", "deleted") in [(who, what) for _, who, what, _ in desk.access_log()]
    # Asked again after that, it is a new request.
    assert desk.ask("rodblokade", "+4520304050", NOW + timedelta(days=8)) is Asked.NEW


def test_a_deleted_requests_id_is_never_given_to_another(desk: CallbackDesk) -> None:
    # The access log and the time-to-callback figures name requests by id: after the newest request is rung
    # back and deleted, the next one must not take its id (SQLite reuses the highest id unless AUTOINCREMENT).
    desk.ask("rodblokade", "+4520304050", NOW)
    desk.ask("rodblokade", "+4540506070", NOW + timedelta(minutes=5))
    first, second = desk.pending("anna", NOW + timedelta(minutes=10))
    assert desk.done(second.id, "anna", NOW + timedelta(hours=1))
    desk.forget_done(NOW + timedelta(hours=1, minutes=2))
    desk.ask("rodblokade", "+4560708090", NOW + timedelta(hours=2))
    kept, third = desk.pending("anna", NOW + timedelta(hours=2))
    assert (kept.id, third.number) == (first.id, "+4560708090")
    assert third.id not in {first.id, second.id}
    asked = [request for _, _, what, request in desk.access_log() if what == "asked"]
    assert len(set(asked)) == len(asked) == 3


def test_workers_asking_at_once_make_one_request(desk: CallbackDesk, database_url: str) -> None:
    # Each "worker" with its own store and engine, as processes and hosts have.
    others = [CallbackDesk(Database(database_url), KEY, b"hash-key", days=7) for _ in range(6)]
    results: list[Asked] = []
    barrier = threading.Barrier(len(others))

    def ask(other: CallbackDesk) -> None:
        barrier.wait()
        results.append(other.ask("rodblokade", "+4520304050", NOW))

    threads = [threading.Thread(target=ask, args=(other,)) for other in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [Asked.ALREADY] * 5 + [Asked.NEW]
    assert len(desk.pending("anna", NOW)) == 1
    for other in others:
        other.database.dispose()


def test_a_sealed_number_cannot_be_read_or_forged(desk: CallbackDesk) -> None:
    token = desk.seal("+4520304050")
    assert "20304050" not in token
    assert desk.unseal(token) == "+4520304050"
    assert desk.unseal(token[:-2] + "xx") is None
    assert CallbackDesk(desk.database, new_key(), b"k", 7).unseal(token) is None


# The caller's path, through the webhook.


@pytest.fixture
def line_app(make_app: Callable[..., Flask], clock: FixedClock) -> Flask:
    clock.at = CLOSED_TIME
    return make_app(CALLBACKS)


def action(root: ET.Element) -> tuple[str, dict[str, str]]:
    gather = root.find("Gather")
    assert gather is not None
    url = urlsplit(gather.get("action", ""))
    return gather.get("numDigits", ""), {key: values[0] for key, values in parse_qs(url.query).items()}


def step(twilio: TwilioClient, root: ET.Element, form: dict[str, str]) -> ET.Element:
    gather = root.find("Gather")
    assert gather is not None
    return twilio.twiml(gather.get("action", ""), form)


def test_a_closed_transfer_offers_a_callback_and_reads_the_number_back(line_app: Flask) -> None:
    twilio = TwilioClient(line_app.test_client())
    offered = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"})
    assert spoken(offered) == ["Sekretariatet har lukket og åbner igen i morgen klokken 10.", OFFER]
    read = step(twilio, offered, {"Digits": "1"})
    # CALL's From is +4520304050: read back in pairs, never put in the URL.
    assert spoken(read)[0].startswith("Sekretariatet ringer til tyve, tredive, fyrre, halvtreds.")
    _, state_ = action(read)
    assert state_ == {"menu": "callback_confirm", "tries": "0"}
    done = step(twilio, read, {"Digits": "1"})
    assert spoken(done)[0] == "Tak. Sekretariatet ringer dig op i morgen mellem klokken 10 og 14."
    assert action(done)[1] == {"menu": "main", "tries": "0"}
    desk = CallbackPages.of(line_app).desk
    assert desk is not None
    assert [item.number for item in desk.pending("test", clock_of(line_app)())] == [CALL["From"]]
    # A second call from the same number hears it is on the list already.
    again = step(twilio, step(twilio, offered, {"Digits": "1"}), {"Digits": "1"})
    assert (
        spoken(again)[0]
        == "Du står allerede på listen. Sekretariatet ringer dig op i morgen mellem klokken 10 og 14."
    )


@pytest.mark.parametrize("caller", ["anonymous", "+266696687", "", "+4420304050", "+45203040"])
def test_a_withheld_or_foreign_number_is_keyed_in(line_app: Flask, caller: str) -> None:
    twilio = TwilioClient(line_app.test_client())
    offered = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0", "From": caller})
    enter = step(twilio, offered, {"Digits": "1", "From": caller})
    assert spoken(enter) == ["Tast det telefonnummer, sekretariatet skal ringe til, med 8 cifre."]
    assert action(enter)[0] == "8"
    bad = step(twilio, enter, {"Digits": "123", "From": caller})
    refused = "Det nummer kan sekretariatet ikke ringe op. Brug et dansk telefonnummer med 8 cifre."
    assert spoken(bad)[0] == refused
    read = step(twilio, bad, {"Digits": "40506070", "From": caller})
    assert spoken(read)[0].startswith("Sekretariatet ringer til fyrre, halvtreds, treds, halvfjerds.")
    # The keyed number travels sealed: never as digits in the URL Twilio keeps.
    gather = read.find("Gather")
    assert gather is not None
    assert "40506070" not in gather.get("action", "")
    assert "cb" in action(read)[1]
    step(twilio, read, {"Digits": "1", "From": caller})
    desk = CallbackPages.of(line_app).desk
    assert desk is not None
    assert [item.number for item in desk.pending("test", clock_of(line_app)())] == ["+4540506070"]


def test_two_keys_in_another_number_and_other_keys_mean_the_main_menus(line_app: Flask) -> None:
    twilio = TwilioClient(line_app.test_client())
    read = step(twilio, twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"}), {"Digits": "1"})
    assert action(step(twilio, read, {"Digits": "2"}))[0] == "8"
    menu = step(twilio, read, {"Digits": "#"})
    assert action(menu)[1] == {"menu": "main", "tries": "0"}


def test_the_callback_menus_take_keys_only(line_app: Flask) -> None:
    twilio = TwilioClient(line_app.test_client())
    offered = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"})
    read = step(twilio, offered, {"Digits": "1"})
    for menu in (offered, read):
        gather = menu.find("Gather")
        assert gather is not None
        assert gather.get("input") == "dtmf"
        assert gather.get("hints") is None
    # Words sent anyway (a section's name stands for key 1) are taken for no choice: nobody goes on the list.
    said = step(twilio, read, {"SpeechResult": "hvad er en rodblokade", "Confidence": "0.95"})
    assert spoken(said)[0] == "Det forstod jeg desværre ikke."
    assert action(said)[1] == {"menu": "callback_confirm", "tries": "1"}
    desk = CallbackPages.of(line_app).desk
    assert desk is not None
    assert desk.pending("test", clock_of(line_app)()) == []
    # The main menu it came from listens for speech as before.
    main = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "#"})
    gather = main.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf speech"


def test_the_number_never_reaches_a_log_or_the_statistics(
    line_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    heard: list[CallEvent] = []
    Webhook.of(line_app).observers.append(heard.append)
    twilio = TwilioClient(line_app.test_client())
    offered = twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0", "From": "anonymous"})
    enter = step(twilio, offered, {"Digits": "1", "From": "anonymous"})
    read = step(twilio, enter, {"Digits": "61718191", "From": "anonymous"})
    step(twilio, read, {"Digits": "1", "From": "anonymous"})
    assert [event.event for event in heard][-1] == "callback_requested"
    assert all(event.key is None or len(event.key) == 1 for event in heard)
    for record in caplog.records:
        assert "61718191" not in record.getMessage() + repr(record.__dict__)


def test_without_a_key_no_callback_is_offered(make_app: Callable[..., Flask], clock: FixedClock) -> None:
    clock.at = CLOSED_TIME
    root = TwilioClient(make_app().test_client()).twiml("/voice/key?menu=main&tries=0", {"Digits": "0"})
    assert OFFER not in spoken(root)
    assert action(root)[1]["menu"] == "main"


def test_a_bad_key_stops_the_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(
        Exception, match="IVR_CALLBACK_KEY=\\(hidden\\): must be a key made by `ivr callback-key`"
    ):
        make_app({"CALLBACK_KEY": "not-a-key"})


def test_trial_calls_never_reach_the_real_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "stats.sqlite"
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("IVR_CALLBACK_KEY", KEY)
    result = CliRunner().invoke(main, ["call", "--keys", "0 1 1", "--at", "2026-11-25T15:00", "--json"])
    assert result.exit_code == 0, result.output
    said = [step_.get("text") for step_ in json.loads(result.output)["steps"]]
    assert "Tak. Sekretariatet ringer dig op i morgen mellem klokken 10 og 14." in said
    # Nothing was written: not even the database was made.
    assert not database.exists()


# Staff: the list, the buttons, the command.


@pytest.fixture
def staff_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(CALLBACKS | STAFF)


def login() -> Headers:
    headers = Headers()
    headers.set(
        "Authorization",
        "Basic " + __import__("base64").b64encode(b"sekretaer:en-lang-hemmelighed-1").decode(),
    )
    return headers


def test_staff_see_the_list_and_mark_calls(staff_app: Flask, clock: FixedClock) -> None:
    desk = CallbackPages.of(staff_app).desk
    assert desk is not None
    now = clock_of(staff_app)()
    desk.ask("rodblokade", "+4520304050", now - timedelta(hours=2))
    desk.ask("rodblokade", "+4540506070", now - timedelta(hours=1))
    client: FlaskClient = staff_app.test_client()
    assert client.get("/staff/callbacks").status_code == 401
    page = client.get("/staff/callbacks", headers=login()).get_data(as_text=True)
    assert page.index("20 30 40 50") < page.index("40 50 60 70")  # oldest first
    assert "Ringet op" in page
    assert "Ikke truffet" in page
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    first = desk.pending("test", now)[0].id
    # No token, or another: refused; nothing changes.
    assert client.post(f"/staff/callbacks/{first}/done", headers=login()).status_code == 400
    assert (
        client.post(f"/staff/callbacks/{first}/done", data={"token": "x" * 64}, headers=login()).status_code
        == 400
    )
    # "Ringet op" asks once, on a page of its own; nothing changes until it is answered.
    asking = client.get(f"/staff/callbacks/{first}/done", headers=login()).get_data(as_text=True)
    assert "Har du ringet op?" in asking
    assert "20 30 40 50" in asking
    assert all(item.done_at is None for item in desk.pending("test", now))
    answer = client.post(f"/staff/callbacks/{first}/done", data={"token": token}, headers=login())
    assert answer.status_code == 303
    listed = client.get("/staff/callbacks?note=done", headers=login()).get_data(as_text=True)
    waiting, recent = listed.split("Ringet op for lidt siden", 1)
    assert "20 30 40 50" not in waiting
    assert "20 30 40 50" in recent
    assert "af sekretaer" in recent
    # Undone within the minute: it waits again.
    undo = client.post(f"/staff/callbacks/{first}/undone", data={"token": token}, headers=login())
    assert undo.status_code == 303
    assert "Ringet op for lidt siden" not in client.get("/staff/callbacks", headers=login()).get_data(
        as_text=True
    )
    log = [(who, what) for _, who, what, _ in desk.access_log()]
    assert ("sekretaer", "viewed") in log
    assert ("sekretaer", "done") in log
    assert ("sekretaer", "undone") in log
    # A minute after "Ringet op" it is too late: the number is gone.
    assert (
        client.post(f"/staff/callbacks/{first}/done", data={"token": token}, headers=login()).status_code
        == 303
    )
    clock.at = now + timedelta(seconds=61)
    late = client.post(f"/staff/callbacks/{first}/undone", data={"token": token}, headers=login())
    assert late.status_code == 404
    assert "kan ikke længere fortrydes" in late.get_data(as_text=True)
    assert client.get(f"/staff/callbacks/{first}/done", headers=login()).status_code == 404


def _page_token(client: FlaskClient, headers: Headers) -> str:
    page = client.get("/staff/callbacks", headers=headers).get_data(as_text=True)
    return page.split('name="token" value="', 1)[1].split('"', 1)[0]


def test_a_form_token_works_for_a_working_day_and_for_its_own_user_only(
    make_app: Callable[..., Flask], clock: FixedClock
) -> None:
    app = make_app(CALLBACKS | STAFF | {"DEVELOPMENT": False})
    desk = CallbackPages.of(app).desk
    assert desk is not None
    client = app.test_client()
    for n in range(3):
        desk.ask("rodblokade", f"+452030405{n}", clock() - timedelta(hours=1))
    first, second, third = (item.id for item in desk.pending("test", clock()))
    token = _page_token(client, login())
    mark = f"/staff/callbacks/{first}/done"

    # Forged: the right shape with another signature, or signed with another key.
    forged = token.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert client.post(mark, data={"token": forged}, headers=login()).status_code == 400
    other_key = ClockSigner(b"another key", clock, CallbackPages.salt).sign("sekretaer").decode()
    assert client.post(mark, data={"token": other_key}, headers=login()).status_code == 400
    # Another user's token (signed by this app) is not this user's.
    assert (
        client.post(
            mark,
            data={
                "token": ClockSigner(CallbackPages.of(app).key, clock, CallbackPages.salt)
                .sign("udvikling")
                .decode()
            },
            headers=login(),
        ).status_code
        == 400
    )

    # Eleven hours later the page's buttons still work; past twelve hours they do not.
    start = clock.at
    clock.at = start + timedelta(hours=11)
    assert client.post(mark, data={"token": token}, headers=login()).status_code == 303
    clock.at = start + timedelta(seconds=FORM_TOKEN_SECONDS + 1)
    answer = client.post(f"/staff/callbacks/{second}/done", data={"token": token}, headers=login())
    assert answer.status_code == 400
    assert "for gammel" in answer.get_data(as_text=True)
    # A token dated ahead of the clock (a clock set back, or a made-up token) is refused too.
    clock.at = start - timedelta(minutes=5)
    assert (
        client.post(f"/staff/callbacks/{third}/done", data={"token": token}, headers=login()).status_code
        == 400
    )
    assert [item.id for item in desk.pending("test", clock()) if item.done_at is None] == [second, third]


def test_the_command_lists_the_waiting_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = f"sqlite:///{tmp_path / 'stats.sqlite'}"
    monkeypatch.setenv("IVR_DATABASE_URL", database)
    monkeypatch.setenv("IVR_CALLBACK_KEY", KEY)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    kept = Database(database)
    CallbackDesk(kept, KEY, b"k", 7).ask("rodblokade", "+4520304050", system_clock())
    kept.dispose()
    result = CliRunner().invoke(main, ["callbacks", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["line"], row["number"], row["attempts"], row["keyed"]) == (
        "rodblokade",
        "+4520304050",
        0,
        False,
    )
    assert "(eget nummer)" in CliRunner().invoke(main, ["callbacks"]).output
    monkeypatch.delenv("IVR_CALLBACK_KEY")
    refused = CliRunner().invoke(main, ["callbacks"])
    assert refused.exit_code == 2
    assert "IVR_CALLBACK_KEY er ikke sat" in refused.output
    assert len(CliRunner().invoke(main, ["callback-key"]).output.strip()) == 44


@pytest.mark.slow
def test_in_a_browser_the_secretariat_works_the_list(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    from werkzeug.serving import make_server  # noqa: PLC0415

    from tests.support import chromium  # noqa: PLC0415

    app = make_app({**CALLBACKS, **STAFF, "DATABASE_URL": f"sqlite:///{tmp_path / 'list.sqlite'}"})
    desk = CallbackPages.of(app).desk
    assert desk is not None
    now = clock_of(app)()
    desk.ask("rodblokade", "+4520304050", now - timedelta(hours=3))
    desk.ask("rodblokade", "+4540506070", now - timedelta(hours=1))
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with chromium() as browser:
            context = browser.new_context(
                http_credentials={"username": STAFF["STAFF_USER"], "password": STAFF["STAFF_PASSWORD"]}
            )
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_port}/staff/callbacks")
            rows = page.locator("tbody tr")
            assert rows.count() == 2
            assert "20 30 40 50" in rows.nth(0).inner_text()
            page.get_by_role("button", name="Ikke truffet: 20 30 40 50").click()
            page.wait_for_selector(".note")
            assert "Markeret som ikke truffet." in page.locator(".note").inner_text()
            assert page.locator("tbody tr").nth(0).locator("td").nth(4).inner_text() == "1 (sidst sekretaer)"
            page.get_by_role("button", name="Ringet op: 40 50 60 70").click()
            page.get_by_role("button", name="Ja, ringet op").click()
            page.wait_for_url("**note=done")
            assert "kan det fortrydes" in page.locator(".note").inner_text()
            page.get_by_role("button", name="Fortryd ringet op: 40 50 60 70").click()
            page.wait_for_url("**note=undone")
            assert "venter igen" in page.locator(".note").inner_text()
            assert page.locator("tbody tr").count() == 2
            context.close()
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()
    actions = [what for _, who, what, _ in desk.access_log() if who == STAFF["STAFF_USER"]]
    assert actions == ["viewed", "not_reached", "viewed", "viewed", "done", "viewed", "undone", "viewed"]


def test_the_preview_takes_a_callback_without_touching_the_list(make_app: Callable[..., Flask]) -> None:
    app = make_app({**CALLBACKS, "DEVELOPMENT": True, "TWILIO_AUTH_TOKEN": None})
    client = app.test_client()
    steps = client.post(
        "/preview/call", json={"keys": ["0", "1", "1"], "at": "2026-11-25T15:00", "dial": "completed"}
    ).get_json()["steps"]
    said = [step.get("text") for step in steps]
    assert "Tak. Sekretariatet ringer dig op i morgen mellem klokken 10 og 14." in said
    desk = CallbackPages.of(app).desk
    assert desk is not None
    assert desk.pending("test", clock_of(app)()) == []
