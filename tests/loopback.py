"""A threaded HTTP server on 127.0.0.1 (an ephemeral port) for the tests' local AWS endpoints: the
fault proxy in front of moto and the Live Tail event-stream server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

Self = TypeVar("Self", bound="LoopbackServer")


class LoopbackServer:
    """Serves ``handler`` in a daemon thread between :meth:`start` and :meth:`stop`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self: Self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
