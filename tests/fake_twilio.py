"""Twilio's Messages API as the twilio client sees it: a real HTTP server on loopback, in a thread.

It answers POST /2010-04-01/Accounts/{sid}/Messages.json as Twilio does (201 and the message's JSON), checks
HTTP basic auth, and records every request. Each request is answered by the next mode planned, else by the
server's `mode`: "ok", "error" (500), "slow" (answers after `slow_seconds`, longer than a client's timeout)
or "refused" (400, Twilio's error 21211, whose message quotes the number as Twilio's does).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import parse_qs

Mode = Literal["ok", "error", "slow", "refused"]
PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json")
ACCOUNT = "AC" + "0" * 31 + "1"
TOKEN = "fake-auth-token"


@dataclass(frozen=True)
class Received:
    """One request as the server read it."""

    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    mode: str


class FakeTwilio:
    """The fake Messages API; use as a context manager, or start() and close()."""

    def __init__(
        self, mode: Mode = "ok", *, account: str = ACCOUNT, token: str = TOKEN, slow_seconds: float = 1.0
    ) -> None:
        self.mode: Mode = mode
        self.account, self.token, self.slow_seconds = account, token, slow_seconds
        self.received: list[Received] = []
        self._plan: deque[Mode] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._serve, name="fake-twilio", daemon=True)

    @property
    def url(self) -> str:
        """Return the base URL to give the client instead of https://api.twilio.com."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def plan(self, *modes: Mode) -> None:
        """Answer the next requests in these modes, in order; then in `mode` again."""
        with self._lock:
            self._plan.extend(modes)

    def _serve(self) -> None:
        # Polled often, so close() returns in a twentieth of a second rather than half a second.
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> FakeTwilio:
        self._thread.start()
        return self

    def close(self) -> None:
        """Wake any slow answer, stop serving and close the socket."""
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def answer(
        self, method: str, path: str, form: dict[str, str], auth: tuple[str, str] | None
    ) -> tuple[int, dict[str, object]]:
        """Record a request and return the status and JSON to answer it with."""
        with self._lock:
            mode = self._plan.popleft() if self._plan else self.mode
            self.received.append(Received(method, path, form, auth, mode))
        match = PATH.fullmatch(path)
        if method != "POST" or match is None:
            return HTTPStatus.NOT_FOUND, _error(20404, "The requested resource was not found", 404)
        if auth != (self.account, self.token) or match[1] != self.account:
            return HTTPStatus.UNAUTHORIZED, _error(20003, "Authenticate", 401)
        if mode == "error":
            return HTTPStatus.INTERNAL_SERVER_ERROR, _error(20500, "Internal Server Error", 500)
        if mode == "refused":
            message = f"The 'To' number {form.get('To', '')} is not a valid phone number."
            return HTTPStatus.BAD_REQUEST, _error(21211, message, 400)
        if mode == "slow":
            self._stop.wait(self.slow_seconds)  # answered late, after the client has given up
        return HTTPStatus.CREATED, self._message(form)

    def _message(self, form: dict[str, str]) -> dict[str, object]:
        """Return a created message's JSON, in the fields and shape Twilio answers with."""
        sid = f"SM{next(self._sids):032x}"
        uri = f"/2010-04-01/Accounts/{self.account}/Messages/{sid}"
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        return {
            "account_sid": self.account,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form.get("To"),
            "uri": f"{uri}.json",
        }


def _error(code: int, message: str, status: int) -> dict[str, object]:
    """Return Twilio's error JSON."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    """Return the user and password of a Basic Authorization header, or None."""
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except ValueError:
        return None
    return user, password


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    """Return a request handler class that answers through `fake`."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            form = {name: values[-1] for name, values in parse_qs(raw, keep_blank_values=True).items()}
            auth = _basic_auth(self.headers.get("Authorization"))
            status, payload = fake.answer(self.command, self.path, form, auth)
            body = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting (a slow answer): nothing to tell it

        def log_message(self, format: str, *args: object) -> None:
            """Keep quiet: the tests read `received`."""

    return Handler
