"""The staff statistics page, of one line or all: only with the staff credentials, never without them."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape, unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr.line.events import SPEECH_ROUTE
from ivr.stats.store import as_row
from ivr.stats.web import Statistics
from tests.support import ODD_DAYS, call_event

USER, PASSWORD = "personale", "rigtig-hemmelig"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def staff_app(make_app: Callable[..., Flask], app: Flask) -> Flask:
    # `app` first, so its clean environment applies here too.
    return make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})


def test_the_page_does_not_exist_without_configured_credentials(client: FlaskClient) -> None:
    assert client.get("/staff/stats").status_code == 404


def test_development_mode_shows_the_page_without_credentials(
    make_app: Callable[..., Flask], app: Flask
) -> None:
    dev = make_app({"TWILIO_AUTH_TOKEN": None, "DEVELOPMENT": True})
    response = dev.test_client().get("/staff/stats")
    assert response.status_code == 200
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    "headers",
    [{}, basic(USER, "forkert"), basic("en-anden", PASSWORD), {"Authorization": "Bearer " + PASSWORD}],
)
def test_the_page_asks_for_the_staff_credentials(staff_app: Flask, headers: dict[str, str]) -> None:
    response = staff_app.test_client().get("/staff/stats", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_the_page_shows_with_the_staff_credentials(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/staff/stats", headers=basic(USER, PASSWORD))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    # Nothing may be loaded from elsewhere: the policy allows this server's inline styles only.
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def page(app: Flask, query: str) -> TestResponse:
    """Fetch the statistics page with `query` as the staff would."""
    return app.test_client().get("/staff/stats?" + query, headers=basic(USER, PASSWORD))


def error_text(response: TestResponse) -> str:
    """Return the Danish message the page shows instead of the statistics."""
    found = re.search(r'<p id="error"[^>]*>(.*?)</p>', response.text, re.DOTALL)
    assert found is not None, response.text
    return unescape(found[1])


@pytest.mark.parametrize("day", [*ODD_DAYS, "igår"])
@pytest.mark.parametrize(("name", "label"), [("since", "fra og med"), ("until", "til og med")])
def test_an_odd_date_gets_a_400_page_naming_the_field(
    staff_app: Flask, day: str, name: str, label: str
) -> None:
    response = page(staff_app, urlencode({name: day}))
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    expected = f"Datoen »{label}« skal være en dato som 2026-11-01 mellem år 2000 og 2100."
    assert error_text(response) == expected
    # The form keeps what was typed, so it can be corrected.
    assert f'name="{name}" value="{escape(day)}"' in response.text
    assert 'id="calls"' not in response.text


def test_a_reversed_period_gets_a_400_page_saying_so(staff_app: Flask) -> None:
    response = page(staff_app, "since=2026-11-30&until=2026-11-01")
    assert response.status_code == 400
    assert error_text(response) == (
        "Datoen »fra og med« (2026-11-30) ligger efter datoen »til og med« (2026-11-01)."
    )


@pytest.mark.parametrize(
    "query", ["since=&until=", "since=2000-01-01&until=2100-12-31", "since=2026-11-25&until=2026-11-25"]
)
def test_empty_edge_and_one_day_periods_are_shown(staff_app: Flask, query: str) -> None:
    response = page(staff_app, query)
    assert response.status_code == 200
    assert 'id="error"' not in response.text
    assert 'id="calls"' in response.text


def test_an_unreadable_database_gives_a_polite_503(
    make_app: Callable[..., Flask], app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    broken = {"DATABASE_URL": f"sqlite:///{blocker / 'stats.sqlite'}"}
    staff = make_app({**broken, "STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})
    response = staff.test_client().get("/staff/stats", headers=basic(USER, PASSWORD))
    assert response.status_code == 503
    # The login's throttle reads the same database, so the page is refused there, closed, politely.
    assert "logins refused" in caplog.text


WEDNESDAY = "since=2026-11-25&until=2026-11-25"


@pytest.fixture
def lines_app(staff_app: Flask) -> Flask:
    """The staff app, its statistics holding calls of two lines and one from before lines, on 25 November."""
    at = datetime(2026, 11, 25, 10, tzinfo=UTC)
    events = [
        call_event("k1", at, "welcome", route="voice.welcome", line="knae"),
        call_event("k2", at, "welcome", route="voice.welcome", line="knae"),
        call_event("r1", at, "welcome", route="voice.welcome", line="rodblokade"),
        call_event("old", at, "welcome", route="voice.welcome"),
    ]
    Statistics.of(staff_app).store.add([as_row(event) for event in events])
    return staff_app


def links(html: str, label: str) -> list[tuple[str, str, bool]]:
    """The links of the page's navigation `label`: (text, address, marked as the one shown)."""
    nav = html[html.index(f'aria-label="{label}"') :].split("</nav>", 1)[0]
    found = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
    return [(text, unescape(href), bool(current)) for href, current, text in found]


def calls_shown(response: TestResponse) -> int:
    found = re.search(r'id="calls"><strong>(\d+)</strong>', response.text)
    assert found is not None, response.text
    return int(found[1])


