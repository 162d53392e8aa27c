"""The staff statistics page: only with the staff credentials, and not at all without them."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import create_app

USER, PASSWORD = "personale", "rigtig-hemmelig"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def staff_app(config: dict[str, Any], app: Flask) -> Flask:
    # `app` first, so its clean environment applies here too.
    return create_app({**config, "STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})


def test_the_page_does_not_exist_without_configured_credentials(client: FlaskClient) -> None:
    assert client.get("/staff/stats").status_code == 404


def test_development_mode_shows_the_page_without_credentials(config: dict[str, Any], app: Flask) -> None:
    dev = create_app({**config, "TWILIO_AUTH_TOKEN": None, "DEVELOPMENT": True})
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


def test_a_bad_date_in_the_address_counts_as_none(staff_app: Flask) -> None:
    response = staff_app.test_client().get("/staff/stats?since=igår", headers=basic(USER, PASSWORD))
    assert response.status_code == 200


def test_an_unreadable_database_gives_a_polite_503(
    config: dict[str, Any], app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    broken = {**config, "DATABASE_URL": f"sqlite:///{blocker / 'stats.sqlite'}"}
    staff = create_app({**broken, "STAFF_USER": USER, "STAFF_PASSWORD": PASSWORD})
    response = staff.test_client().get("/staff/stats", headers=basic(USER, PASSWORD))
    assert response.status_code == 503
    assert "could not read the call events" in caplog.text
