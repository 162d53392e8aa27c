#!/usr/bin/env python3
"""Simulated callers against a running line on loopback: signed requests, full menu walks, bounded time.

    TWILIO_AUTH_TOKEN=load-test-token ivr serve --bind 127.0.0.1:8000 &
    TWILIO_AUTH_TOKEN=load-test-token python scripts/load.py --callers 64 --seconds 60

Each caller rings the line, follows the TwiML's action URLs as Twilio would (keys, silence, transfers with a
made-up dial outcome) until the line hangs up or the caller does, then rings again. Any answer that is not
200 TwiML, or a <Dial> to anything but the secretariat, counts as an error. Exit status 1 if any error.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

KEYS = ["1", "2", "3", "4", "5", "0", "*", "#", "7", "9"]
DIAL_OUTCOMES = ["completed", "busy", "no-answer", "failed", "canceled"]
MAX_STEPS = 12
Post = Callable[[str, Mapping[str, str]], tuple[int, bytes]]


def loopback_target(url: str) -> tuple[str, int]:
    """Return (host, port) of `url`, or exit if it is not http:// to a loopback address."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        sys.exit(f"load.py: {url!r} must be an http:// URL on this machine")
    port = parts.port or 80
    addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    if not all(ipaddress.ip_address(str(address).split("%")[0]).is_loopback for address in addresses):
        sys.exit(f"load.py: refusing {parts.hostname}: load tests run against loopback only")
    return parts.hostname, port


class HttpCaller:
    """Posts signed form requests to one server, a new connection each time as Twilio does."""

    def __init__(self, base: str, token: str, timeout: float = 15.0) -> None:
        self.base = base.rstrip("/")
        self.host, self.port = loopback_target(base)
        self.validator = RequestValidator(token)
        self.timeout = timeout

    def post(self, path: str, form: Mapping[str, str]) -> tuple[int, bytes]:
        """Send one signed POST and return its status and body."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.base + path, dict(form)),
            "User-Agent": "TwilioProxy/1.1 (load test)",
        }
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("POST", path, urlencode(form), headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


@dataclass
class Tally:
    """One caller thread's results, merged at the end."""

    calls: int = 0
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Tally) -> None:
        self.calls += other.calls
        self.requests += other.requests
        self.latencies += other.latencies
        self.errors += other.errors


def new_call(rng: random.Random) -> dict[str, str]:
    """Return the parameters Twilio sends with every request of one call."""
    return {
        "CallSid": "CA" + rng.randbytes(16).hex(),
        "AccountSid": "AC" + "0" * 32,
        "From": f"+452{rng.randrange(10**7):07d}",
        "To": "+4570701234",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


def walk_call(post: Post, rng: random.Random, number: str, tally: Tally) -> None:
    """Ring the line and follow its TwiML until it hangs up or the caller gives up."""
    call = new_call(rng)
    path = "/voice"
    extra: dict[str, str] = {}
    for _ in range(MAX_STEPS):
        started = time.perf_counter()
        try:
            status, body = post(path, {**call, **extra})
        except OSError as error:
            tally.errors[f"connection: {type(error).__name__}"] += 1
            return
        tally.latencies.append(time.perf_counter() - started)
        tally.requests += 1
        step = next_step(status, body, number, rng)
        if isinstance(step, str):
            tally.errors[step] += 1
            return
        if step is None:
            break
        path, extra = step
    tally.calls += 1


def next_step(
    status: int, body: bytes, number: str, rng: random.Random
) -> tuple[str, dict[str, str]] | str | None:
    """Choose the next request from an answer: (path, extra form), None when hung up, or an error."""
    root = parse(status, body)
    if isinstance(root, str):
        return root
    dial = root.find("Dial")
    if dial is not None:
        return after_dial(dial, number, rng)
    if root.find("Hangup") is not None:
        return None
    gather, redirect = root.find("Gather"), root.find("Redirect")
    if gather is None or redirect is None or not gather.get("action"):
        return "no way on from the answer"
    if rng.random() < 0.1:
        return redirect.text or "", {}  # silence: Twilio follows the <Redirect>
    return gather.get("action", ""), {"Digits": rng.choice(KEYS)}


def parse(status: int, body: bytes) -> ET.Element | str:
    """Return the TwiML <Response>, or what is wrong with the answer."""
    if status != 200:
        return f"HTTP {status}"
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "not XML"
    return root if root.tag == "Response" else "not TwiML"


def after_dial(dial: ET.Element, number: str, rng: random.Random) -> tuple[str, dict[str, str]] | str:
    """Check a transfer goes to the secretariat, and report a made-up outcome to its action URL."""
    if [(child.tag, child.text) for child in dial] != [("Number", number)]:
        return "dialled a wrong number"
    return dial.get("action", ""), {"DialCallStatus": rng.choice(DIAL_OUTCOMES)}


def run(
    post: Post,
    callers: int,
    seconds: float,
    number: str,
    seed: int = 1,
    *,
    stop: threading.Event | None = None,
) -> tuple[Tally, float]:
    """Run `callers` simultaneous callers for `seconds`, or until `stop` is set; return the merged tally and
    the elapsed time."""
    deadline = time.monotonic() + seconds
    tallies = [Tally() for _ in range(callers)]

    def caller(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            walk_call(post, rng, number, tallies[index])

    threads = [threading.Thread(target=caller, args=(index,), daemon=True) for index in range(callers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total, time.monotonic() - started


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which `fraction` of `values` lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(tally: Tally, elapsed: float, callers: int) -> dict[str, object]:
    """Summarise a run: calls, requests, errors, throughput and latency in milliseconds."""
    return {
        "callers": callers,
        "seconds": round(elapsed, 1),
        "calls_completed": tally.calls,
        "requests": tally.requests,
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors),
        "requests_per_second": round(tally.requests / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 2),
        "max_ms": round(max(tally.latencies, default=float("nan")) * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the load, print the report; return 1 if any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the line's base URL (loopback only)")
    parser.add_argument("--callers", type=int, default=64, help="simultaneous callers")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to keep ringing")
    parser.add_argument("--number", default="+4597662400", help="the secretariat number transfers must dial")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    options = parser.parse_args(argv)
    token = os.environ.get("TWILIO_AUTH_TOKEN")
    if not token:
        sys.exit("load.py: set TWILIO_AUTH_TOKEN to the token the server under test was started with")
    caller = HttpCaller(options.url, token)
    tally, elapsed = run(caller.post, options.callers, options.seconds, options.number)
    summary = report(tally, elapsed, options.callers)
    if options.json:
        print(json.dumps(summary))
    else:
        for name, value in summary.items():
            print(f"{name:>20}: {value}")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
