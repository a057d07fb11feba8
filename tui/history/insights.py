"""The history engine AWS runs: CloudWatch Logs Insights over the log groups flowtail follows.

One question is three queries started together (``insights_query``: timeline, peers, newest records)
over up to 50 log groups; each is polled with ``GetQueryResults`` and a growing delay, its rows shown
through ``progress`` while it is ``Running``, paged with ``nextToken`` once ``Complete``, and stopped
with ``StopQuery`` when the caller cancels or another of the three fails.

Insights bills by the bytes a query scans, and each of the three scans the same log groups over the
same range. Before running, the peers query with ``| estimate`` as last command (free) says what one
scan would read; the estimate is that times the number of queries. Above ``max_scan_bytes`` the run
refuses with :class:`ScanNeedsApproval` until the caller, having asked the user, calls
:meth:`InsightsEngine.approve` for that question.

Insights sorts by one field: the newest records come by start only, so when several records share the
start of the last one listed, which of them are listed is Insights' choice (the other engines take
them in message order); the starts listed are the same.

The estimate's answer shape is not in the API reference: the engine reads the first numeric value of
the first result row (the field whose name mentions bytes when there are several), else the
statistics' ``bytesScanned``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from tui.flowlog.logformat import DEFAULT_FORMAT, FlowFormat
from tui.history.insights_query import (
    FROM_SUBJECT,
    MAX_LOG_GROUPS,
    MAX_ROWS,
    estimate_query,
    insights_name,
    peers_query,
    records_query,
    timeline_query,
)
from tui.history.model import (
    Answer,
    HistoryCancelled,
    HistoryError,
    Peer,
    Progress,
    Question,
    RecordRow,
    TimelineBin,
    check_cancel,
    from_epoch,
    order_peers,
    record_key,
    record_sides,
    timeline_key,
)

ENGINE = "insights"
USD_PER_GB = 0.005  # Logs Insights, per GB scanned (us-east-1 list price); history.insights_usd_per_gb
GB = 1_000_000_000
DEFAULT_MAX_SCAN = 10 * GB  # history.max_scan: above it the caller asks first
IAM_ACTIONS = ("logs:StartQuery", "logs:GetQueryResults", "logs:StopQuery")
_DONE = "Complete"
_FAILED = ("Failed", "Cancelled", "Timeout", "Unknown")
_APPROVALS_KEPT = 16
RETRIES = 5  # GetQueryResults throttled or failing transiently this many times in a row: give up


class ScanNeedsApproval(HistoryError):
    """The question would scan more than ``max_scan``: ask the user, then :meth:`InsightsEngine.approve`."""

    def __init__(self, estimated_bytes: int, cost_usd: float, limit_bytes: int) -> None:
        self.estimated_bytes = estimated_bytes
        self.cost_usd = cost_usd
        self.limit_bytes = limit_bytes
        super().__init__(
            f"Logs Insights would scan about {format_bytes(estimated_bytes)} (~{format_usd(cost_usd)}), "
            f"more than history.max_scan ({format_bytes(limit_bytes)}): confirm to run it"
        )


@dataclass(frozen=True)
class PollPolicy:
    """How often ``GetQueryResults`` is called: ``first_s``, growing by ``factor`` up to ``max_s``;
    a query still unfinished after ``timeout_s`` is stopped (Insights' own limit is 60 minutes)."""

    first_s: float = 0.5
    factor: float = 1.5
    max_s: float = 5.0
    timeout_s: float = 3600.0


def format_bytes(count: int) -> str:
    """``12.3 GB``, ``850 MB``, ``4 KB``, ``0 B`` (decimal units, as AWS prices them)."""
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{count} B"


def format_usd(amount: float) -> str:
    return f"${amount:.2f}" if amount >= 0.01 else f"${amount:.4f}"


@dataclass
class _Query:
    """One started query and what it returned so far."""

    kind: str  # "timeline", "peers", "records"
    text: str
    query_id: str = ""
    status: str = "Scheduled"
    rows: list[dict[str, str]] = field(default_factory=list)
    statistics: Mapping[str, float] = field(default_factory=dict)


class InsightsEngine:
    """Answers history questions with CloudWatch Logs Insights (see the module docstring).

    ``client`` is a boto3 ``logs`` client (``tui.sources.clients.make_client("logs", ...)``, which
    :meth:`from_settings` makes); ``fmt`` the followed log groups' record format.
    """

    name = ENGINE

    def __init__(
        self,
        client: Any,
        log_groups: Sequence[str],
        fmt: FlowFormat = DEFAULT_FORMAT,
        *,
        usd_per_gb: float = USD_PER_GB,
        max_scan_bytes: int = DEFAULT_MAX_SCAN,
        poll: PollPolicy = PollPolicy(),
        region: str | None = None,
    ) -> None:
        groups = list(dict.fromkeys(log_groups))
        if not groups:
            raise HistoryError("Logs Insights: no log group to query (the config follows none)")
        if len(groups) > MAX_LOG_GROUPS:
            raise HistoryError(
                f"Logs Insights queries up to {MAX_LOG_GROUPS} log groups at once; the config follows {len(groups)}"
            )
        self._client = client
        self._groups = groups
        self._format = fmt
        self._usd_per_gb = usd_per_gb
        self.max_scan_bytes = max_scan_bytes
        self._poll = poll
        self._region = region
        self._estimates: OrderedDict[Question, int] = OrderedDict()
        self._approved: OrderedDict[Question, int] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        log_groups: Sequence[str],
        fmt: FlowFormat = DEFAULT_FORMAT,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        **options: Any,
    ) -> InsightsEngine:
        """An engine with its own client, made as the sources make theirs."""
        from tui.sources.clients import make_client

        try:
            client = make_client("logs", region=region, profile=profile, endpoint_url=endpoint_url)
        except Exception as error:  # botocore's: unknown profile, no region
            raise HistoryError(f"Logs Insights: cannot make a client: {str(error).splitlines()[0]}") from None
        return cls(client, log_groups, fmt, region=region or client.meta.region_name, **options)

    # -- cost ----------------------------------------------------------------------------------------

    def cost_usd(self, scanned_bytes: int) -> float:
        return scanned_bytes / GB * self._usd_per_gb

    def queries(self, question: Question) -> dict[str, str]:
        """The query texts a question runs, by kind (what :meth:`run` starts)."""
        texts = {"timeline": timeline_query(question, self._format), "peers": peers_query(question, self._format)}
        if question.records_limit > 0:
            texts["records"] = records_query(question, self._format)
        return texts

    def estimate(self, question: Question, cancel: threading.Event | None = None) -> int:
        """The bytes answering ``question`` would scan (``| estimate``: free, approximate)."""
        with self._lock:
            if question in self._estimates:
                return self._estimates[question]
        texts = self.queries(question)
        query = _Query("estimate", estimate_query(texts["peers"]))
        self._start([query], question)
        try:
            self._wait([query], question, None, cancel)
        except BaseException:
            self._stop([query])
            raise
        one_scan = _estimated_bytes(query)
        total = one_scan * len(texts)
        with self._lock:
            _remember(self._estimates, question, total)
        return total

    def needs_approval(self, question: Question) -> bool:
        """Whether :meth:`run` would refuse ``question`` before :meth:`approve` (estimates it)."""
        estimated = self.estimate(question)
        with self._lock:
            return estimated > self.max_scan_bytes and self._approved.get(question) != estimated

    def approve(self, question: Question) -> None:
        """The user agreed to the estimated scan of ``question``: :meth:`run` will run it."""
        estimated = self.estimate(question)
        with self._lock:
            _remember(self._approved, question, estimated)

    # -- running -------------------------------------------------------------------------------------

    def run(
        self,
        question: Question,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        began = time.monotonic()
        check_cancel(cancel)
        estimated = self.estimate(question, cancel)
        with self._lock:
            approved = self._approved.get(question) == estimated
        if estimated > self.max_scan_bytes and not approved:
            raise ScanNeedsApproval(estimated, self.cost_usd(estimated), self.max_scan_bytes)
        check_cancel(cancel)
        queries = [_Query(kind, text) for kind, text in self.queries(question).items()]
        try:
            self._start(queries, question)

            def report() -> None:
                if progress is not None:
                    progress(self._answer(question, queries, began, estimated, complete=False))

            self._wait(queries, question, report, cancel)
            for query in queries:
                self._page(query, question)
                _check_columns(query)
        except BaseException:
            self._stop(queries)
            raise
        answer = self._answer(question, queries, began, estimated, complete=True)
        if progress is not None:
            progress(answer)
        return answer

    def _start(self, queries: list[_Query], question: Question) -> None:
        for query in queries:
            try:
                response = self._client.start_query(
                    **self._targets(),
                    startTime=question.time_range.start_s,
                    endTime=question.time_range.end_s,
                    queryString=query.text,
                    limit=MAX_ROWS,
                )
            except Exception as error:
                raise self._error(error, "logs:StartQuery") from None
            query.query_id = response["queryId"]

    def _wait(
        self,
        queries: list[_Query],
        question: Question,
        report: Callable[[], None] | None,
        cancel: threading.Event | None,
    ) -> None:
        """Poll every unfinished query until all are Complete; rows seen while Running go to ``report``."""
        policy = self._poll
        delay = policy.first_s
        deadline = time.monotonic() + policy.timeout_s
        waiter = cancel or threading.Event()
        while True:
            check_cancel(cancel)
            changed = False
            for query in queries:
                if query.status == _DONE:
                    continue
                response = self._get(query.query_id, cancel=cancel)
                query.status = response.get("status", "Unknown")
                if query.status in _FAILED:
                    raise HistoryError(
                        f"the Logs Insights {query.kind} query ended {query.status}"
                        + (" (its 60-minute limit)" if query.status == "Timeout" else "")
                    )
                rows = [_row(fields) for fields in response.get("results", [])]
                if rows != query.rows:
                    changed = True
                query.rows = rows
                query.statistics = response.get("statistics", {})
            if all(query.status == _DONE for query in queries):
                return
            if changed and report is not None:
                report()
            if time.monotonic() + delay > deadline:
                raise HistoryError(f"Logs Insights did not finish within {policy.timeout_s:.0f} s: stopped")
            if waiter.wait(delay):
                raise HistoryCancelled("the history query was cancelled")
            delay = min(delay * policy.factor, policy.max_s)

    def _page(self, query: _Query, question: Question) -> None:
        """The whole result of a Complete query: the first page came with the last poll; follow
        ``nextToken`` for the rest (GetQueryResults pages at most 10,000 rows)."""
        token = None
        rows: list[dict[str, str]] = []
        while True:
            response = self._get(query.query_id, token)
            rows.extend(_row(fields) for fields in response.get("results", []))
            query.statistics = response.get("statistics", query.statistics)
            token = response.get("nextToken")
            if not token:
                break
        query.rows = rows

    def _get(self, query_id: str, token: str | None = None, cancel: threading.Event | None = None) -> dict[str, Any]:
        """One GetQueryResults; a throttle or a transient failure is retried after the poll delay (up
        to ``RETRIES`` times in a row), anything else is an error."""
        from tui.sources.aws_errors import CallContext, FaultKind, classify

        request: dict[str, Any] = {"queryId": query_id}
        if token:
            request["nextToken"] = token
        delay = self._poll.first_s
        for attempt in range(RETRIES + 1):
            try:
                response: dict[str, Any] = self._client.get_query_results(**request)
                return response
            except Exception as error:
                fault = classify(error, CallContext(log_group="", service="CloudWatch Logs Insights"))
                retry = fault is not None and fault.kind in (FaultKind.THROTTLED, FaultKind.TRANSIENT)
                if not retry or attempt == RETRIES:
                    raise self._error(error, "logs:GetQueryResults") from None
            if (cancel or threading.Event()).wait(delay):
                raise HistoryCancelled("the history query was cancelled")
            delay = min(delay * self._poll.factor, self._poll.max_s)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _stop(self, queries: list[_Query]) -> None:
        """StopQuery for every started query that has not finished (best effort: it may just have)."""
        for query in queries:
            if query.query_id and query.status not in (_DONE, *_FAILED):
                # a query that ended meanwhile cannot be stopped, and there is nothing else to do
                with contextlib.suppress(Exception):
                    self._client.stop_query(queryId=query.query_id)

    def _error(self, error: Exception, action: str) -> Exception:
        """A one-line HistoryError for an AWS failure, or ``error`` itself when it is none."""
        from botocore.exceptions import ClientError

        from tui.sources.aws_errors import CallContext, FaultKind, classify

        if isinstance(error, ClientError):
            code = str(error.response.get("Error", {}).get("Code", ""))
            message = " ".join(str(error.response.get("Error", {}).get("Message", "")).split())[:300]
            if code == "MalformedQueryException":
                return HistoryError(f"Logs Insights refused the query (MalformedQueryException): {message}")
            if code == "LimitExceededException":
                return HistoryError(
                    "Logs Insights: too many queries running in this account (LimitExceededException); "
                    "wait for some to finish, then ask again"
                )
            if code == "ResourceNotFoundException":
                return HistoryError(f"Logs Insights: {message or 'a log group was not found'} ({code})")
        context = CallContext(
            log_group=", ".join(self._groups),
            region=self._region,
            service="CloudWatch Logs Insights",
            action=action,
            resource=self._resources(),
        )
        fault = classify(error, context)
        if fault is None:
            return error
        if fault.kind is FaultKind.ACCESS_DENIED:
            return HistoryError(
                f"Logs Insights: access denied ({action}); the IAM principal needs "
                f"{', '.join(IAM_ACTIONS)} on {self._resources()}"
            )
        return HistoryError(f"Logs Insights: {fault.message}")

    def _targets(self) -> dict[str, list[str]]:
        """StartQuery's log groups: ``logGroupNames`` takes names only; a group configured by its ARN
        goes in ``logGroupIdentifiers`` (names or ARNs, without the trailing ``:*``)."""
        if not any(group.startswith("arn:") for group in self._groups):
            return {"logGroupNames": self._groups}
        return {"logGroupIdentifiers": [group.removesuffix(":*") for group in self._groups]}

    def _resources(self) -> str:
        region = self._region or "*"
        arns = [
            group if group.startswith("arn:") else f"arn:aws:logs:{region}:*:log-group:{group}"
            for group in self._groups[:3]
        ]
        more = f" and {len(self._groups) - 3} more" if len(self._groups) > 3 else ""
        return ", ".join(arns) + more

    # -- the answer ----------------------------------------------------------------------------------

    def _answer(
        self, question: Question, queries: list[_Query], began: float, estimated: int, *, complete: bool
    ) -> Answer:
        by_kind = {query.kind: query for query in queries}
        timeline = _timeline(by_kind["timeline"].rows)
        peers, peers_cut = _peers(question, by_kind["peers"].rows, self._format)
        records = _records(by_kind["records"].rows, self._format, question) if "records" in by_kind else ()
        scanned = int(sum(query.statistics.get("bytesScanned", 0) for query in queries))
        notes = []
        for query in queries:
            if complete and len(query.rows) >= MAX_ROWS and query.kind != "records":
                notes.append(
                    f"the {query.kind} query hit Insights' {MAX_ROWS:,}-row limit: its smallest rows are missing"
                )
        if peers_cut:
            notes.append(f"{peers_cut} more peers not listed (the first {question.peers_limit} shown)")
        matched = sum(row.flows for row in timeline)
        notes.append(
            f"Logs Insights over {len(self._groups)} log group{'s' if len(self._groups) != 1 else ''}: "
            f"{len(queries)} queries, {format_bytes(scanned)} scanned, ~{format_usd(self.cost_usd(scanned))} "
            f"(estimated {format_bytes(estimated)} before running)"
        )
        return Answer(
            engine=ENGINE,
            question=question,
            timeline=timeline,
            peers=peers,
            records=records,
            records_matched=matched,
            bytes_scanned=scanned,
            cost_usd=self.cost_usd(scanned),
            elapsed_ms=int((time.monotonic() - began) * 1000),
            complete=complete,
            notes=tuple(notes),
        )


_COLUMNS = {"timeline": ("binStart", "flows"), "peers": ("flows", "firstStart"), "records": ("@message",)}


def _check_columns(query: _Query) -> None:
    """HistoryError when a Complete query's rows lack the columns it asks for: an endpoint that does not
    run Insights queries (moto answers every query with raw events) must not read as "no flows"."""
    needed = _COLUMNS[query.kind]
    for row in query.rows:
        missing = [name for name in needed if name not in row]
        if missing:
            raise HistoryError(
                f"Logs Insights answered the {query.kind} query without its {', '.join(missing)} column: "
                "the endpoint does not run Insights queries (moto does not)"
            )


def _remember(cache: OrderedDict[Question, int], question: Question, value: int) -> None:
    cache[question] = value
    cache.move_to_end(question)
    while len(cache) > _APPROVALS_KEPT:
        cache.popitem(last=False)


def _row(fields: Sequence[Mapping[str, str]]) -> dict[str, str]:
    return {str(item.get("field")): str(item.get("value", "")) for item in fields}


def _estimated_bytes(query: _Query) -> int:
    if query.rows:
        row = query.rows[0]
        names = sorted(row, key=lambda name: "byte" not in name.lower())
        for name in names:
            number = _number(row[name])
            if number is not None:
                return number
    return int(query.statistics.get("bytesScanned", 0))


def _number(value: str | None) -> int | None:
    """An Insights value as an integer: sums come back as ``"1234"`` or ``"1234.0"``; ``-`` and empty
    are no number."""
    if value is None or value in ("", "-"):
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _action(value: str | None) -> str | None:
    return value if value in ("ACCEPT", "REJECT") else None


def _timeline(rows: list[dict[str, str]]) -> tuple[TimelineBin, ...]:
    bins = []
    for row in rows:
        start = _number(row.get("binStart"))
        if start is None:
            continue
        bins.append(
            TimelineBin(
                start=from_epoch(start),
                action=_action(row.get("action")),
                flows=_number(row.get("flows")) or 0,
                bytes=_number(row.get("flowBytes")) or 0,
                packets=_number(row.get("flowPackets")) or 0,
            )
        )
    return tuple(sorted(bins, key=timeline_key))


def _peers(question: Question, rows: list[dict[str, str]], fmt: FlowFormat) -> tuple[tuple[Peer, ...], int]:
    """Fold the grouped rows into peers with the model's own rule (``record_sides``); the peers and how
    many were cut by ``peers_limit``."""
    subject = question.subject
    direction_field = insights_name("flow-direction")
    folded: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        src, dst = _address(row.get("srcAddr")), _address(row.get("dstAddr"))
        dst_port, protocol = _number(row.get("dstPort")), _number(row.get("protocol"))
        fields: dict[str, Any] = {"srcaddr": src, "dstaddr": dst, "dstport": dst_port, "interface-id": subject.value}
        if subject.kind == "port":
            fields["srcport"] = subject.port if row.get(FROM_SUBJECT) in ("1", "true") else None
        if direction_field in row:
            fields["flow-direction"] = row[direction_field]
        action = _action(row.get("action"))
        counts = [_number(row.get(name)) or 0 for name in ("flows", "flowBytes", "flowPackets")]
        first, last = _number(row.get("firstStart")) or 0, _number(row.get("lastStart")) or 0
        for side in record_sides(subject, fields):
            peer = src if side == "in" else dst
            key = (peer, dst_port, protocol, action, side)
            total = folded.setdefault(key, [0, 0, 0, first, last])
            for index in range(3):
                total[index] += counts[index]
            total[3], total[4] = min(total[3], first), max(total[4], last)
    peers = [
        Peer(
            address=address,
            port=port,
            protocol=protocol,
            action=action,
            direction=side,
            flows=total[0],
            bytes=total[1],
            packets=total[2],
            first=from_epoch(total[3]),
            last=from_epoch(total[4]),
        )
        for (address, port, protocol, action, side), total in folded.items()
    ]
    ordered = order_peers(peers, question.peers_limit)
    return ordered, len(peers) - len(ordered)


def _address(value: str | None) -> str | None:
    return None if value in (None, "", "-") else value


def _records(rows: list[dict[str, str]], fmt: FlowFormat, question: Question) -> tuple[RecordRow, ...]:
    records = []
    for row in rows:
        message = row.get("@message", "")
        tokens = fmt.split(message)
        if tokens is None:
            continue  # no record of the configured format: nothing to decode
        fields = {name: convert(token) for name, convert, token in zip(fmt.names, fmt.converters, tokens)}
        start = fields.get("start")
        if not isinstance(start, int):
            start = _number(row.get("startTime"))
        if start is None:
            continue
        records.append(RecordRow(timestamp=from_epoch(start), message=message, fields=fields))
    return tuple(sorted(records, key=record_key)[: question.records_limit])
