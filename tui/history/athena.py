"""Athena over the flow logs in S3: the table's DDL (partition projection) and the history engine.

The table is the one AWS documents for VPC flow logs ("Create and query a table for Amazon VPC flow
logs using partition projection", Athena user guide), for the configured ``format``: one column per
field (``-`` becomes ``_``), partitioned by the delivery ``day`` (``yyyy/MM/dd``, the S3 path AWS
writes), projected so that no partition needs adding. Every query carries the predicate on ``day``
for its time range, so Athena reads only those days' objects.

A question is three statements (:mod:`tui.history.sql`): StartQueryExecution, GetQueryExecution
polled with backoff until it succeeds, GetQueryResults paged (at most 1,000 rows a page), and
StopQueryExecution when the question is cancelled. The answer carries ``DataScannedInBytes`` and
its cost (Athena bills each query at least 10 MB).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any, Callable

from tui.config.schema import AthenaConfig
from tui.flowlog import FIELDS, FlowFormat
from tui.history.aws import aws_error
from tui.history.model import Answer, HistoryCancelled, HistoryError, Progress, Question, check_cancel
from tui.history.sql import ATHENA, HistorySql, column, literal, peer_rows, quoted, record_rows, timeline_rows

PAGE_ROWS = 1000  # GetQueryResults' maximum page
MIN_BILLED_BYTES = 10 * 10**6  # Athena bills every query at least 10 MB
PARTITION = "day"
PARTITION_FORMAT = "%Y/%m/%d"
DELIVERY_LAG = timedelta(hours=1)  # a record reaches S3 after its start: its day partition may be the next one
IAM_ACTIONS = (
    "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
    "athena:StopQueryExecution", "glue:GetTable", "s3:GetObject and s3:ListBucket on the logs",
    "s3:PutObject and s3:GetObject on the output location",
)

# Column types as in AWS's Athena DDL for flow logs; other numeric fields are bigint, the rest string.
_TYPES = {
    "version": "int", "srcport": "int", "dstport": "int", "tcp-flags": "int", "traffic-path": "int",
}


def column_type(field: str) -> str:
    if field in _TYPES:
        return _TYPES[field]
    spec = FIELDS.get(field)
    return "bigint" if spec is not None and spec.kind in ("int", "epoch") else "string"


def ddl(fmt: FlowFormat, athena: AthenaConfig, start_day: str = "2020/01/01") -> str:
    """The CREATE TABLE for flow logs of ``fmt`` delivered to S3 (text or Parquet) with partition projection."""
    location = athena.location or "s3://BUCKET/PREFIX/AWSLogs/ACCOUNT_ID/vpcflowlogs/REGION/"
    location = location if location.endswith("/") else location + "/"
    columns = ",\n".join(f"  `{column(name)}` {column_type(name)}" for name in fmt.names)
    if athena.file_format == "parquet":
        storage = (
            "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n"
            "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n"
            "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'"
        )
        header = ""
    else:
        storage = "ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '"
        header = '  "skip.header.line.count" = "1",\n'
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS `{athena.database}`.`{athena.table}` (\n{columns}\n)\n"
        f"PARTITIONED BY (`{PARTITION}` string)\n{storage}\nLOCATION '{location}'\nTBLPROPERTIES (\n{header}"
        '  "projection.enabled" = "true",\n'
        f'  "projection.{PARTITION}.type" = "date",\n'
        f'  "projection.{PARTITION}.range" = "{start_day},NOW",\n'
        f'  "projection.{PARTITION}.format" = "yyyy/MM/dd",\n'
        f'  "projection.{PARTITION}.interval" = "1",\n'
        f'  "projection.{PARTITION}.interval.unit" = "DAYS",\n'
        f'  "storage.location.template" = "{location}${{{PARTITION}}}"\n'
        ");\n"
    )


def partition_predicate(question: Question) -> str:
    """The days whose objects can hold the range's records (delivery comes after the record's start)."""
    time_range = question.time_range
    first = time_range.start.strftime(PARTITION_FORMAT)
    last = (time_range.end + DELIVERY_LAG).strftime(PARTITION_FORMAT)
    return f"{quoted(PARTITION)} BETWEEN {literal(first)} AND {literal(last)}"


def athena_sql(question: Question, fmt: FlowFormat, athena: AthenaConfig) -> HistorySql:
    """The question's statements over the configured table."""
    table = f"{quoted(athena.database)}.{quoted(athena.table)}"
    return HistorySql(question, fmt.names, table, ATHENA, where=(partition_predicate(question),))


