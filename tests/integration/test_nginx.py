"""The shipped proxy (deploy/nginx.conf) in front of a real `ivr serve`: slow clients never hold a call."""

from __future__ import annotations

import base64
import configparser
import http.client
import math
import os
import re
import selectors
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.support import CALL, TOKEN, free_port, live_line

# Times what it does: `make test` runs it alone, after the rest.
pytestmark = pytest.mark.serial

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx.conf"
UNIT = ROOT / "deploy" / "rodblokade-linjen.service"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

needs_nginx = pytest.mark.skipif(
    not Path(NGINX).exists() and not os.environ.get("CI"),
    reason="Debian's nginx is not installed (apt-get install nginx); CI installs it",
)


def replace_once(text: str, old: str, new: str) -> str:
    """Replace `old`, which must stand exactly once in the shipped file, so a change to it fails here."""
    assert text.count(old) == 1, f"deploy/nginx.conf should hold {old!r} once"
    return text.replace(old, new)


def site_for_test(
    upstream_port: int, listen_port: int, cert: Path | None, access_log: Path | None = None
) -> str:
    """The shipped site, changed only where a test must: the line's port, TLS (or not) on loopback ports, the
    access log in the test's folder (or none)."""
    site = SHIPPED.read_text(encoding="utf-8")
    shipped_log = "access_log /var/log/nginx/rodblokade-linjen.access.log rodblokade;"
    site = replace_once(
        site, shipped_log, f"access_log {access_log} rodblokade;" if access_log else "access_log off;"
    )
    site = replace_once(site, "server 127.0.0.1:8000 ", f"server 127.0.0.1:{upstream_port} ")
    # The port-80 redirect and IPv6 are not what is tested: listen on free loopback ports instead.
    site = replace_once(site, "    listen 80;\n    listen [::]:80;", f"    listen 127.0.0.1:{free_port()};")
    listen = f"listen 127.0.0.1:{listen_port}" + (" ssl;" if cert else ";")
    site = replace_once(site, "    listen 443 ssl;\n    listen [::]:443 ssl;", f"    {listen}")
    if cert is None:
        site = replace_once(site, "    ssl_certificate /etc/ssl/certs/ivr.example.dk.pem;\n", "")
        site = replace_once(site, "    ssl_certificate_key /etc/ssl/private/ivr.example.dk.key;\n", "")
    else:
        site = replace_once(site, "/etc/ssl/certs/ivr.example.dk.pem", str(cert.with_suffix(".pem")))
        site = replace_once(site, "/etc/ssl/private/ivr.example.dk.key", str(cert.with_suffix(".key")))
    return site


def sized() -> tuple[int, int]:
    """The connections and open files the shipped file's head asks /etc/nginx/nginx.conf for."""
    site = SHIPPED.read_text(encoding="utf-8")
    files = re.search(r"#\s+worker_rlimit_nofile (\d+);", site)
    connections = re.search(r"#\s+events \{ worker_connections (\d+); \}", site)
    assert files is not None
    assert connections is not None
    return int(connections[1]), int(files[1])


def nginx_conf(folder: Path, site: str) -> Path:
    """A whole nginx.conf around the site, sized as the site's head says, with every file nginx writes in
    `folder`."""
    connections, files = sized()
    (folder / "site.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {name}_temp_path {folder / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        f"worker_rlimit_nofile {files};\nevents {{ worker_connections {connections}; }}\n"
        f"http {{\n    access_log off;\n{temp}    include {folder / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    return conf


def self_signed(folder: Path) -> Path:
    """Make a throwaway certificate and key for ivr.example.dk; return their path without suffix."""
    base = folder / "ivr.example.dk"
    command = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=ivr.example.dk",
    ]
    command += ["-keyout", str(base.with_suffix(".key")), "-out", str(base.with_suffix(".pem"))]
    subprocess.run(command, check=True, capture_output=True)
    return base


@contextmanager
def nginx(conf: Path, port: int) -> Iterator[None]:
    """Run nginx in the foreground on `conf` until the block ends."""
    with (conf.parent / "stderr.log").open("w") as stderr:
        process = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=stderr)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (conf.parent / "stderr.log").read_text()
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@needs_nginx
def test_the_shipped_configuration_is_valid_nginx_with_tls(tmp_path: Path) -> None:
    conf = nginx_conf(tmp_path, site_for_test(8000, free_port(), self_signed(tmp_path)))
    result = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_shipped_configuration_says_what_the_line_needs() -> None:
    site = SHIPPED.read_text(encoding="utf-8")
    for directive in [
        "proxy_request_buffering on;",
        "client_header_timeout 5s;",
        "client_body_timeout 5s;",
        "limit_conn rodblokade_addr 20;",
        'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
        "client_max_body_size 32k;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-Host $http_host;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "listen 443 ssl;",
    ]:
        assert directive in site
    for location in ("location = / {", "location /staff/ {", "location /preview/ {"):
        block = site.split(location, 1)[1].split("}", 1)[0]
        assert "limit_req zone=rodblokade_staff" in block


