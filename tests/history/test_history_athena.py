"""Athena: the DDL flowtail prints, the SQL it sends (run here by DuckDB over a table of the same
schema: the same answers as the local engine on the same records), and the API flow
(StartQueryExecution, QUEUED -> RUNNING -> SUCCEEDED, GetQueryResults paged, StopQueryExecution).

The API flow runs against a local endpoint speaking Athena's documented REST-JSON shapes
(``athena_double``: moto 5.2.6 cannot serve botocore 1.44's Athena, see there). As with moto, a test
seeds each query's results, here with the rows DuckDB computed from the generated SQL."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tui.config import AthenaConfig
from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.history.athena import AthenaEngine, athena_sql, column_type, ddl, partition_predicate
from tui.history.aws import aws_error
from tui.history.cache import ParquetCache
from tui.history.local import LocalEngine
from tui.history.model import HistoryCancelled, HistoryError, Question, Subject, TimeRange, from_epoch
from tui.history.sql import column, peer_rows, record_rows, timeline_rows
from tui.sources.clients import make_client

from tests.history.athena_double import AthenaDouble, serve
from tests.history.reference import BASE, V5, expected, line, observed, write_file

ATHENA = AthenaConfig(database="flows", table="vpc_flow_logs", output_location="s3://results/athena/")
RANGE = TimeRange(from_epoch(BASE - 60), from_epoch(BASE + 3000))
SUBJECTS = ["10.0.0.1", "2001:db8::1", "10.0.0.0/24", "0.0.0.0/0", "eni-00000000000000002", "port:22"]


def test_ddl_is_aws_documented_table_for_the_default_format():
    text = ddl(DEFAULT_FORMAT, AthenaConfig(location="s3://logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/"))
    columns = [row.strip().rstrip(",") for row in text.splitlines()[1:15]]
    assert columns == [
        "`version` int", "`account_id` string", "`interface_id` string", "`srcaddr` string", "`dstaddr` string",
        "`srcport` int", "`dstport` int", "`protocol` bigint", "`packets` bigint", "`bytes` bigint",
        "`start` bigint", "`end` bigint", "`action` string", "`log_status` string",
    ]
    assert "PARTITIONED BY (`day` string)" in text
    assert "ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '" in text
    assert '"skip.header.line.count" = "1"' in text
    for prop in ('"projection.enabled" = "true"', '"projection.day.type" = "date"',
                 '"projection.day.format" = "yyyy/MM/dd"', '"projection.day.interval.unit" = "DAYS"',
                 '"storage.location.template" = "s3://logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/${day}"'):
        assert prop in text
    assert text.startswith("CREATE EXTERNAL TABLE IF NOT EXISTS `default`.`vpc_flow_logs` (")


def test_ddl_for_parquet_deliveries_and_custom_formats():
    text = ddl(V5, AthenaConfig(file_format="parquet"))
    assert "`flow_direction` string" in text and "`tcp_flags` int" in text and "`vpc_id` string" in text
    assert "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'" in text
    assert "skip.header.line.count" not in text
    assert "LOCATION 's3://BUCKET/PREFIX/AWSLogs/ACCOUNT_ID/vpcflowlogs/REGION/'" in text


def test_every_query_carries_the_partition_predicate_of_its_range():
    question = Question(Subject.parse("10.0.0.1"), TimeRange(
        datetime(2026, 12, 5, 23, 0, tzinfo=timezone.utc), datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc)))
    assert partition_predicate(question) == "\"day\" BETWEEN '2026/12/05' AND '2026/12/07'"
    sql = athena_sql(question, DEFAULT_FORMAT, ATHENA)
    for text in (sql.timeline(), sql.peers(), sql.records()):
        assert text.count(partition_predicate(question)) == text.count(" FROM \"flows\".\"vpc_flow_logs\"") >= 1


def test_an_ipv6_cidr_uses_athena_s_ip_functions():
    """DuckDB has no IPADDRESS type offline, so this one predicate is checked as text (Trino's contains)."""
    sql = athena_sql(Question(Subject.parse("2001:db8::/32"), RANGE), DEFAULT_FORMAT, ATHENA)
    assert "contains('2001:db8::/32', try_cast(\"dstaddr\" AS IPADDRESS))" in sql.timeline()
    assert "contains('2001:db8::/32', try_cast(\"srcaddr\" AS IPADDRESS))" in sql.peers()


def _records(seed: int = 21, count: int = 400) -> list[str]:
    rng = random.Random(seed)
    return [line(V5, rng, start_window=2900) for _ in range(count)]


def _athena_table(lines: list[str], fmt: FlowFormat):
    """DuckDB holding "flows"."vpc_flow_logs" as Athena reads the text files: columns typed as the
    DDL says (a '-' in a number column is NULL, in a text column it stays '-'), plus ``day``."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA flows")
    types = {"int": "INTEGER", "bigint": "BIGINT", "string": "VARCHAR"}
    columns = ", ".join(f'"{column(name)}" {types[column_type(name)]}' for name in fmt.names)
    connection.execute(f'CREATE TABLE flows.vpc_flow_logs ({columns}, "day" VARCHAR)')
    rows = []
    for text in lines:
        tokens = text.split()
        values = [None if column_type(name) != "string" and token == "-" else
                  (token if column_type(name) == "string" else int(token)) for name, token in zip(fmt.names, tokens)]
        day = from_epoch(int(tokens[fmt.index("start")]) + 300).strftime("%Y/%m/%d")
        rows.append((*values, day))
    marks = ", ".join("?" for _ in range(len(fmt.names) + 1))
    connection.executemany(f"INSERT INTO flows.vpc_flow_logs VALUES ({marks})", rows)
    return connection


def _local(tmp_path: Path, lines: list[str], question: Question):
    path = write_file(tmp_path / "v5.log", lines, header=V5)
    return LocalEngine([str(path)], DEFAULT_FORMAT, ParquetCache(tmp_path / "cache", 10**9), workers=1).run(question)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_athena_sql_run_by_duckdb_answers_as_the_local_engine(tmp_path, subject):
    lines = _records()
    question = Question(Subject.parse(subject), RANGE, bin_seconds=300, records_limit=25, peers_limit=30)
    sql = athena_sql(question, V5, ATHENA)
    connection = _athena_table(lines, V5)
    timeline = timeline_rows(connection.execute(sql.timeline()).fetchall())
    peers = peer_rows(connection.execute(sql.peers()).fetchall(), question.peers_limit)
    records = record_rows(connection.execute(sql.records()).fetchall(), sql.fields, V5)
    local = _local(tmp_path, lines, question)
    assert local.records_matched > 0
    assert (timeline, peers, records) == (local.timeline, local.peers, local.records)
    assert observed(local) == expected(question, [(V5, text) for text in lines])


# -- the API flow, against a local Athena endpoint (see athena_double for why not moto) --------------


@pytest.fixture
def athena(monkeypatch):
    """(the endpoint's state, a boto3 Athena client on it)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    double = AthenaDouble()
    server = serve(double)
    yield double, make_client("athena", "us-east-1", endpoint_url=server.url)
    server.stop()


def _as_text(cursor) -> list[list[str | None]]:
    """DuckDB's result as GetQueryResults holds it: the header row, then text values (NULL: none)."""
    names = [item[0] for item in cursor.description]
    return [names] + [[None if value is None else str(value) for value in row] for row in cursor.fetchall()]


def test_the_athena_engine_answers_as_the_local_engine(athena, tmp_path):
    double, client = athena
    double.polls_per_state, double.scanned = 2, 250 * 10**6
    lines = _records()
    question = Question(Subject.parse("10.0.0.0/24"), RANGE, bin_seconds=600, records_limit=10, peers_limit=20)
    sql = athena_sql(question, V5, ATHENA)
    connection = _athena_table(lines, V5)
    double.results = [_as_text(connection.execute(text)) for text in (sql.timeline(), sql.peers(), sql.records())]
    partial = []
    engine = AthenaEngine(ATHENA, V5, lambda: client, poll_s=0.001, max_poll_s=0.002)
    answer = engine.run(question, partial.append)
    local = _local(tmp_path, lines, question)
    assert (answer.timeline, answer.peers, answer.records, answer.records_matched) == (
        local.timeline, local.peers, local.records, local.records_matched)
    assert [bool(p.timeline) and not p.complete for p in partial] == [True, True]
    assert answer.complete and answer.bytes_scanned == 3 * 250 * 10**6
    assert answer.cost_usd == pytest.approx(3 * 250 * 10**6 / 10**12 * 5.0)
    assert len(double.executions) == 3
    for execution in double.executions.values():
        assert partition_predicate(question) in execution.query
        assert execution.context == {"Database": "flows"}
        assert execution.result_configuration == {"OutputLocation": "s3://results/athena/"}
        assert execution.state == "SUCCEEDED"


def test_small_scans_cost_athena_s_10_mb_minimum(athena):
    double, client = athena
    answer = AthenaEngine(ATHENA, DEFAULT_FORMAT, lambda: client, poll_s=0.001).run(
        Question(Subject.parse("10.0.0.1"), RANGE))
    assert answer.bytes_scanned == 0 and answer.records_matched == 0
    assert answer.cost_usd == pytest.approx(3 * 10**7 / 10**12 * 5.0)


def test_cancel_stops_the_athena_query(athena):
    double, client = athena
    double.polls_per_state = None  # stays QUEUED
    cancel = threading.Event()

    class Client:  # the real client; the second poll of the queued query presses esc
        polls = 0

        def __getattr__(self, name):
            return getattr(client, name)

        def get_query_execution(self, **kwargs):
            Client.polls += 1
            if Client.polls == 2:
                cancel.set()
            return client.get_query_execution(**kwargs)

    engine = AthenaEngine(ATHENA, DEFAULT_FORMAT, Client, poll_s=0.001)
    with pytest.raises(HistoryCancelled, match="StopQueryExecution"):
        engine.run(Question(Subject.parse("10.0.0.1"), RANGE), None, cancel)
    assert [execution.state for execution in double.executions.values()] == ["CANCELLED"]


def test_results_are_read_page_by_page(athena):
    double, client = athena
    double.results = [[["bin", "action", "flows", "bytes", "packets"]]
                      + [[str(BASE + 60 * i), "ACCEPT", "1", "10", "1"] for i in range(2500)]]
    rows, _ = AthenaEngine(ATHENA, DEFAULT_FORMAT, lambda: client, poll_s=0.001)._query("SELECT 1", None)
    assert len(rows) == 2500 and rows[0][0] == str(BASE) and rows[-1][0] == str(BASE + 60 * 2499)
    assert double.page_sizes == [1000, 1000, 501]


def test_an_athena_refusal_is_one_line(athena):
    double, client = athena
    engine = AthenaEngine(ATHENA, DEFAULT_FORMAT, lambda: client)
    with pytest.raises(HistoryError, match=r"^polling an Athena query: InvalidRequestException: no such execution"):
        engine._wait("q-404", None)


def test_access_denied_names_the_iam_actions():
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "StartQueryExecution")
    message = str(aws_error(error, "starting an Athena query", ("athena:StartQueryExecution", "glue:GetTable")))
    assert message == ("starting an Athena query: access denied (AccessDeniedException); "
                       "allow athena:StartQueryExecution, glue:GetTable")
    assert "\n" not in message


def test_a_failed_query_is_one_line(athena):
    double, client = athena
    double.fail_reason = "TABLE_NOT_FOUND: line 1:8: Table 'flows.vpc_flow_logs' does not exist\nmore"
    with pytest.raises(HistoryError, match=r"^the Athena query failed: TABLE_NOT_FOUND: line 1:8: .* does not exist$"):
        AthenaEngine(ATHENA, DEFAULT_FORMAT, lambda: client, poll_s=0.001).run(Question(Subject.parse("port:22"), RANGE))
