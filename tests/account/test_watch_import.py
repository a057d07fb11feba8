"""`flowtail watch --import` against moto: the runbook's alarm runs live beside the configured rules,
evaluated on the wall clock over the records as they arrive."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest

from tui.account.importer import with_imported_rules
from tui.config import load_config
from tui.run.live import Headless, open_live
from tui.sinks.jsonl import JsonLines

from tests.account.test_alarms_import_export import RUNBOOK_PATTERN
from tests.conftest import REGION

GROUP = "/vpc/flow-logs"
CONFIG = """
aws: {{region: us-east-1, endpoint_url: "{endpoint}"}}
sources: [{{log_group: {group}}}]
follow: {{poll_interval: 1s, lookback: 20m}}
rules:
  - name: BastionHttpRejected
    pattern: '[..., action=REJECT, status]'
    threshold: 1000
    window: 60s
"""


@pytest.fixture
def account(aws_endpoint, tmp_path):
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name=REGION)
    cloudwatch = boto3.client("cloudwatch", endpoint_url=aws_endpoint, region_name=REGION)
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="eni-a-all")
    logs.put_metric_filter(
        logGroupName=GROUP, filterName="bastion", filterPattern=RUNBOOK_PATTERN,
        metricTransformations=[{"metricName": "BastionHttpReject", "metricNamespace": "VPCFlowLogs", "metricValue": "1"}],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="BastionHttpRejected", Namespace="VPCFlowLogs", MetricName="BastionHttpReject", Statistic="Sum",
        Period=300, EvaluationPeriods=1, Threshold=3, ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG.format(endpoint=aws_endpoint, group=GROUP))
    return logs, load_config(path)


def test_the_imported_alarm_is_added_beside_the_configured_rules(account):
    _, config = account
    merged, found = with_imported_rules(config)
    assert [rule.name for rule in merged.rules] == ["BastionHttpRejected", "imported-BastionHttpRejected"]
    imported = merged.rules[1]
    assert imported.alarm is not None and imported.pattern_text == RUNBOOK_PATTERN and found.skipped == []


def test_watch_import_alarms_live_with_cloudwatch_lines(account, tmp_path):
    logs, config = account
    config, _ = with_imported_rules(config)
    now = int(time.time())
    events = [{"timestamp": (now - age) * 1000,
               "message": f"2 123456789012 eni-a 10.0.0.155 10.0.14.100 40000 80 6 3 180 {now - age} {now - age + 5} "
                          "REJECT OK"} for age in (200, 170, 140)]
    # Evaluations run as batches arrive, on minute boundaries up to the wall clock: one falls in
    # (now - 140 s, now], and its 5-minute range holds all three.
    logs.put_log_events(logGroupName=GROUP, logStreamName="eni-a-all", logEvents=events)
    out = tmp_path / "out.jsonl"
    with open(out, "w") as stream:
        printer = Headless(JsonLines(stream))
        live = open_live(config, on_events=printer.on_events)
        alarmed = threading.Event()
        live.session.on_alert(lambda alert: alarmed.set())
        runner = threading.Thread(target=printer.run, args=(live, 60))
        runner.start()
        try:
            assert alarmed.wait(30), "no alert within 30 s"
        finally:
            live.session.stop()
            runner.join(30)
    alerts = [json.loads(line) for line in out.read_text().splitlines() if '"alert"' in line]
    assert [(a["rule"], a["state"], a["evaluation"], a["value"]) for a in alerts][:1] == [
        ("imported-BastionHttpRejected", "ALARM", "cloudwatch", 3)]
