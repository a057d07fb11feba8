"""A local Athena endpoint speaking the REST-JSON shapes botocore 1.44 sends and AWS documents, for
the operations flowtail uses: StartQueryExecution (``POST /query-executions``), GetQueryExecution
(``GET /query-executions/{id}``: QUEUED -> RUNNING -> SUCCEEDED, ``Statistics.DataScannedInBytes``),
GetQueryResults (``GET /query-executions/{id}/results``: the header row first, pages of at most
``MaxResults`` <= 1,000 rows with a ``NextToken``), StopQueryExecution (``POST .../stop``: CANCELLED).

Why not moto: moto 5.2.6 routes Athena only as the JSON protocol (``POST /`` with X-Amz-Target), and
resolves the action from botocore's model, which is REST-JSON since botocore 1.44: every Athena call
to moto answers 404. Results are seeded as with moto's ``/moto-api/static/athena/query-results``:
a queue, the next result set going to the next execution whose results are read."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.loopback import LoopbackServer

PAGE_MAX = 1000
STATES = ("QUEUED", "RUNNING", "SUCCEEDED")


@dataclass
class Execution:
    query: str
    context: dict[str, Any]
    result_configuration: dict[str, Any]
    workgroup: str
    polls: int = 0
    state: str = "QUEUED"
    rows: list[list[str | None]] | None = None


@dataclass
class AthenaDouble:
    """The endpoint's state. ``polls_per_state``: GetQueryExecution calls before the next state
    (None: never leaves QUEUED); ``scanned``: DataScannedInBytes of each execution."""

    polls_per_state: int | None = 1
    scanned: int = 0
    fail_reason: str | None = None  # set: executions end FAILED with this StateChangeReason
    results: list[list[list[str | None]]] = field(default_factory=list)  # seeded: header row, then rows
    executions: dict[str, Execution] = field(default_factory=dict)
    page_sizes: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url = urlsplit(path)
        query = dict(parse_qsl(url.query))
        with self.lock:
            if method == "POST" and url.path == "/query-executions":
                query_id = f"q-{len(self.executions) + 1}"
                self.executions[query_id] = Execution(
                    body["QueryString"], body.get("QueryExecutionContext", {}),
                    body.get("ResultConfiguration", {}), body.get("WorkGroup", "primary"),
                )
                return 200, {"QueryExecutionId": query_id}
            match = re.fullmatch(r"/query-executions/([^/]+)(/results|/stop)?", url.path)
            if match is None or match.group(1) not in self.executions:
                return 400, {"__type": "InvalidRequestException", "Message": f"no such execution: {url.path}"}
            execution = self.executions[match.group(1)]
            if match.group(2) == "/stop":
                execution.state = "CANCELLED"
                return 200, {}
            if match.group(2) == "/results":
                return 200, self._page(execution, int(query.get("MaxResults", PAGE_MAX)), query.get("NextToken"))
            return 200, {"QueryExecution": self._poll(match.group(1), execution)}

    def _poll(self, query_id: str, execution: Execution) -> dict[str, Any]:
        execution.polls += 1
        if execution.state in STATES[:-1] and self.polls_per_state and execution.polls >= self.polls_per_state:
            execution.state = STATES[STATES.index(execution.state) + 1]
            execution.polls = 0
            if execution.state == "SUCCEEDED" and self.fail_reason is not None:
                execution.state = "FAILED"
        status: dict[str, Any] = {"State": execution.state}
        if execution.state == "FAILED":
            status["StateChangeReason"] = self.fail_reason
        return {
            "QueryExecutionId": query_id, "Query": execution.query,
            "QueryExecutionContext": execution.context, "ResultConfiguration": execution.result_configuration,
            "WorkGroup": execution.workgroup, "Status": status,
            "Statistics": {"DataScannedInBytes": self.scanned if execution.state == "SUCCEEDED" else 0},
        }

    def _page(self, execution: Execution, size: int, token: str | None) -> dict[str, Any]:
        if size > PAGE_MAX:
            return {"__type": "InvalidRequestException", "Message": "MaxResults is at most 1000"}
        if execution.rows is None:
            execution.rows = self.results.pop(0) if self.results else [[]]
        start = int(token or 0)
        page = execution.rows[start:start + size]
        self.page_sizes.append(len(page))
        reply: dict[str, Any] = {"ResultSet": {"Rows": [
            {"Data": [{} if value is None else {"VarCharValue": value} for value in row]} for row in page
        ]}}
        if start + size < len(execution.rows):
            reply["NextToken"] = str(start + size)
        return reply


def serve(double: AthenaDouble) -> LoopbackServer:
    """A started endpoint for ``double``; ``.url`` is the endpoint_url to give boto3."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload = double.handle(self.command, self.path, json.loads(raw or b"{}"))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status >= 400:
                self.send_header("x-amzn-ErrorType", payload["__type"])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply  # noqa: N815 (http.server's names)

        def log_message(self, *args: Any) -> None:
            pass

    return LoopbackServer(Handler).start()