def test_the_unit_runs_ivr_serve_restarts_and_reads_an_environment_file() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(UNIT, encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].endswith("/.venv/bin/ivr serve")
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/rodblokade-linjen/env"
    # Loopback only: nginx is the one way in.
    assert "\nEnvironment=IVR_BIND=127.0.0.1:8000\n" in UNIT.read_text(encoding="utf-8")
    assert service["NoNewPrivileges"] == "true"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


# Where the attackers' sockets come from, and Twilio's calls: two addresses (all of 127/8 is this host's).
ATTACKER = "127.0.0.2"
TWILIO = "127.0.0.3"


def signed_call(port: int, path: str, form: dict[str, str]) -> float:
    """Make one signed call step through nginx as Twilio would (from TWILIO); return how long it took."""
    url = f"http://127.0.0.1:{port}{path}"
    body = {**CALL, **form}
    headers = {
        "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(TWILIO, 0))
    try:
        connection.request("POST", path, urlencode(body).encode(), headers)
        answer = connection.getresponse()
        assert answer.status == 200
        assert answer.read().startswith(b"<?xml")
    finally:
        connection.close()
    return time.monotonic() - started


def signed_calls_for(port: int, seconds: float, *, pause: float) -> list[float]:
    """Make a signed call step every `pause` seconds for `seconds`; return how long each took."""
    took = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        took.append(signed_call(port, "/voice/key?menu=main&tries=0", {"Digits": "3"}))
        time.sleep(pause)
    return took


def slow_client(port: int, stop: threading.Event, body: bool) -> None:
    """Hold a connection as an attacker would: drip a header line a second, or promise a body and stall."""
    while not stop.is_set():
        try:
            with socket.create_connection(
                ("127.0.0.1", port), timeout=2, source_address=(ATTACKER, 0)
            ) as sock:
                if body:
                    sock.sendall(b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\nCallSid=")
                else:
                    sock.sendall(b"POST /voice HTTP/1.1\r\n")
                while not stop.wait(1.0):
                    sock.sendall(b"X-a: b\r\n" if not body else b"x")
        except OSError:
            stop.wait(0.2)  # closed by nginx's timeout: come back, as an attacker would


@needs_nginx
@pytest.mark.slow
def test_fifty_slow_clients_never_delay_a_signed_call_through_nginx(tmp_path: Path) -> None:
    port = free_port()
    # Two workers only: without the proxy, two slow sockets would already hold the whole line.
    with live_line(
        tmp_path, {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_WORKERS": "2", "IVR_TRUSTED_PROXIES": "1"}
    ) as line:
        conf = nginx_conf(tmp_path, site_for_test(line.port, port, None))
        with nginx(conf, port):
            assert signed_call(port, "/voice", {}) < 1.0
            stop = threading.Event()
            attackers = [
                threading.Thread(target=slow_client, args=(port, stop, n % 2 == 0), daemon=True)
                for n in range(50)
            ]
            for attacker in attackers:
                attacker.start()
            try:
                took = signed_calls_for(port, 20, pause=0.5)
            finally:
                stop.set()
                for attacker in attackers:
                    attacker.join(timeout=5)
    assert len(took) >= 20
    assert max(took) < 1.0, f"slowest signed call through nginx: {max(took):.2f} s"


def slow_sockets(port: int, count: int, stop: threading.Event, opened: list[int]) -> None:
    """Hold `count` sockets from ATTACKER in one thread: half drip header lines, half promise a body and drip
    it a byte at a time, each once a second; each one nginx answers or closes is opened again on the next
    second, as an attacker would."""
    selector = selectors.DefaultSelector()

    def connect(n: int) -> None:
        sock = socket.socket()
        sock.bind((ATTACKER, 0))
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        selector.register(sock, selectors.EVENT_READ, n)
        opened[0] += 1

    def start(sock: socket.socket, n: int) -> None:
        if n % 2:
            sock.send(b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Length: 30000\r\n\r\nCallSid=")
        else:
            sock.send(b"POST /voice HTTP/1.1\r\n")

    for n in range(count):
        connect(n)
    started: set[int] = set()
    while not stop.is_set():
        closed = []
        for key, _ in selector.select(timeout=0):
            # Readable: nginx answered (408, 429) or closed; open another in its place.
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            selector.unregister(sock)
            sock.close()
            started.discard(key.data)
            closed.append(key.data)
        for n in closed:
            connect(n)
        for key in list(selector.get_map().values()):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                if key.data not in started:
                    start(sock, key.data)
                    started.add(key.data)
                else:
                    sock.send(b"X-a: b\r\n" if key.data % 2 == 0 else b"x")
            except (BlockingIOError, OSError):
                pass
        stop.wait(1.0)
    for key in list(selector.get_map().values()):
        sock = key.fileobj
        assert isinstance(sock, socket.socket)
        sock.close()
    selector.close()


@needs_nginx
@pytest.mark.slow
def test_fifteen_hundred_slow_sockets_from_one_address_never_delay_signed_calls_from_elsewhere(
    tmp_path: Path,
) -> None:
    port = free_port()
    with live_line(
        tmp_path, {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_WORKERS": "2", "IVR_TRUSTED_PROXIES": "1"}
    ) as line:
        conf = nginx_conf(tmp_path, site_for_test(line.port, port, None))
        with nginx(conf, port):
            assert signed_call(port, "/voice", {}) < 2.0
            stop = threading.Event()
            opened = [0]
            attacker = threading.Thread(target=slow_sockets, args=(port, 1500, stop, opened), daemon=True)
            attacker.start()
            try:
                time.sleep(3)  # every socket open and talking
                took = signed_calls_for(port, 20, pause=0.25)
            finally:
                stop.set()
                attacker.join(timeout=10)
    errors = (tmp_path / "error.log").read_text(encoding="utf-8")
    print(f"{opened[0]} sockets opened; {len(took)} signed calls, slowest {max(took):.2f} s")
    assert opened[0] >= 1500
    assert len(took) >= 40
    assert max(took) < 2.0, f"slowest of {len(took)} signed calls through nginx: {max(took):.2f} s"
    # nginx held: no file or connection ran out, nothing failed (a WARN that it reclaimed idle connections
    # under ~700 new sockets a second is how it copes, not a failure).
    assert not re.search(r"\[(alert|crit|emerg)\]", errors), errors[-2000:]
    assert "Too many open files" not in errors


def staff_get(port: int, source: str, password: str) -> int:
    """GET the statistics page through nginx from `source` with the staff login; return the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    login = base64.b64encode(f"personale:{password}".encode()).decode()
    try:
        connection.request("GET", "/staff/stats", headers={"Authorization": f"Basic {login}"})
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


@needs_nginx
@pytest.mark.slow
def test_a_flood_of_the_start_page_is_held_back_by_nginx_before_the_line(tmp_path: Path) -> None:
    port = free_port()
    settings = {"IVR_STAFF_USER": "personale", "IVR_STAFF_PASSWORD": "kaffe-kande-regn-ugle"}
    with live_line(tmp_path, {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_TRUSTED_PROXIES": "1", **settings}) as line:
        conf = nginx_conf(tmp_path, site_for_test(line.port, port, None))
        with nginx(conf, port):
            started = time.monotonic()
            # Ten at a time, as a flood comes: one after the other, a busy machine's line answers each in
            # more than a fifth of a second and the rate alone lets them all through. (Not more than 20 at
            # once, or nginx's connection limit answers 429 and this would not test the start page's rate.)
            with ThreadPoolExecutor(max_workers=10) as pool:
                answers = list(pool.map(lambda _: plain_get(port, ATTACKER, "/"), range(40)))
            elapsed = time.monotonic() - started
            # nginx lets a burst of 10 through (each asked for the login), then 5 a second; the rest it
            # answers 429 itself, without asking the line.
            assert set(answers) == {401, 429}
            assert answers.count(401) <= 1 + 10 + math.ceil(5 * elapsed)
            # Another address still reaches the start page's login.
            assert plain_get(port, TWILIO, "/") == 401


def plain_get(port: int, source: str, path: str) -> int:
    """GET `path` through nginx from `source` without a login; return the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15, source_address=(source, 0))
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


@needs_nginx
@pytest.mark.slow
@pytest.mark.parametrize("proxy_setting", ["IVR_PUBLIC_URL", "IVR_TRUSTED_PROXIES"])
def test_wrong_logins_through_nginx_hold_back_only_the_guesser(tmp_path: Path, proxy_setting: str) -> None:
    port = free_port()
    password = "kaffe-kande-regn-ugle"
    proxy = {"IVR_PUBLIC_URL": f"http://127.0.0.1:{port}"} if proxy_setting == "IVR_PUBLIC_URL" else {}
    proxies = "1" if proxy_setting == "IVR_TRUSTED_PROXIES" else "0"
    settings = {"IVR_STAFF_USER": "personale", "IVR_STAFF_PASSWORD": password, **proxy}
    with live_line(
        tmp_path, {"TWILIO_AUTH_TOKEN": TOKEN, "IVR_TRUSTED_PROXIES": proxies, **settings}
    ) as line:
        conf = nginx_conf(tmp_path, site_for_test(line.port, port, None))
        with nginx(conf, port):
            guesses = []
            for _ in range(10):
                guesses.append(staff_get(port, ATTACKER, "forkert-gæt-1234"))
                time.sleep(0.25)  # within nginx's 5 a second, so the line's own throttle is what answers
            assert guesses == [401] * 10
            assert staff_get(port, ATTACKER, password) == 429
            # A secretary at another address is not locked out by those guesses.
            assert staff_get(port, TWILIO, password) == 200