@pytest.mark.parametrize(("line", "calls"), [("", 4), ("knae", 2), ("rodblokade", 1)])
def test_the_page_shows_one_line_or_all(lines_app: Flask, line: str, calls: int) -> None:
    response = page(lines_app, f"{WEDNESDAY}&line={line}")
    assert response.status_code == 200
    assert calls_shown(response) == calls
    said = re.search(r'<strong id="line">([^<]+)</strong>', response.text)
    assert said is not None
    # A line this deployment answers by its name; one known only from the statistics by its id.
    names = {"knae": "knae", "rodblokade": "Rodblokade i lænden"}
    assert said[1] == (f"Linje: {names[line]}" if line else "Alle linjer")


def test_the_line_picker_offers_every_line_in_the_period_shown(lines_app: Flask) -> None:
    html = page(lines_app, f"{WEDNESDAY}&line=knae").text
    picker = links(html, "Linjer")
    # The lines of the statistics, by name (by id when this deployment no longer answers it); the events
    # from before lines count only among all lines.
    assert [(text, current) for text, _, current in picker] == [
        ("Alle linjer", False),
        ("knae", True),
        ("Rodblokade i lænden", False),
    ]
    for _, href, _ in picker:
        assert "since=2026-11-25" in href
        assert "until=2026-11-25" in href
    assert [
        calls_shown(lines_app.test_client().get(href, headers=basic(USER, PASSWORD))) for _, href, _ in picker
    ] == [4, 2, 1]
    # The periods stay on the line shown, and so does the form.
    for _, href, _ in links(html, "Perioder"):
        assert "line=knae" in href
        assert lines_app.test_client().get(href, headers=basic(USER, PASSWORD)).status_code == 200
    assert '<input type="hidden" name="line" value="knae">' in html


def test_all_lines_are_picked_when_no_line_is_named(lines_app: Flask) -> None:
    html = page(lines_app, "period=alt").text
    assert links(html, "Linjer")[0] == ("Alle linjer", "/staff/stats?period=alt", True)
    assert all("line=" not in href for _, href, _ in links(html, "Perioder"))
    assert 'name="line"' not in html


def test_a_line_the_deployment_answers_is_shown_before_its_first_call(staff_app: Flask) -> None:
    response = page(staff_app, f"{WEDNESDAY}&line=rodblokade")
    assert response.status_code == 200
    assert calls_shown(response) == 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("ukendt", "Statistikken kender ingen linje »ukendt«. Vælg en af linjerne ovenfor."),
        ("Knae", "Linjen skal være en linjes id som rodblokade: a-z, 0-9 og -, højst 40 tegn."),
        ("knæ", "Linjen skal være en linjes id som rodblokade: a-z, 0-9 og -, højst 40 tegn."),
        ("x" * 41, "Linjen skal være en linjes id som rodblokade: a-z, 0-9 og -, højst 40 tegn."),
        ("<script>", "Linjen skal være en linjes id som rodblokade: a-z, 0-9 og -, højst 40 tegn."),
    ],
)
def test_an_unknown_or_odd_line_gets_a_400_page_saying_so(lines_app: Flask, line: str, message: str) -> None:
    response = page(lines_app, urlencode({"since": "2026-11-25", "line": line}))
    assert response.status_code == 400
    assert error_text(response) == message
    assert 'id="calls"' not in response.text
    assert "<script>" not in response.text
    # The pickers stay, to choose a line that is there; the period asked for is kept.
    picker = links(response.text, "Linjer")
    assert [text for text, _, _ in picker] == ["Alle linjer", "knae", "Rodblokade i lænden"]
    assert picker[1][1] == "/staff/stats?since=2026-11-25&line=knae"


def choices_shown(response: TestResponse) -> list[list[str]]:
    """The rows of the page's table of choices by speech and by key, as the cells' texts."""
    found = re.search(r'<table id="choices">(.*?)</table>', response.text, re.DOTALL)
    assert found is not None, response.text
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found[1], re.DOTALL)
    return [[unescape(cell) for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)] for row in rows]


def test_the_page_shows_which_choices_came_by_speech_and_which_by_key(staff_app: Flask) -> None:
    at = datetime(2026, 11, 25, 10, tzinfo=UTC)
    events = [
        call_event("a", at, "welcome", route="voice.welcome", line="rodblokade"),
        call_event("a", at, "section", menu="3", key="3", route=SPEECH_ROUTE, line="rodblokade"),
        call_event("a", at, "section", menu="1", key="1", line="rodblokade"),
        call_event("a", at, "transfer_closed", key="0", route=SPEECH_ROUTE, line="rodblokade"),
        call_event("k", at, "welcome", route="voice.welcome", line="knae"),
        call_event("k", at, "repeat", key="*", line="knae"),
    ]
    Statistics.of(staff_app).store.add([as_row(event) for event in events])
    assert choices_shown(page(staff_app, WEDNESDAY)) == [
        ["Valg", "Ved tale", "Ved tast"],
        ["valgte et afsnit", "1", "1"],
        ["bad om at høre igen", "0", "1"],
        ["omstilling uden for åbningstiden", "1", "0"],
        ["I alt", "2", "2"],
    ]
    assert choices_shown(page(staff_app, f"{WEDNESDAY}&line=knae"))[1:] == [
        ["bad om at høre igen", "0", "1"],
        ["I alt", "0", "1"],
    ]
    # A period without choices says so rather than showing an empty table.
    empty = page(staff_app, "since=2026-11-26&until=2026-11-26")
    assert 'id="choices"' not in empty.text
    assert "Ingen valg i perioden." in empty.text