class AthenaEngine:
    """Athena over the table of ``athena`` (format ``fmt``); ``client`` makes the boto3 Athena client."""

    name = "athena"

    def __init__(
        self,
        athena: AthenaConfig,
        fmt: FlowFormat,
        client: Callable[[], Any],
        usd_per_tb: float = 5.0,
        poll_s: float = 0.2,
        max_poll_s: float = 2.0,
    ) -> None:
        self.athena = athena
        self.fmt = fmt
        self._factory = client
        self._client: Any = None
        self.usd_per_tb = usd_per_tb
        self.poll_s = poll_s
        self.max_poll_s = max_poll_s

    def estimate(self, question: Question) -> int | None:
        """Athena has no dry run: no estimate (each query's scan is reported after it ran)."""
        return None

    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def cost(self, scanned: list[int]) -> float:
        return sum(max(size, MIN_BILLED_BYTES) for size in scanned) / 10**12 * self.usd_per_tb

    def run(
        self,
        question: Question,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        started = time.monotonic()
        sql = athena_sql(question, self.fmt, self.athena)
        answer = Answer(self.name, question, complete=False)
        scanned: list[int] = []
        for part in ("timeline", "peers", "records"):
            rows, size = self._query(getattr(sql, part)(), cancel)
            scanned.append(size)
            if part == "timeline":
                timeline = timeline_rows(rows)
                answer = replace(answer, timeline=timeline, records_matched=sum(row.flows for row in timeline))
            elif part == "peers":
                answer = replace(answer, peers=peer_rows(rows, question.peers_limit))
            else:
                answer = replace(answer, records=record_rows(rows, sql.fields, self.fmt))
            answer = replace(
                answer, bytes_scanned=sum(scanned), cost_usd=self.cost(scanned),
                elapsed_ms=int((time.monotonic() - started) * 1000),
            )
            if progress is not None and part != "records":
                progress(answer)
        notes = (f"{len(scanned)} Athena queries over the partitions of the range",)
        return replace(answer, complete=True, notes=notes)

    def _call(self, doing: str, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client(), method)(**kwargs)
        except HistoryError:
            raise
        except Exception as error:
            raise aws_error(error, doing, IAM_ACTIONS) from None

    def _query(self, text: str, cancel: threading.Event | None) -> tuple[list[list[str | None]], int]:
        """Run one statement to its end: (rows as text, bytes scanned)."""
        check_cancel(cancel)
        request: dict[str, Any] = {
            "QueryString": text,
            "QueryExecutionContext": {"Database": self.athena.database},
            "WorkGroup": self.athena.workgroup,
        }
        if self.athena.output_location:
            request["ResultConfiguration"] = {"OutputLocation": self.athena.output_location}
        query_id = self._call("starting an Athena query", "start_query_execution", **request)["QueryExecutionId"]
        execution = self._wait(query_id, cancel)
        statistics = execution.get("Statistics", {})
        return self._results(query_id, cancel), int(statistics.get("DataScannedInBytes", 0) or 0)

    def _wait(self, query_id: str, cancel: threading.Event | None) -> dict[str, Any]:
        delay = self.poll_s
        while True:
            execution = self._call("polling an Athena query", "get_query_execution", QueryExecutionId=query_id)
            execution = execution["QueryExecution"]
            status = execution.get("Status", {})
            state = status.get("State")
            if state == "SUCCEEDED":
                return dict(execution)
            if state in ("FAILED", "CANCELLED"):
                reason = str(status.get("StateChangeReason") or "no reason given").splitlines()[0]
                raise HistoryError(f"the Athena query {state.lower()}: {reason}")
            if cancel is not None and cancel.wait(delay):
                self._stop(query_id)
                raise HistoryCancelled("the history query was cancelled (Athena StopQueryExecution sent)")
            delay = min(delay * 2, self.max_poll_s)

    def _stop(self, query_id: str) -> None:
        self._call("stopping an Athena query", "stop_query_execution", QueryExecutionId=query_id)

    def _results(self, query_id: str, cancel: threading.Event | None) -> list[list[str | None]]:
        rows: list[list[str | None]] = []
        token: str | None = None
        first = True
        while True:
            check_cancel(cancel)
            request: dict[str, Any] = {"QueryExecutionId": query_id, "MaxResults": PAGE_ROWS}
            if token:
                request["NextToken"] = token
            page = self._call("reading Athena results", "get_query_results", **request)
            page_rows = page.get("ResultSet", {}).get("Rows", [])
            if first and page_rows:
                page_rows = page_rows[1:]  # a SELECT's first row holds the column names
            first = False
            rows.extend([datum.get("VarCharValue") for datum in row.get("Data", [])] for row in page_rows)
            token = page.get("NextToken")
            if not token:
                return rows
