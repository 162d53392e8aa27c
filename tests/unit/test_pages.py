"""Every HTML page the app answers, error pages included, carries the page headers and one policy."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from flask import Flask, Response
from werkzeug.test import TestResponse

from ivr.callbacks.desk import new_key

USER, PASSWORD = "personale", "rigtig-hemmelig"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@pytest.fixture
def staff_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})


def policy(response: TestResponse) -> dict[str, str]:
    """Return the response's one Content-Security-Policy as {directive: sources}."""
    policies = response.headers.getlist("Content-Security-Policy")
    assert len(policies) == 1, policies
    directives = [part.strip().split(" ", 1) for part in policies[0].split(";")]
    names = [name for name, *_ in directives]
    assert len(names) == len(set(names)), policies[0]
    return {name: sources[0] if sources else "" for name, *sources in directives}


def assert_protected(response: TestResponse) -> None:
    """Check the page headers and that no site may frame the page or move its base URL."""
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.request.path)
    directives = policy(response)
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["default-src"] == "'none'"


def get_routes(app: Flask) -> list[str]:
    """Return a URL for every GET route of the app, with 'x' (or 1, for a number) for each variable part."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()):
            try:
                built = rule.build(dict.fromkeys(rule.arguments, "x"), append_unknown=False)
            except ValueError:  # an <int:...> part
                built = rule.build(dict.fromkeys(rule.arguments, 1), append_unknown=False)
            assert built is not None
            urls.append(built[1])
    return urls


def test_every_html_answer_of_every_get_route_is_protected(staff_app: Flask) -> None:
    client = staff_app.test_client()
    html = {}
    for url in get_routes(staff_app):
        for headers in (AUTH, {}):  # with the staff login, and without it (401 pages)
            response = client.get(url, headers=headers)
            if response.mimetype == "text/html":
                assert_protected(response)
                html[url, bool(headers)] = response.status_code
    # The walk did reach the pages, their login refusals and the file routes' 404s.
    assert html[("/preview/", True)] == html[("/staff/stats", True)] == 200
    assert html[("/preview/", False)] == html[("/staff/stats", False)] == 401
    assert html[("/audio/x", True)] == 404


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/no-such-page", 404),
        ("GET", "/staff/stats?since=9999-12-31", 400),
        ("POST", "/preview/call", 400),
        ("POST", "/healthz", 405),
        ("GET", "/preview/call", 405),
    ],
)
def test_error_pages_are_protected(staff_app: Flask, method: str, url: str, status: int) -> None:
    response = staff_app.test_client().open(url, method=method, headers=AUTH)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert_protected(response)


def test_the_500_page_is_protected(staff_app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("a fault in a page")

    staff_app.add_url_rule("/broken", "broken", broken)
    staff_app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not raise into the test
    response = staff_app.test_client().get("/broken")
    assert response.status_code == 500
    assert "a fault in a page" not in response.text
    assert_protected(response)


def test_the_preview_may_load_exactly_its_own_script_style_and_audio(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/preview/", headers=AUTH)
    assert policy(response) == {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "connect-src": "'self'",
        "media-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
    }


def test_the_statistics_keep_their_inline_style_and_no_store(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/staff/stats", headers=AUTH)
    assert policy(response) == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_a_view_s_own_policy_is_kept_but_can_never_allow_framing(staff_app: Flask) -> None:
    own = "default-src 'self'; frame-ancestors https://elsewhere.example; upgrade-insecure-requests"
    staff_app.add_url_rule(
        "/own", "own", lambda: Response("<p>hej</p>", headers={"Content-Security-Policy": own})
    )
    response = staff_app.test_client().get("/own")
    assert policy(response) == {
        "default-src": "'self'",
        "frame-ancestors": "'none'",
        "upgrade-insecure-requests": "",
        "base-uri": "'none'",
    }


def test_answers_that_are_not_html_are_left_alone(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/healthz")
    assert response.mimetype == "application/json"
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize("which", ["app", "staff_app"])
def test_a_browser_asking_for_an_icon_is_told_there_is_none(
    which: str, request: pytest.FixtureRequest
) -> None:
    # Browsers ask on every page that names no icon (/healthz's JSON, the menu's SVG); a 404 there is an
    # error in their console. No login: the answer says nothing about the line.
    flask_app: Flask = request.getfixturevalue(which)
    response = flask_app.test_client().get("/favicon.ico")
    assert response.status_code == 204
    assert response.data == b""
    assert "max-age=86400" in response.headers["Cache-Control"]


def test_every_page_that_may_show_a_phone_number_is_never_stored(make_app: Callable[..., Flask]) -> None:
    app = make_app({"STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD, "CALLBACK_KEY": new_key()})
    client = app.test_client()
    pages = [url for url in get_routes(app) if url.startswith(("/staff/", "/preview/")) or url == "/"]
    assert {"/", "/staff/callbacks", "/staff/stats", "/preview/"} <= set(pages)
    for url in pages:
        for headers in (AUTH, {}):
            response = client.get(url, headers=headers)
            assert response.headers.get("Cache-Control") == "no-store", (url, response.status_code)
    keyed = client.post("/preview/call", json={"keys": ["0"], "at": "2026-11-25T15:00"}, headers=AUTH)
    assert keyed.status_code == 200
    assert keyed.headers["Cache-Control"] == "no-store"
    # A call's TwiML and the health check are not staff pages: left to their own headers.
    assert client.get("/healthz").headers.get("Cache-Control") != "no-store"
