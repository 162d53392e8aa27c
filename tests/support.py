"""Helpers the tests share: a real `ivr serve` on a loopback port, and raw HTTP requests to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

IVR = Path(sys.executable).parent / "ivr"


def free_port() -> int:
    """Return a loopback port that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the developer's IVR_* settings or token, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IVR_")}
    env.pop("TWILIO_AUTH_TOKEN", None)
    return env | extra


@dataclass
class LiveLine:
    """A running `ivr serve`: where it listens, its process, its log and its statistics database."""

    base: str
    port: int
    process: subprocess.Popen[str]
    log: Path
    database: Path


@contextmanager
def live_line(folder: Path, **env: str) -> Iterator[LiveLine]:
    """Run `ivr serve` on a free loopback port with its own statistics database in `folder`; stop it after."""
    port = free_port()
    database = folder / "stats.sqlite"
    settings = {"IVR_BIND": f"127.0.0.1:{port}", "IVR_DATABASE_URL": f"sqlite:///{database}"} | env
    log = folder / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([str(IVR), "serve"], env=clean_env(**settings), stderr=stderr, text=True)
    line = LiveLine(f"http://127.0.0.1:{port}", port, process, log, database)
    try:
        wait_until_up(line)
        yield line
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(line: LiveLine, seconds: float = 20.0) -> None:
    """Wait until the line answers /healthz; fail with its log if it stopped or never did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if line.process.poll() is not None:
            raise RuntimeError(f"ivr serve stopped: {line.log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(line.base + "/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"ivr serve did not answer in {seconds} s: {line.log.read_text()[-2000:]}")


def raw_request(port: int, head: list[bytes], body: bytes = b"", timeout: float = 10.0) -> tuple[int, bytes]:
    """Send an HTTP/1.1 request exactly as given (request line and header lines); return status and body."""
    message = b"\r\n".join([*head, b"Connection: close", b"", b""]) + body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(message)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]
