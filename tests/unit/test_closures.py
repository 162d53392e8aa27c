"""Staff's closures: the schedule with them, reading them as staff write them, the book, `ivr closed`, the
staff page, and a call hearing the reason."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from ivr.cli import main
from ivr.closures.book import ClosureBook
from ivr.closures.live import LiveClosures
from ivr.closures.spans import RefusedError, span
from ivr.closures.web import ClosurePages
from ivr.db import Database
from ivr.line.content_loader import load_content
from ivr.line.schedule import ClosedPeriod, Schedule
from tests.support import CPH, OPEN_TIME, FixedClock, TwilioClient, spoken

HOURS = load_content().hours
WEDNESDAY = OPEN_TIME.date()  # 2026-11-25, open 10-14


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Copenhagen time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=CPH)


def test_a_part_day_closure_splits_the_day_and_says_why() -> None:
    schedule = Schedule(HOURS, [ClosedPeriod(at(25, 11), at(25, 12, 30), "personalemøde")])
    before = schedule.status(at(25, 10, 30))
    assert before.open
    assert before.closes == at(25, 11)
    during = schedule.status(at(25, 11, 15))
    assert not during.open
    assert during.closed_for == "personalemøde"
    assert during.next_opening == at(25, 12, 30)
    after = schedule.status(at(25, 13))
    assert after.open
    assert after.closes == at(25, 14)
    assert after.closed_for is None
    # After the day's hours the reason is not said: the secretariat would be closed anyway.
    assert schedule.status(at(25, 15)).closed_for is None


def test_a_whole_week_closed_opens_on_the_monday_after() -> None:
    schedule = Schedule(HOURS, [ClosedPeriod(at(23, 0), at(30, 0), "kursus")])
    status = schedule.status(at(25, 11))
    assert not status.open
    assert status.closed_for == "kursus"
    assert status.next_opening == at(30, 10)
    assert schedule.closure(WEDNESDAY) is not None
    assert [day.day for day, why in schedule.closed_days(2026) if why.kind == "staff"] == [23, 24, 25, 26, 27]


def test_the_cached_status_ends_when_a_closure_begins() -> None:
    schedule = Schedule(HOURS, [ClosedPeriod(at(25, 10, 30), at(25, 11), "brandøvelse")])
    assert schedule.status(at(25, 9)).closed_for is None
    # Same answer for "open next" from 9:00, but at 10:40 the reason is said.
    assert schedule.status(at(25, 10, 40)).closed_for == "brandøvelse"


@pytest.mark.parametrize(
    ("first", "until", "from_time", "to_time", "starts", "ends"),
    [
        ("2026-11-26", None, None, None, at(26, 0), at(27, 0)),
        ("2026-11-26", None, "12:00", None, at(26, 12), at(27, 0)),
        ("2026-11-26", "2026-11-27", None, "12:00", at(26, 0), at(27, 12)),
        ("2026-W49", None, None, None, datetime(2026, 11, 30, tzinfo=CPH), datetime(2026, 12, 7, tzinfo=CPH)),
        ("2026-11-26", "2026-W49", None, None, at(26, 0), datetime(2026, 12, 7, tzinfo=CPH)),
        ("nu", None, None, "13:00", OPEN_TIME, at(25, 13)),
        # This week: the rest of it.
        ("2026-W48", None, None, None, OPEN_TIME, at(30, 0)),
        # Earlier today is from now: that is what staff mean.
        ("2026-11-25", None, "09:00", "13.00", OPEN_TIME, at(25, 13)),
    ],
)
def test_closures_as_staff_write_them(
    first: str,
    until: str | None,
    from_time: str | None,
    to_time: str | None,
    starts: datetime,
    ends: datetime,
) -> None:
    read = span(first, " personale møde ", CPH, OPEN_TIME, until=until, from_time=from_time, to_time=to_time)
    assert (read.starts, read.ends, read.reason) == (starts, ends, "personale møde")


@pytest.mark.parametrize(
    ("first", "until", "from_time", "to_time", "reason", "says"),
    [
        ("2026-11-24", None, None, None, "kursus", "fortiden"),
        ("nu", None, None, "10:30", "kursus", "slutter"),
        ("2026-11-27", "2026-11-26", None, None, "kursus", "slutter"),
        ("2026-11-26", None, "13:00", "12:00", "kursus", "slutter"),
        ("26-11-2026", None, None, None, "kursus", "ikke en dag"),
        ("2026-W54", None, None, None, "kursus", "ikke en dag"),
        ("2026-11-26", None, "25:00", None, "kursus", "ikke et klokkeslæt"),
        ("2026-11-26", None, None, None, "  ", "Skriv en årsag"),
        ("2026-11-26", None, None, None, "et meget langt og svært møde", "for lang"),
        ("2026-11-26", "2027-06-01", None, None, "kursus", "længere end"),
    ],
)
def test_closures_refused_in_one_danish_sentence(
    first: str, until: str | None, from_time: str | None, to_time: str | None, reason: str, says: str
) -> None:
    with pytest.raises(RefusedError) as refused:
        span(first, reason, CPH, OPEN_TIME, until=until, from_time=from_time, to_time=to_time)
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.fixture
def book(database_url: str) -> Iterator[ClosureBook]:
    """The closures in SQLite or the real PostgreSQL."""
    database = Database(database_url)
    yield ClosureBook(database)
    database.dispose()


def test_the_book_refuses_an_overlap_and_logs_every_change(book: ClosureBook) -> None:
    first = book.add("rodblokade", span("2026-11-26", "kursus", CPH, OPEN_TIME), "anne", OPEN_TIME)
    with pytest.raises(RefusedError, match=f"overlapper lukning {first.id}"):
        book.add("rodblokade", span("2026-W48", "ferie", CPH, OPEN_TIME), "bo", OPEN_TIME)
    # Another line may close on the same day.
    book.add("knae", span("2026-11-26", "kursus", CPH, OPEN_TIME), "bo", OPEN_TIME)
    assert [(c.line, c.reason, c.made_by) for c in book.active(OPEN_TIME)] == [
        ("rodblokade", "kursus", "anne"),
        ("knae", "kursus", "bo"),
    ]
    assert book.remove(first.id, "bo", OPEN_TIME, CPH) is not None
    assert book.remove(first.id, "bo", OPEN_TIME, CPH) is None
    assert book.periods(OPEN_TIME) == {"knae": (ClosedPeriod(at(26, 0), at(27, 0), "kursus"),)}
    assert [(who, action) for _, who, action, *_ in book.log()] == [
        ("anne", "added"),
        ("bo", "added"),
        ("bo", "removed"),
    ]
    assert book.log()[0][5] == "torsdag 26.11.2026 til og med torsdag 26.11.2026: kursus"
    # Over: no longer active, still in the log.
    assert book.active(at(27, 1)) == []


def test_live_closures_are_read_again_after_their_time_to_live() -> None:
    reads: list[datetime] = []
    closed = (ClosedPeriod(at(25, 12), at(25, 13), "møde"),)
    now = [0.0]

    def read(moment: datetime) -> dict[str, tuple[ClosedPeriod, ...]]:
        reads.append(moment)
        return {"rodblokade": closed} if len(reads) > 1 else {}

    live = LiveClosures(read, ttl=3.0, wait=5.0, monotonic=lambda: now[0])
    assert live.closures("rodblokade", OPEN_TIME) == ()
    now[0] = 2.9
    assert live.closures("rodblokade", OPEN_TIME) == ()
    assert len(reads) == 1
    now[0] = 3.0
    assert live.closures("rodblokade", OPEN_TIME) == closed
    assert len(reads) == 2


def test_a_call_never_waits_long_on_a_database_that_hangs_or_fails(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    closed = (ClosedPeriod(at(25, 12), at(25, 13), "møde"),)

    def hang() -> dict[str, tuple[ClosedPeriod, ...]]:
        release.wait(10)  # until released
        return {}

    answers: list[Callable[[], dict[str, tuple[ClosedPeriod, ...]]]] = [lambda: {"rodblokade": closed}, hang]

    def read(_moment: datetime) -> dict[str, tuple[ClosedPeriod, ...]]:
        return answers.pop(0)()

    now = [0.0]
    live = LiveClosures(read, ttl=1.0, wait=0.2, monotonic=lambda: now[0])
    assert live.closures("rodblokade", OPEN_TIME) == closed
    now[0] = 5.0
    started = datetime.now()
    # The database hangs: the call goes on with the closures last read, after at most `wait`.
    assert live.closures("rodblokade", OPEN_TIME) == closed
    assert live.closures("rodblokade", OPEN_TIME) == closed  # the next call does not wait at all
    assert (datetime.now() - started).total_seconds() < 1.5
    assert "the database did not answer" in caplog.text
    release.set()

    def broken(_moment: datetime) -> dict[str, tuple[ClosedPeriod, ...]]:
        raise OSError("database down")

    never = LiveClosures(broken, wait=1.0)
    # Never read: the content file's hours alone.
    assert never.closures("rodblokade", OPEN_TIME) == ()
    assert "cannot be read (OSError)" in caplog.text


def test_a_caller_hears_why_staff_closed_the_line(make_app: Callable[..., Flask], clock: FixedClock) -> None:
    app = make_app()
    pages = ClosurePages.of(app)
    pages.book.add(
        "rodblokade", span("nu", "personalemøde", CPH, OPEN_TIME, to_time="12:30"), "anne", OPEN_TIME
    )
    twilio = TwilioClient(app.test_client())
    said = " ".join(spoken(twilio.twiml("/voice")))
    # Read before its time to live was up? The first call of a worker reads the closures.
    assert "Sekretariatet har lukket på grund af personalemøde. Det åbner igen i dag klokken 12.30." in said
    assert "I dag er det" not in said
    # Pressing 0 (the secretariat) is not put through either.
    assert twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"}).find("Dial") is None
    clock.at = at(25, 12, 45)
    assert twilio.twiml("/voice/key?menu=main&tries=0", {"Digits": "0"}).find("Dial") is not None


STAFF = {"STAFF_USER": "sekretaer", "STAFF_PASSWORD": "en-lang-hemmelighed-1", "DEVELOPMENT": False}
LOGIN = {"Authorization": "Basic c2VrcmV0YWVyOmVuLWxhbmctaGVtbWVsaWdoZWQtMQ=="}


def _token(client: FlaskClient) -> str:
    page = client.get("/staff/closed", headers=LOGIN).get_data(as_text=True)
    return page.split('name="token" value="', 1)[1].split('"', 1)[0]


def test_staff_close_the_line_from_the_page_and_callers_hear_it(make_app: Callable[..., Flask]) -> None:
    app = make_app(STAFF)
    client = app.test_client()
    assert client.get("/staff/closed").status_code == 401
    token = _token(client)
    sudden = {"token": token, "from_now": "1", "to_time": "13:00", "until": "2026-11-25", "reason": "sygdom"}
    answer = client.post("/staff/closed/add", data=sudden, headers=LOGIN)
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"], headers=LOGIN).get_data(as_text=True)
    assert "Lukningen er gemt" in page
    assert "onsdag 25.11.2026 kl. 11:00 til onsdag 25.11.2026 kl. 13:00" in page
    assert "(lukket nu)" in page
    assert "sekretaer lukkede nr. 1" in page
    # The change is heard on the next call (this worker reads again at once).
    said = " ".join(spoken(TwilioClient(client).twiml("/voice")))
    assert "Sekretariatet har lukket på grund af sygdom. Det åbner igen i dag klokken 13." in said
    # The start page says it too.
    start = client.get("/", headers=LOGIN).get_data(as_text=True)
    assert "sekretariatet har lukket nu (sygdom), åbner 25.11.2026 kl. 13:00" in start

    removed = client.post("/staff/closed/1/remove", data={"token": token}, headers=LOGIN)
    assert removed.status_code == 303
    said = " ".join(spoken(TwilioClient(client).twiml("/voice")))
    assert "på grund af sygdom" not in said
    log = ClosurePages.of(app).book.log()
    assert [(who, action) for _, who, action, *_ in log] == [("sekretaer", "added"), ("sekretaer", "removed")]


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"first": "2026-11-20", "reason": "kursus"}, "Lukningen ligger i fortiden"),
        ({"first": "2026-11-27", "until": "2026-11-26", "reason": "kursus"}, "før den begynder"),
        ({"first": "i morgen", "reason": "kursus"}, "er ikke en dag"),
        ({"first": "2026-11-26", "reason": ""}, "Skriv en årsag"),
    ],
)
def test_the_page_refuses_in_danish_and_keeps_what_was_typed(
    make_app: Callable[..., Flask], form: dict[str, str], says: str
) -> None:
    client = make_app(STAFF).test_client()
    answer = client.post("/staff/closed/add", data={"token": _token(client), **form}, headers=LOGIN)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert says in page.split('id="refusal">', 1)[1].split("</p>", 1)[0]
    assert f'value="{form["first"]}"' in page


def test_the_page_refuses_an_overlap_and_a_forged_token(make_app: Callable[..., Flask]) -> None:
    client = make_app(STAFF).test_client()
    token = _token(client)
    week = {"token": token, "first": "2026-W49", "reason": "ferie"}
    assert client.post("/staff/closed/add", data=week, headers=LOGIN).status_code == 303
    day = {"token": token, "first": "2026-12-02", "from_time": "12:00", "reason": "møde"}
    overlap = client.post("/staff/closed/add", data=day, headers=LOGIN)
    assert overlap.status_code == 400
    assert "overlapper lukning 1" in overlap.get_data(as_text=True)
    forged = client.post("/staff/closed/add", data={**day, "token": token + "x"}, headers=LOGIN)
    assert forged.status_code == 400
    assert "Siden er for gammel" in forged.get_data(as_text=True)
    assert client.post("/staff/closed/9/remove", data={"token": token}, headers=LOGIN).status_code == 404


def _ivr(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_ivr_closed_add_list_remove_and_hours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", f"sqlite:///{tmp_path / 'line.sqlite'}")
    assert _ivr("db", "upgrade")[0] == 0
    # The commands read the wall clock: next year, on a Wednesday (an opening day whatever the year).
    next_year = datetime.now(CPH).year + 1
    wednesday = date.fromisocalendar(next_year, 32, 3).isoformat()
    code, said = _ivr("closed", "add", f"{next_year}-W29", "--reason", "sommerferie")
    assert code == 0, said
    assert said.startswith("Lukning 1 gemt (rodblokade): mandag ")
    code, said = _ivr("closed", "add", wednesday, "--from", "12:00", "--to", "14:00", "--reason", "møde")
    assert code == 0, said
    code, listed = _ivr("closed", "list", "--json")
    rows = json.loads(listed)
    assert [(row["id"], row["reason"], row["hours"]) for row in rows] == [
        (1, "sommerferie", None),
        (2, "møde", ["12:00", "14:00"]),
    ]
    assert rows[1]["days"] == [wednesday, wednesday]
    assert rows[0]["who"].startswith("ivr closed (")
    code, hours = _ivr("hours", "--at", f"{wednesday}T12:30", "--json")
    assert json.loads(hours)["closed_for"] == "møde"
    assert not json.loads(hours)["open"]
    code, said = _ivr("closed", "add", wednesday, "--from", "13:00", "--reason", "andet")
    assert code == 2
    assert said.count("\n") == 1
    assert "overlapper lukning 2" in said
    assert _ivr("closed", "add", "2020-01-06", "--reason", "x")[0] == 2
    assert _ivr("closed", "remove", "2")[0] == 0
    assert _ivr("closed", "remove", "2") == (
        2,
        "Fejl: Der er ingen lukning 2 (ivr closed list viser dem, der er).\n",
    )
    assert [row["id"] for row in json.loads(_ivr("closed", "list", "--json")[1])] == [1]


def test_a_line_may_word_staff_s_reason_its_own_way(tmp_path: Path) -> None:
    from ivr.line.content_loader import ContentError, default_path  # noqa: PLC0415

    shipped = default_path().read_text(encoding="utf-8")
    marker = "[templates]\n"
    own = tmp_path / "own.toml"
    own.write_text(
        shipped.replace(marker, marker + 'closed_for = "Vi har lukket ({reason}). Vi åbner {when}."\n')
    )
    said = load_content(own).closed(("i morgen",), closed_for="kursus").text
    assert said == "Vi har lukket (kursus). Vi åbner i morgen."
    assert (
        load_content()
        .closed(("i morgen",), closed_for="kursus")
        .text.startswith("Sekretariatet har lukket på")
    )
    broken = tmp_path / "broken.toml"
    broken.write_text(shipped.replace(marker, marker + 'closed_for = "Vi har lukket. Vi åbner {when}."\n'))
    with pytest.raises(ContentError) as refused:
        load_content(broken)
    assert "templates.closed_for: skal indeholde {reason}, {when}" in str(refused.value)
