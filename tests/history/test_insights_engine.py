"""InsightsEngine through real boto3 against the local Insights double (``insights_double.py``: moto
does not execute Insights queries, complete them in stages, page them or stop them)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest

from tui.flowlog.logformat import DEFAULT_FORMAT
from tui.history.insights import GB, InsightsEngine, PollPolicy, ScanNeedsApproval
from tui.history.model import Answer, HistoryCancelled, HistoryError, Question, Subject, TimeRange
from tui.sources.clients import make_client

from tests.history.insights_double import InsightsDouble

FAST = PollPolicy(first_s=0.01, factor=1.5, max_s=0.05, timeout_s=30)
T0 = 1796551200  # 2026-12-06T10:00:00Z
RANGE = TimeRange(datetime(2026, 12, 6, 10, tzinfo=timezone.utc), datetime(2026, 12, 6, 11, tzinfo=timezone.utc))
ATTACKER = "198.51.100.7"
GROUPS = ["/vpc/flow-logs", "/vpc/flow-logs-2"]


@pytest.fixture
def double(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    server = InsightsDouble().start()
    yield server
    server.stop()


def engine_for(double: InsightsDouble, **options) -> InsightsEngine:
    options.setdefault("poll", FAST)
    return InsightsEngine.from_settings(GROUPS, DEFAULT_FORMAT, region="us-east-1", endpoint_url=double.url, **options)


def question(subject: str = ATTACKER, **options) -> Question:
    return Question(Subject.parse(subject), RANGE, **options)


def record(src, dst, sport, dport, action, start, packets=1, size=60, proto=6) -> str:
    return f"2 123456789012 eni-0abc1234 {src} {dst} {sport} {dport} {proto} {packets} {size} {start} {start + 60} {action} OK"


def test_scheduled_running_complete_shows_partial_rows_then_the_whole_answer_with_statistics(double):
    bins = [
        {"binStart": T0, "action": "REJECT", "flows": 30, "flowBytes": 1800, "flowPackets": 30},
        {"binStart": T0, "action": "ACCEPT", "flows": 2, "flowBytes": 5000, "flowPackets": 12},
        {"binStart": T0 + 300, "action": "REJECT", "flows": 3, "flowBytes": 180, "flowPackets": 3},
    ]
    double.answer("as binStart", bins, scheduled_polls=1, running_polls=2, partial_rows=1,
                  statistics={"bytesScanned": 2.5e8, "recordsScanned": 90000})
    double.answer("min(startTime)", [], statistics={"bytesScanned": 2.5e8})
    double.answer("sort startTime desc", [], statistics={"bytesScanned": 2.5e8})
    double.estimate_bytes = 260_000_000
    snapshots: list[Answer] = []

    answer = engine_for(double).run(question(), progress=snapshots.append)

    partial = [s for s in snapshots if not s.complete]
    assert partial and len(partial[0].timeline) == 1 and partial[0].timeline[0].flows == 30
    assert answer.complete and snapshots[-1] is answer
    assert [(b.start.timestamp(), b.action, b.flows, b.bytes, b.packets) for b in answer.timeline] == [
        (T0, "ACCEPT", 2, 5000, 12), (T0, "REJECT", 30, 1800, 30), (T0 + 300, "REJECT", 3, 180, 3),
    ]
    assert answer.records_matched == 35
    assert answer.bytes_scanned == 750_000_000
    assert answer.cost_usd == pytest.approx(0.75 * 0.005)
    assert answer.engine == "insights"
    assert "Logs Insights over 2 log groups: 3 queries, 750 MB scanned, ~$0.0037 (estimated 780 MB before running)" in (
        answer.notes
    )


def test_start_query_names_the_followed_groups_and_the_range_in_epoch_seconds(double):
    engine_for(double).run(question())
    kinds = {"as binStart", "min(startTime)", "sort startTime desc", "| estimate"}
    assert {k for k in kinds if any(k in q.request["queryString"] for q in double.started)} == kinds
    for started in double.started:
        assert started.request["logGroupNames"] == GROUPS
        assert (started.request["startTime"], started.request["endTime"]) == (T0, T0 + 3600)


def test_peers_fold_both_directions_accepts_first(double):
    rows = [
        # the attacker reached 10.0.1.5:22 (in for 10.0.1.5, out for the attacker)
        {"srcAddr": ATTACKER, "dstAddr": "10.0.1.5", "dstPort": 22, "protocol": 6, "action": "REJECT",
         "flows": 40, "flowBytes": 2400, "flowPackets": 40, "firstStart": T0, "lastStart": T0 + 900},
        {"srcAddr": ATTACKER, "dstAddr": "10.0.1.6", "dstPort": 22, "protocol": 6, "action": "ACCEPT",
         "flows": 1, "flowBytes": 9000, "flowPackets": 20, "firstStart": T0 + 60, "lastStart": T0 + 60},
        # a host answered to the attacker: in for the attacker, port = the attacker's destination port
        {"srcAddr": "10.0.1.6", "dstAddr": ATTACKER, "dstPort": 51000, "protocol": 6, "action": "ACCEPT",
         "flows": 1, "flowBytes": 4000, "flowPackets": 10, "firstStart": T0 + 60, "lastStart": T0 + 60},
    ]
    double.answer("min(startTime)", rows)
    answer = engine_for(double).run(question(peers_limit=10))
    assert [(p.address, p.port, p.action, p.direction, p.flows) for p in answer.peers] == [
        ("10.0.1.6", 22, "ACCEPT", "out", 1),
        ("10.0.1.6", 51000, "ACCEPT", "in", 1),
        ("10.0.1.5", 22, "REJECT", "out", 40),
    ]
    assert [p.address for p in answer.accepted_peers] == ["10.0.1.6", "10.0.1.6"]
    assert answer.peers[2].first.timestamp() == T0 and answer.peers[2].last.timestamp() == T0 + 900


def test_a_port_subject_uses_the_source_flag_for_out(double):
    rows = [
        {"srcAddr": ATTACKER, "dstAddr": "10.0.1.5", "dstPort": 22, "protocol": 6, "action": "REJECT",
         "srcIsSubject": 0, "flows": 5, "flowBytes": 300, "flowPackets": 5, "firstStart": T0, "lastStart": T0},
        {"srcAddr": "10.0.1.5", "dstAddr": ATTACKER, "dstPort": 40000, "protocol": 6, "action": "ACCEPT",
         "srcIsSubject": 1, "flows": 2, "flowBytes": 200, "flowPackets": 2, "firstStart": T0, "lastStart": T0},
    ]
    double.answer("min(startTime)", rows)
    answer = engine_for(double).run(question("port:22"))
    assert [(p.address, p.port, p.direction) for p in answer.peers] == [
        (ATTACKER, 40000, "out"), (ATTACKER, 22, "in"),
    ]


def test_peers_beyond_the_limit_are_cut_and_the_answer_says_so(double):
    rows = [{"srcAddr": f"203.0.113.{i}", "dstAddr": ATTACKER, "dstPort": 22, "protocol": 6, "action": "REJECT",
             "flows": i, "flowBytes": 60 * i, "flowPackets": i, "firstStart": T0, "lastStart": T0} for i in range(1, 6)]
    double.answer("min(startTime)", rows)
    answer = engine_for(double).run(question(peers_limit=2))
    assert [p.address for p in answer.peers] == ["203.0.113.5", "203.0.113.4"]
    assert "3 more peers not listed (the first 2 shown)" in answer.notes


def test_records_are_paged_with_next_token_decoded_and_newest_first(double):
    rows = [{"@timestamp": "2026-12-06 10:00:00.000", "@message": record(ATTACKER, "10.0.1.5", 40000 + i, 22, "REJECT", T0 + i),
             "startTime": T0 + i} for i in range(5)]
    double.answer("sort startTime desc", rows, page_size=2)
    answer = engine_for(double).run(question(records_limit=5))
    assert [r.timestamp.timestamp() for r in answer.records] == [T0 + 4, T0 + 3, T0 + 2, T0 + 1, T0]
    assert answer.records[0].fields["srcport"] == 40004 and answer.records[0].fields["action"] == "REJECT"
    records_query = double.query("sort startTime desc").query_id
    assert double.calls.count("GetQueryResults") >= 3  # the Complete poll, then 3 pages of 2
    assert records_query


def test_cancel_stops_every_running_query_and_raises(double):
    for marker in ("as binStart", "min(startTime)", "sort startTime desc"):
        double.answer(marker, [], running_polls=10_000)
    cancel = threading.Event()
    seen = threading.Event()

    def run() -> None:
        with pytest.raises(HistoryCancelled):
            engine_for(double).run(question(), cancel=cancel)
        seen.set()

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while double.calls.count("GetQueryResults") < 6 and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    cancel.set()
    worker.join(10)
    assert seen.is_set()
    running = [q.query_id for q in double.started if not q.request["queryString"].endswith("| estimate")]
    assert sorted(double.stops) == sorted(running) and len(running) == 3


def test_a_failing_start_stops_the_queries_already_started(double):
    double.answer("as binStart", [], running_polls=10_000)
    double.answer("lastStart by", [], running_polls=10_000)
    original = double._start

    def start_then_refuse(body):
        if "min(startTime)" in body["queryString"] and not body["queryString"].endswith("| estimate"):
            double.refuse["StartQuery"] = ("LimitExceededException", "Account maximum query concurrency limit of [30] reached")
        return original(body)

    double._start = start_then_refuse  # type: ignore[method-assign]
    with pytest.raises(HistoryError, match="too many queries running in this account"):
        engine_for(double).run(question())
    # the peers query started, then the records query was refused: the two started ones are stopped
    assert double.stops == [double.query("as binStart").query_id, double.query("lastStart by").query_id]
    assert not any("sort startTime desc" in q.request["queryString"] for q in double.started)


@pytest.mark.parametrize(
    ("operation", "code", "message", "expected"),
    [
        ("StartQuery", "MalformedQueryException", "unexpected symbol found | at line 2",
         r"Logs Insights refused the query \(MalformedQueryException\): unexpected symbol found \| at line 2"),
        ("StartQuery", "LimitExceededException", "Account maximum query concurrency limit of [30] reached",
         r"too many queries running in this account \(LimitExceededException\)"),
        ("StartQuery", "AccessDeniedException", "User is not authorized to perform: logs:StartQuery",
         r"access denied \(logs:StartQuery\); the IAM principal needs logs:StartQuery, logs:GetQueryResults, "
         r"logs:StopQuery on arn:aws:logs:us-east-1:\*:log-group:/vpc/flow-logs, "),
        ("GetQueryResults", "AccessDeniedException", "not authorized",
         r"access denied \(logs:GetQueryResults\)"),
    ],
)
def test_named_errors_are_one_line(double, operation, code, message, expected):
    double.refuse[operation] = (code, message)
    with pytest.raises(HistoryError, match=expected) as caught:
        engine_for(double).run(question())
    assert "\n" not in str(caught.value)


def test_a_failed_query_is_an_error_naming_its_status(double):
    engine = engine_for(double)
    engine.estimate(question())  # the estimate completes before the failure is armed
    original = double._results

    def failed(body):
        status, payload = original(body)
        return status, {**payload, "status": "Failed"}

    double._results = failed  # type: ignore[method-assign]
    with pytest.raises(HistoryError, match="the Logs Insights timeline query ended Failed"):
        engine.run(question())


def test_the_estimate_is_free_and_above_max_scan_the_run_waits_for_approval(double):
    double.estimate_bytes = 4 * GB  # one scan; the question runs three
    engine = engine_for(double, max_scan_bytes=10 * GB, usd_per_gb=0.01)
    assert engine.estimate(question()) == 12 * GB
    with pytest.raises(ScanNeedsApproval) as caught:
        engine.run(question())
    assert caught.value.estimated_bytes == 12 * GB and caught.value.cost_usd == pytest.approx(0.12)
    assert "about 12.0 GB (~$0.12), more than history.max_scan (10.0 GB): confirm to run it" in str(caught.value)
    assert all(q.request["queryString"].endswith("\n| estimate") for q in double.started)
    assert engine.needs_approval(question())

    engine.approve(question())
    assert not engine.needs_approval(question())
    assert engine.run(question()).complete
    assert engine.needs_approval(question(records_limit=3))  # another question asks again


def test_at_most_fifty_log_groups(double):
    client = make_client("logs", region="us-east-1", endpoint_url=double.url)
    with pytest.raises(HistoryError, match="up to 50 log groups at once; the config follows 51"):
        InsightsEngine(client, [f"/g/{i}" for i in range(51)])
    with pytest.raises(HistoryError, match="no log group"):
        InsightsEngine(client, [])


def test_throttled_polls_are_retried_with_the_poll_delay(double):
    double.answer("as binStart", [{"binStart": T0, "action": "ACCEPT", "flows": 1, "flowBytes": 1, "flowPackets": 1}])
    double.refuse["GetQueryResults"] = ("ThrottlingException", "Rate exceeded")
    double.refuse_times["GetQueryResults"] = 3
    answer = engine_for(double).run(question())
    assert [b.flows for b in answer.timeline] == [1]
    assert double.calls.count("GetQueryResults") >= 3 + 4  # three refused, then every query served


def test_a_poll_throttled_past_the_retries_is_an_error(double):
    double.refuse["GetQueryResults"] = ("ThrottlingException", "Rate exceeded")
    with pytest.raises(HistoryError, match="throttled"):
        engine_for(double).run(question())


def test_groups_configured_by_arn_go_in_log_group_identifiers(double):
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/prod-flow-logs"
    engine = InsightsEngine.from_settings(
        ["/vpc/flow-logs", arn + ":*"], DEFAULT_FORMAT, region="us-east-1", endpoint_url=double.url, poll=FAST
    )
    engine.run(question())
    for started in double.started:
        assert "logGroupNames" not in started.request
        assert started.request["logGroupIdentifiers"] == ["/vpc/flow-logs", arn]
    double.reset()
    double.refuse["StartQuery"] = ("AccessDeniedException", "not authorized")
    with pytest.raises(HistoryError, match=f"on arn:aws:logs:us-east-1:\\*:log-group:/vpc/flow-logs, {arn}"):
        engine.run(question(records_limit=1))


def test_rows_without_the_querys_columns_are_an_error_not_an_empty_answer(double):
    """What moto answers to every Insights query: raw events (here with only @ptr), whatever the stats."""
    double.answer("as binStart", [{"@ptr": "CmAKJgoiMTIzNDU2Nzg5MDEyOi92cGMvZmxvdy1sb2dzEAAiEgoA"}])
    with pytest.raises(HistoryError, match="without its binStart, flows column: the endpoint does not run Insights"):
        engine_for(double).run(question())


def test_against_moto_the_engine_says_it_cannot_answer(aws_endpoint):
    """moto 5.2 completes Insights queries without running them: the engine must not read that as no flows."""
    client = make_client("logs", region="us-east-1", endpoint_url=aws_endpoint)
    client.create_log_group(logGroupName="/vpc/flow-logs")
    client.create_log_stream(logGroupName="/vpc/flow-logs", logStreamName="eni-0abc1234-all")
    start = int(time.time()) - 1800  # moto refuses events older than 14 days: now-relative
    client.put_log_events(
        logGroupName="/vpc/flow-logs", logStreamName="eni-0abc1234-all",
        logEvents=[{"timestamp": start * 1000, "message": record(ATTACKER, "10.0.1.5", 40000, 22, "REJECT", start)}],
    )
    engine = InsightsEngine(client, ["/vpc/flow-logs"], poll=FAST)
    with pytest.raises(HistoryError, match="does not run Insights queries"):
        engine.run(Question(Subject.parse(ATTACKER), TimeRange.last(3600)))
