"""A local CloudWatch Logs endpoint whose StartLiveTail streams like AWS's; every other call goes to moto.

moto answers StartLiveTail with a one-shot snapshot, so Live Tail handling is tested here: the
response is an HTTP/1.1 chunked body in the AWS event-stream framing
(``application/vnd.amazon.eventstream``), one message per chunk:

    total length (4 bytes) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4)

with string headers (``:message-type``, ``:event-type`` / ``:exception-type``, ``:content-type``).
botocore's own parser reads it: first an ``initial-response`` event (botocore requires one for JSON
protocol streams), then ``sessionStart``, then ``sessionUpdate`` events. The test scripts the stream
through ``actions`` (a FIFO shared by all sessions, so a script spans reconnections): updates (sampled
or not), a pause (nothing sent, as when the server's buffer is full and it drops updates), a
``SessionTimeoutException`` or ``SessionStreamingException`` and the end of the stream, an abrupt
close, or a hold (nothing sent, the connection open, until the test releases it). ``hang`` keeps an
operation from being answered at all (not even its headers) until released. With no action queued the server sends an empty update every ``heartbeat_s``, as AWS sends one
every second.
"""

from __future__ import annotations

import http.client
import json
import queue
import socket
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.loopback import LoopbackServer

START_LIVE_TAIL = "Logs_20140328.StartLiveTail"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message with string-typed (type 7) headers."""
    encoded = b"".join(
        struct.pack("!B", len(name)) + name.encode() + b"\x07" + struct.pack("!H", len(value.encode())) + value.encode()
        for name, value in headers.items()
    )
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack("!II", total, len(encoded))
    prelude += struct.pack("!I", zlib.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + encoded + payload
    return message + struct.pack("!I", zlib.crc32(message) & 0xFFFFFFFF)


def event_frame(event_type: str, body: dict[str, Any]) -> bytes:
    headers = {":message-type": "event", ":event-type": event_type, ":content-type": "application/json"}
    return frame(headers, json.dumps(body).encode())


def exception_frame(exception_type: str, message: str) -> bytes:
    headers = {":message-type": "exception", ":exception-type": exception_type, ":content-type": "application/json"}
    return frame(headers, json.dumps({"message": message}).encode())


def tail_events(group_arn: str, events: Iterable[dict[str, Any]], held_ms: int = 0) -> list[dict[str, Any]]:
    """FilterLogEvents events as Live Tail sends them (LiveTailSessionLogEvent: no eventId);
    ``held_ms`` makes them look ingested that much earlier (held in the server's buffer)."""
    return [
        {
            "logStreamName": e["logStreamName"],
            "logGroupIdentifier": group_arn,
            "message": e["message"],
            "timestamp": e["timestamp"],
            "ingestionTime": e["ingestionTime"] - held_ms,
        }
        for e in events
    ]

class LiveTailServer(LoopbackServer):
    def __init__(self, upstream: str, *, heartbeat_s: float = 0.05) -> None:
        split = urlsplit(upstream)
        self.upstream = (split.hostname or "127.0.0.1", split.port or 80)
        self.heartbeat_s = heartbeat_s
        self.heartbeat_sampled = False  # True: the empty updates say "sampled" (a sustained burst)
        # operation (e.g. "StartLiveTail") -> (HTTP status, error code, message): it fails so until removed
        self.refuse: dict[str, tuple[int, str, str]] = {}
        self.actions: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.requests: list[dict[str, Any]] = []  # StartLiveTail request bodies, one per session
        self.targets: Counter[str] = Counter()  # every X-Amz-Target received, forwarded or not
        self.hung: dict[str, threading.Event] = {}  # operation -> released: unanswered until set
        self._open: list[queue.Queue[tuple[Any, ...]]] = []  # each open session's own updates
        self._lock = threading.Lock()
        self._closing = threading.Event()
        super().__init__(self._handler())

    @property
    def sessions(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def open_sessions(self) -> int:
        with self._lock:
            return len(self._open)

    def stop(self) -> None:
        self._closing.set()
        super().stop()

    # -- the script --------------------------------------------------------------------------------

    def update(self, events: list[dict[str, Any]], *, sampled: bool = False) -> None:
        self.actions.put(("update", events, sampled))

    def broadcast(self, events: list[dict[str, Any]]) -> None:
        """Send ``events`` on every open session (two overlap while one renews the other)."""
        with self._lock:
            for own in self._open:
                own.put(("update", events, False))

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds``, then go on with the script (updates skipped meanwhile are lost)."""
        self.actions.put(("pause", seconds))

    def timeout(self) -> None:
        self.actions.put(("exception", "SessionTimeoutException", "Session timed out after 3 hours"))

    def streaming_error(self) -> None:
        self.actions.put(("exception", "SessionStreamingException", "Unknown error"))

    def raw(self, message: bytes) -> None:
        """Send ``message`` (e.g. a ``frame`` with a hostile payload) as it is."""
        self.actions.put(("raw", message))

    def close(self) -> None:
        """Drop the connection mid-stream, without the terminating chunk."""
        self.actions.put(("close",))

    def hold(self) -> threading.Event:
        """Send nothing, not even the heartbeat, with the connection open, until the returned event
        is set; then go on with the script."""
        released = threading.Event()
        self.actions.put(("hold", released))
        return released

    def trickle(self) -> threading.Event:
        """Send a frame's bytes one at a time, a heartbeat's interval apart, never finishing it, until
        the returned event is set: the connection is never idle, yet no update arrives."""
        released = threading.Event()
        self.actions.put(("trickle", released))
        return released

    def hang(self, operation: str) -> threading.Event:
        """Answer nothing to ``operation`` (e.g. ``"StartLiveTail"``), not even the response headers,
        until the returned event is set; then answer as usual."""
        released = self.hung[operation] = threading.Event()
        return released

    def _wait(self, released: threading.Event) -> None:
        while not released.wait(0.05) and not self._closing.is_set():
            pass

    # -- HTTP --------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                with server._lock:
                    server.targets[target] += 1
                hung = server.hung.get(target.rpartition(".")[2])
                if hung is not None:
                    server._wait(hung)
                refusal = server.refuse.get(target.rpartition(".")[2])
                if refusal is not None:
                    status, code, message = refusal
                    payload = json.dumps({"__type": code, "message": message}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                elif target == START_LIVE_TAIL:
                    self._live_tail(json.loads(body or b"{}"))
                else:
                    self._forward(body)

            def _forward(self, body: bytes) -> None:
                upstream = http.client.HTTPConnection(*server.upstream, timeout=30)
                try:
                    upstream.request("POST", self.path, body, dict(self.headers))
                    response = upstream.getresponse()
                    payload = response.read()
                    self.send_response(response.status)
                    for key, value in response.getheaders():
                        if key.lower() not in _HOP_BY_HOP:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    upstream.close()

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def _live_tail(self, request: dict[str, Any]) -> None:
                own: queue.Queue[tuple[Any, ...]] = queue.Queue()
                with server._lock:
                    server.requests.append(request)
                    session = len(server.requests)
                    server._open.append(own)
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.amazon.eventstream")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("x-amzn-RequestId", f"live-tail-{session}")
                self.end_headers()
                try:
                    self._chunk(frame({":message-type": "event", ":event-type": "initial-response"}, b"{}"))
                    start = {"requestId": f"req-{session}", "sessionId": f"session-{session}", **request}
                    self._chunk(event_frame("sessionStart", start))
                    if self._play(own):
                        self.wfile.write(b"0\r\n\r\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (it was stopped, or gave up on the session)
                finally:
                    self.close_connection = True
                    with server._lock:
                        server._open.remove(own)

            def _play(self, own: queue.Queue[tuple[Any, ...]]) -> bool:
                """Send the script until the session ends; False when the connection was dropped."""
                while not server._closing.is_set():
                    try:
                        action = own.get_nowait()
                    except queue.Empty:
                        try:
                            action = server.actions.get(timeout=server.heartbeat_s)
                        except queue.Empty:
                            action = ("update", [], server.heartbeat_sampled)
                    kind = action[0]
                    if kind == "update":
                        update = {"sessionMetadata": {"sampled": action[2]}, "sessionResults": action[1]}
                        self._chunk(event_frame("sessionUpdate", update))
                    elif kind == "pause":
                        server._closing.wait(action[1])
                    elif kind == "hold":
                        server._wait(action[1])
                    elif kind == "trickle":
                        message = event_frame("sessionUpdate", {"sessionResults": [], "pad": "x" * 65536})
                        for byte in message[:-1]:
                            if action[1].wait(server.heartbeat_s) or server._closing.is_set():
                                break
                            self._chunk(bytes([byte]))
                        return False
                    elif kind == "raw":
                        self._chunk(action[1])
                    elif kind == "exception":
                        self._chunk(exception_frame(action[1], action[2]))
                        return True
                    elif kind == "close":
                        # SO_LINGER 0: close() sends a TCP RST, as a dropped connection would.
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                        return False
                return True

        return Handler
