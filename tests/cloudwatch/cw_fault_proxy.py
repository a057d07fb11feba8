"""A fault-injecting HTTP proxy for AWS JSON-protocol calls (CloudWatch Logs, Kinesis), in front of
the moto server.

Only requests whose ``X-Amz-Target`` names an intercepted operation (FilterLogEvents by default; one
name or several) are subject to faults; everything else is forwarded untouched. Besides throttling
(``throttle_error``: CloudWatch's ThrottlingException by default), 5xx and connection resets,
``custom`` lists more errors as ``(share, status, code, message)``, e.g. Kinesis's
ExpiredIteratorException. Faults are drawn from a ``random.Random``
seeded at construction, one draw per intercepted request, so a single-threaded client sees the same
fault sequence on every run. Error bodies use the AWS JSON 1.1 protocol shape botocore parses:
``{"__type": CODE, "message": TEXT}`` with ``Content-Type: application/x-amz-json-1.1``.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Collection
from urllib.parse import urlsplit

from tests.loopback import LoopbackServer

FILTER_LOG_EVENTS = "Logs_20140328.FilterLogEvents"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


@dataclass(frozen=True)
class Seen:
    """One intercepted request: when it arrived (monotonic), its JSON body, and what the proxy did."""

    at: float
    body: dict
    outcome: str  # "ok", "throttle", "500", "503", "reset", "forced:<code>", "custom:<code>", "raw"
    target: str = ""  # the X-Amz-Target

@dataclass(frozen=True)
class Raw:
    """A hostile answer: any status, content type and body bytes; with ``trickle_s``, the headers at
    once and then the body one byte every ``trickle_s`` seconds (a read timeout never fires)."""

    body: bytes
    status: int = 200
    content_type: str = "text/html"
    trickle_s: float | None = None


class FaultProxy(LoopbackServer):
    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        throttle: float = 0.0,
        server_error: float = 0.0,
        reset: float = 0.0,
        target: str | Collection[str] = FILTER_LOG_EVENTS,
        throttle_error: tuple[int, str, str] = (400, "ThrottlingException", "Rate exceeded"),
        custom: Collection[tuple[float, int, str, str]] = (),
    ) -> None:
        split = urlsplit(upstream)
        self.upstream = (split.hostname or "127.0.0.1", split.port or 80)
        self.targets = frozenset([target] if isinstance(target, str) else target)
        self.shares = (throttle, server_error, reset)
        self.throttle_error = throttle_error
        self.custom = tuple(custom)
        self.forced: tuple[int, str, str] | None = None  # (status, code, message) for every request
        self.raw: Raw | None = None  # a hostile answer for every intercepted request (see Raw)
        self.seen: list[Seen] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        super().__init__(self._handler())

    def outcomes(self) -> Counter:
        with self._lock:
            return Counter(seen.outcome for seen in self.seen)

    def force(self, status: int, code: str, message: str) -> None:
        """Answer every intercepted request with this error until ``clear()``."""
        self.forced = (status, code, message)

    def answer(self, raw: Raw) -> None:
        """Answer every intercepted request with ``raw`` until ``clear()``."""
        self.raw = raw

    def clear(self) -> None:
        self.raw = None
        self.forced = None
        self.shares = (0.0, 0.0, 0.0)
        self.custom = ()

    def _decide(self) -> str:
        with self._lock:
            if self.raw is not None:
                return "raw"
            if self.forced is not None:
                return f"forced:{self.forced[1]}"
            roll = self._rng.random()
            throttle, server_error, reset = self.shares
            if roll < throttle:
                return "throttle"
            if roll < throttle + server_error:
                return self._rng.choice(["500", "503"])
            if roll < throttle + server_error + reset:
                return "reset"
            bound = throttle + server_error + reset
            for share, _status, code, _message in self.custom:
                bound += share
                if roll < bound:
                    return f"custom:{code}"
            return "ok"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("X-Amz-Target") not in proxy.targets:
                    self._forward(body)
                    return
                outcome = proxy._decide()
                with proxy._lock:
                    proxy.seen.append(Seen(time.monotonic(), json.loads(body or b"{}"), outcome, self.headers["X-Amz-Target"]))
                if outcome == "ok":
                    self._forward(body)
                elif outcome == "throttle":
                    self._error(*proxy.throttle_error)
                elif outcome == "500":
                    self._error(500, "InternalFailure", "internal failure")
                elif outcome == "503":
                    self._error(503, "ServiceUnavailableException", "service unavailable")
                elif outcome == "reset":
                    self._reset()
                elif outcome == "raw" and proxy.raw is not None:
                    self._raw(proxy.raw)
                elif outcome.startswith("custom:"):
                    status, code, message = next((s, c, m) for _, s, c, m in proxy.custom if f"custom:{c}" == outcome)
                    self._error(status, code, message)
                else:
                    status, code, message = proxy.forced or (500, "InternalFailure", "")
                    self._error(status, code, message)

            def _forward(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                try:
                    upstream.request("POST", self.path, body, dict(self.headers))
                    response = upstream.getresponse()
                    payload = response.read()
                    headers = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
                    self._reply(response.status, headers, payload)
                finally:
                    upstream.close()

            def _error(self, status: int, code: str, message: str) -> None:
                payload = json.dumps({"__type": code, "message": message}).encode()
                self._reply(status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", "fault")], payload)

            def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _raw(self, raw: Raw) -> None:
                self.send_response(raw.status)
                self.send_header("Content-Type", raw.content_type)
                self.send_header("Content-Length", str(len(raw.body)))
                self.end_headers()
                self.wfile.flush()
                if raw.trickle_s is None:
                    self.wfile.write(raw.body)
                    return
                self.close_connection = True
                for byte in raw.body:
                    if proxy.raw is None:  # cleared: the test is over
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return
                    time.sleep(raw.trickle_s)  # the hostile server's pace, not a test's synchronisation

            def _reset(self) -> None:
                # SO_LINGER 0: close() sends a TCP RST, as a dropped connection would.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

        return Handler
