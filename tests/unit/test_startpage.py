"""The start page: in development or behind the staff login it links to every staff page; else it is 404."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from flask import Flask

STAFF = {"STAFF_USER": "personale", "STAFF_PASSWORD": "en-lang-hemmelighed"}
AUTH = {"Authorization": "Basic " + base64.b64encode(b"personale:en-lang-hemmelighed").decode()}


@pytest.fixture
def dev_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app({"TWILIO_AUTH_TOKEN": None, "DEVELOPMENT": True})


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


def test_without_development_or_a_staff_login_there_is_no_start_page(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/").status_code == 404
    assert client.get("/staff/menu.svg").status_code == 404


def test_in_development_the_start_page_links_to_every_staff_page(dev_app: Flask) -> None:
    client = dev_app.test_client()
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "Prøv linjen" in html
    assert "Statistik" in html
    assert links(html) == [
        "/preview/",
        "/staff/stats",
        "/staff/callbacks",
        "/staff/closed",
        "/staff/content",
        "/staff/menu.svg",
        "/healthz",
    ]
    for link in links(html):
        assert client.get(link).status_code == 200, link


def test_behind_the_staff_login_the_start_page_asks_for_it(make_app: Callable[..., Flask]) -> None:
    client = make_app(STAFF).test_client()
    assert client.get("/").status_code == 401
    response = client.get("/", headers=AUTH)
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_menu_picture_is_the_line_drawn(dev_app: Flask) -> None:
    pytest.importorskip("graphviz")
    response = dev_app.test_client().get("/staff/menu.svg")
    if response.status_code == 503:
        pytest.skip("Graphviz's dot is not installed")
    assert response.mimetype == "image/svg+xml"
    assert ET.fromstring(response.data).tag.endswith("svg")
    assert "Hovedmenu" in response.get_data(as_text=True) or "hovedmenu" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["/preview/", "/staff/stats", "/staff/callbacks", "/staff/content"])
def test_each_staff_page_links_to_the_others(dev_app: Flask, page: str) -> None:
    html = dev_app.test_client().get(page).get_data(as_text=True)
    nav = html[html.index('<nav class="staff-nav"') : html.index("</nav>")]
    assert links(nav) == [
        "/",
        "/preview/",
        "/staff/stats",
        "/staff/callbacks",
        "/staff/closed",
        "/staff/content",
        "/staff/menu.svg",
        "/healthz",
    ]
