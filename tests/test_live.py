"""`flowtail watch` and `flowtail demo` end to end, against a real moto server on loopback."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import threading
import time
from pathlib import Path

import boto3
import pytest

from tui.cli import main
from tui.config import load_config
from tui.engine.engine import engine_from_config
from tui.run.live import Headless, open_live, record_line, status_line
from tui.sinks.journal import Journal
from tui.sinks.jsonl import JsonLines
from tui.sources.cloudwatch import LogEvent

from tests.headless_run import run_headless_until

REPO = Path(__file__).resolve().parents[1]
GROUP = "/vpc/flow-logs"

CONFIG = """
aws:
  region: us-east-1
  endpoint_url: {endpoint}
sources:
  - log_group: {group}
follow:
  poll_interval: 1s
  lookback: 20m
rules:
  - name: bastion-http-reject
    pattern: '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
    threshold: 3
    window: 300s
    group_by: [srcaddr]
    severity: high
    notify: [sns]
notifiers:
  sns:
    topic_arn: {topic}
    states: [ALARM]
"""


def reject(t: int) -> str:
    return f"2 123456789010 eni-0a1b2c3d 10.0.0.155 10.0.14.100 40000 80 6 3 180 {t} {t + 60} REJECT OK"


@pytest.fixture
def aws(aws_endpoint, tmp_path):
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    logs.create_log_group(logGroupName=GROUP)
    for stream in ("eni-a-all", "eni-b-all"):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    sns = boto3.client("sns", endpoint_url=aws_endpoint, region_name="us-east-1")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, region_name="us-east-1")
    queue = sqs.create_queue(QueueName="oncall")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG.format(endpoint=aws_endpoint, group=GROUP, topic=topic))
    return logs, sqs, queue, load_config(path)


def test_watch_alarms_on_late_records_and_publishes_to_sns(aws, tmp_path):
    """Three bastion rejects within 300 s, two of them delivered minutes after their timestamp, on
    two ENI streams: one ALARM on stdout, in the journal, and on the SNS topic."""
    logs, sqs, queue, config = aws
    now = int(time.time())
    logs.put_log_events(logGroupName=GROUP, logStreamName="eni-a-all",
                        logEvents=[{"timestamp": (now - 30) * 1000, "message": reject(now - 30)}])
    logs.put_log_events(logGroupName=GROUP, logStreamName="eni-b-all",
                        logEvents=[{"timestamp": (now - 240) * 1000, "message": reject(now - 240)},
                                   {"timestamp": (now - 150) * 1000, "message": reject(now - 150)}])
    out = tmp_path / "out.jsonl"
    journal = Journal(tmp_path / "alerts.jsonl")
    with open(out, "w") as stream:
        printer = Headless(JsonLines(stream))
        live = open_live(config, on_events=printer.on_events, journal=journal)
        alarmed = threading.Event()
        live.session.on_alert(lambda alert: alarmed.set())
        runner = threading.Thread(target=printer.run, args=(live, 60))
        runner.start()
        try:
            assert alarmed.wait(30), "no alert within 30 s"
            assert live.delivery.drain(30)
        finally:
            live.session.stop()
            runner.join(30)
    alerts = [json.loads(line) for line in out.read_text().splitlines() if '"alert"' in line]
    assert [(a["rule"], a["state"], a["group"], a["value"]) for a in alerts] == [
        ("bastion-http-reject", "ALARM", {"srcaddr": "10.0.0.155"}, 3)
    ]
    assert [entry.alert.rule for entry in journal.recent(10)] == ["bastion-http-reject"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert "bastion-http-reject" in body["Subject"] and "10.0.0.155" in body["Message"]


def test_headless_record_and_status_lines_have_the_contract_keys(aws):
    _, _, _, config = aws
    event = LogEvent("37", GROUP, "eni-a-all", 1_700_000_000_000, 1_700_000_300_000, reject(1_700_000_000))
    line = record_line(config.format, event)
    assert line["type"] == "record" and line["eventId"] == "37" and line["logStream"] == "eni-a-all"
    assert line["fields"]["srcaddr"] == "10.0.0.155" and line["ingestionTime"] == 1_700_000_300_000
    no_start = LogEvent("38", GROUP, "eni-a-all", 0, 0, "2 1 eni-1 a b 1 22 6 1 1 - 1 A OK")
    assert record_line(config.format, no_start) is None
    live = open_live(config)
    status = live.session.snapshot().sources
    assert status == ()  # nothing polled yet
    from tui.sources.cloudwatch import FollowerStatus

    sample = FollowerStatus(GROUP, "ok", 1_700_000_000.0, 2.5, 60_000, 300_000, 1, 0, 1.5, None, 10, 4, 20)
    assert status_line(sample) == {
        "type": "status", "logGroup": GROUP, "state": "ok", "lastPoll": "2023-11-14T22:13:20Z",
        "eventsPerSecond": 2.5, "lagP50Ms": 60_000, "lagP95Ms": 300_000, "throttled": 1, "errors": 0,
        "rereadRatio": 1.5, "calls": 4, "events": 20, "lastError": None,
    }


def test_watch_without_sources_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "empty.yaml"
    path.write_text("rules: []\n")
    assert main(["watch", "-c", str(path), "--headless"]) == 2
    assert "no sources" in capsys.readouterr().err


def test_watch_with_a_bad_since_is_a_clear_error(aws, capsys):
    _, _, _, config = aws
    assert main(["watch", "-c", config.path, "--headless", "--since", "soon"]) == 2
    assert "--since" in capsys.readouterr().err


def test_watch_with_an_unknown_profile_names_it(aws, capsys):
    _, _, _, config = aws
    assert main(["watch", "-c", config.path, "--headless", "--profile", "no-such-profile-xyz"]) == 2
    assert "no-such-profile-xyz" in capsys.readouterr().err


def _alarmed_rules(lines: list[dict]) -> set[str]:
    return {line["rule"] for line in lines if line["type"] == "alert" and line["state"] == "ALARM"}


def test_demo_headless_fires_three_distinct_alarms_within_40_seconds():
    # Stopped with SIGINT once three rules alarmed: the promise is "within 40 seconds", not "after".
    result = run_headless_until(
        ["demo", "--headless", "--duration", "40", "--status-every", "1s"], lambda lines: len(_alarmed_rules(lines)) >= 3, 40
    )
    assert result.kept, _alarmed_rules(result.lines)
    # A status line a second (the default is one in ten): several before the alarms, which take seconds.
    assert sum(line["type"] == "status" for line in result.lines) >= 3
    assert result.returncode == 0, result.stderr
    assert "published to SNS" in result.stderr and "Traceback" not in result.stderr


def test_watch_records_print_exactly_what_the_engine_counts_as_records(aws):
    """One definition of a record: `watch --records` prints the events the engine counts as records,
    never one with "fields": null."""
    _, _, _, config = aws
    messages = [
        reject(1_700_000_000),
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 abc 22 6 1 40 1700000000 1700000060 REJECT OK",
        '{"message": "2 123456789010 eni-1 - - - - - - - 1700000000 1700000060 - NODATA"}',
        "2 123456789010 eni-1 - - - - - - - 1700000000 1700000060 - NODATA",
        "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 40 - 1700000060 REJECT OK",
        " ".join(config.format.names),  # a header: CloudWatch messages have none, so it is malformed
    ]
    events = [
        LogEvent(str(i), GROUP, "eni-a-all", 1_700_000_000_000, 1_700_000_000_000, message)
        for i, message in enumerate(messages)
    ]
    out = io.StringIO()
    printer = Headless(JsonLines(out), records=True)
    printer.fmt = config.format
    printer.on_events(events)
    engine = engine_from_config(config, event_times=True)
    engine.ingest(messages, [event.timestamp for event in events])
    printed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["message"] for line in printed] == [messages[0], messages[1], messages[3]]
    assert printed[1]["fields"]["srcport"] is None  # no number: absent
    assert (engine.records, engine.malformed) == (len(printed), len(messages) - len(printed))


def test_status_lines_carry_the_delivery_and_its_error():
    from tui.sinks.delivery import DeliveryStatus
    from tui.sources.cloudwatch import FollowerStatus

    follower = FollowerStatus(GROUP, "ok", 1_700_000_000.0, 2.5, 60_000, 300_000, 0, 0, 1.0, None, 10, 4, 20)
    failing = DeliveryStatus(sent=3, pending=2, suppressed=1, failed_attempts=7, last_error="SNS topic x does not exist",
                             failed=2, dead_lettered=1, lost=0, duplicates=4, sent_by={"sns": 3}, damaged=1)
    line = status_line(follower, failing)
    assert line["lastError"] is None  # the log group's own: a delivery error is in "delivery" only (issue 20, 9)
    assert line["delivery"] == {"sent": {"sns": 3}, "pending": 2, "failed": 2, "deadLettered": 1, "suppressed": 1,
                                "duplicates": 4, "lost": 0, "forgotten": 0, "failedAttempts": 7,
                                "damagedJournalLines": 1, "lastError": "SNS topic x does not exist"}
    assert "delivery" not in status_line(follower)


def test_the_status_bar_shows_delivery_trouble_compactly_and_nothing_when_all_is_well():
    from tui.app.widgets.status_bar import delivery_status
    from tui.sinks.delivery import DeliveryStatus

    healthy = DeliveryStatus(sent=9, pending=0, suppressed=2, failed_attempts=0, last_error=None)
    assert delivery_status(healthy).plain == "" and delivery_status(None).plain == ""
    trouble = DeliveryStatus(sent=9, pending=2, suppressed=0, failed_attempts=5, failed=1, dead_lettered=1, lost=3,
                             last_error="SNS publish denied: the IAM principal needs sns:Publish on " + "x" * 80)
    text = delivery_status(trouble).plain
    assert text.startswith("SNS: 2 pending, 1 failing, 1 dead, 3 lost, last error: SNS publish denied")
    assert text.endswith("…") and len(text) < 130


@pytest.fixture
def lost_interrupt():
    """A Ctrl-C whose KeyboardInterrupt library code swallowed, as ``except ImportError`` around a C
    extension's import does when the interrupt lands inside it."""
    from tui import interrupts

    with contextlib.suppress(KeyboardInterrupt):
        interrupts.on_sigint(signal.SIGINT, None)
    yield
    interrupts.forget()


def test_a_ctrl_c_lost_during_the_start_up_still_stops_a_headless_watch(aws, tmp_path, lost_interrupt):
    *_, config = aws
    out = io.StringIO()
    printer = Headless(JsonLines(out))
    live = open_live(config, on_events=printer.on_events, journal=Journal(tmp_path / "alerts.jsonl"))
    # Without the record of the Ctrl-C this follows for the whole hour.
    assert printer.run(live, 3600) == 0
    assert live.session.wait(0) and out.getvalue() == ""  # stopped before following began
