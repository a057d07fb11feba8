"""A local CloudWatch Logs Insights endpoint (JSON 1.1 over HTTP on 127.0.0.1) for the engine's tests.

moto 5.2 does not execute Insights queries: it ignores ``filter``, ``parse`` and ``stats``, completes
every query on the first poll with no ``statistics`` and no paging, and raises NotImplementedError on
``StopQuery``. So the client side is tested here, through real boto3, against the documented shapes
of the CloudWatch Logs API reference:

- ``StartQuery`` -> ``{"queryId"}``; errors ``MalformedQueryException``, ``LimitExceededException``,
  ``AccessDeniedException`` (HTTP 400, ``{"__type", "message"}``);
- ``GetQueryResults`` -> ``{"status", "results": [[{"field", "value"}, ...], ...], "statistics":
  {"recordsMatched", "recordsScanned", "bytesScanned"}, "nextToken"?}``, status ``Scheduled`` ->
  ``Running`` (partial rows) -> ``Complete``;
- ``StopQuery`` -> ``{"success": true}``, after which the query reads ``Cancelled``.

The test scripts each query by the text it contains (``answer(marker, ...)``): the rows it ends with,
how many polls it stays Scheduled and Running, how many rows a Running poll shows, and the page size.
A query matching no script completes with no rows. ``| estimate`` queries answer one row
``estimatedBytes`` (the field name is this double's assumption: the API reference does not give the
shape). Nothing here evaluates the query language: the query text is checked on its own against
AWS's documented examples (test_insights_query.py).
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import LoopbackServer

_PREFIX = "Logs_20140328."


@dataclass
class Script:
    rows: list[dict[str, str]]
    scheduled_polls: int = 0
    running_polls: int = 0
    partial_rows: int = 0  # rows a Running poll shows
    page_size: int = 10_000
    statistics: dict[str, float] = field(default_factory=dict)


@dataclass
class Started:
    query_id: str
    request: dict[str, Any]
    script: Script
    polls: int = 0
    stopped: bool = False


class InsightsDouble(LoopbackServer):
    def __init__(self) -> None:
        self.scripts: list[tuple[str, Script]] = []
        self.estimate_bytes = 0
        self.refuse: dict[str, tuple[str, str]] = {}  # operation -> (error code, message)
        self.refuse_times: dict[str, int] = {}  # operation -> how many more calls are refused (then served)
        self.started: list[Started] = []
        self.stops: list[str] = []
        self.calls: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__(self._handler())

    def reset(self) -> None:
        """Forget the scripts, the queries and the refusals (one double serving many examples)."""
        with self._lock:
            self.scripts.clear()
            self.refuse.clear()
            self.refuse_times.clear()
            self.started.clear()
            self.stops.clear()
            self.calls.clear()
            self.estimate_bytes = 0

    def answer(self, marker: str, rows: list[dict[str, Any]], **options: Any) -> None:
        """Queries whose text contains ``marker`` end with ``rows`` (values sent as strings, as AWS does)."""
        text_rows = [{name: str(value) for name, value in row.items()} for row in rows]
        self.scripts.append((marker, Script(text_rows, **options)))

    def query(self, kind_marker: str) -> Started:
        """The started query (not an estimate) whose text contains ``kind_marker``."""
        with self._lock:
            return next(
                q for q in self.started
                if kind_marker in q.request["queryString"] and not q.request["queryString"].endswith("| estimate")
            )

    # -- the API ---------------------------------------------------------------------------------

    def _dispatch(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append(operation)
            if operation in self.refuse:
                code, message = self.refuse[operation]
                if self.refuse_times.get(operation, 1) > 0:
                    if operation in self.refuse_times:
                        self.refuse_times[operation] -= 1
                    return 400, {"__type": code, "message": message}
            if operation == "StartQuery":
                return 200, self._start(body)
            if operation == "GetQueryResults":
                return self._results(body)
            if operation == "StopQuery":
                return self._stop(body)
        return 400, {"__type": "UnknownOperationException", "message": operation}

    def _start(self, body: dict[str, Any]) -> dict[str, Any]:
        text = body["queryString"]
        if text.rstrip().endswith("| estimate"):
            script = Script([{"estimatedBytes": str(self.estimate_bytes)}])
        else:
            script = next((s for marker, s in self.scripts if marker in text), Script([]))
        query_id = f"q-{next(self._ids):04d}"
        self.started.append(Started(query_id, body, script))
        return {"queryId": query_id}

    def _find(self, query_id: str) -> Started | None:
        return next((q for q in self.started if q.query_id == query_id), None)

    def _results(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        query = self._find(body["queryId"])
        if query is None:
            return 400, {"__type": "ResourceNotFoundException", "message": "Query does not exist"}
        script = query.script
        if query.stopped:
            return 200, {"status": "Cancelled", "results": [], "statistics": {}}
        token = body.get("nextToken")
        if token is None:
            query.polls += 1
        if query.polls <= script.scheduled_polls:
            return 200, {"status": "Scheduled", "results": [], "statistics": _stats(script, 0)}
        if query.polls <= script.scheduled_polls + script.running_polls:
            shown = script.rows[: script.partial_rows]
            return 200, {"status": "Running", "results": _encode(shown), "statistics": _stats(script, len(shown))}
        offset = int(token or 0)
        page = script.rows[offset : offset + script.page_size]
        response: dict[str, Any] = {
            "status": "Complete",
            "results": _encode(page),
            "statistics": _stats(script, len(script.rows)),
        }
        if offset + script.page_size < len(script.rows):
            response["nextToken"] = str(offset + script.page_size)
        return 200, response

    def _stop(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        query = self._find(body["queryId"])
        if query is None:
            return 400, {"__type": "ResourceNotFoundException", "message": "Query does not exist"}
        query.stopped = True
        self.stops.append(query.query_id)
        return 200, {"success": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                target = self.headers.get("X-Amz-Target", "")
                status, payload = server._dispatch(target.removeprefix(_PREFIX), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        return Handler


def _encode(rows: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    return [[{"field": name, "value": value} for name, value in row.items()] for row in rows]


def _stats(script: Script, matched: int) -> dict[str, float]:
    base = {"recordsMatched": float(matched), "recordsScanned": 0.0, "bytesScanned": 0.0}
    base.update(script.statistics)
    return base
