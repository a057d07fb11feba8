"""A local CloudWatch Logs double that denies every request, as AWS answers a caller without the IAM
permission (moto does not check IAM): HTTP 400 with the JSON protocol's AccessDeniedException."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.loopback import LoopbackServer


class _Deny(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = (self.headers.get("X-Amz-Target") or "?.?").split(".")[-1]
        body = json.dumps({
            "__type": "AccessDeniedException",
            "message": f"User: arn:aws:iam::123456789012:user/test is not authorized to perform: logs:{operation}",
        }).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def denying_endpoint() -> Iterator[str]:
    server = LoopbackServer(_Deny).start()
    try:
        yield server.url
    finally:
        server.stop()
