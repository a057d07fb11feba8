"""flowtail import / export against a moto server: metric filters and alarms stored and read back
through boto3 (moto emits no metric and evaluates no alarm: the evaluation itself is tested in
tests/rules/test_cloudwatch_alarm.py). moto's CloudFormation creates neither a metric filter nor an
alarm, so the export round trip applies each resource's properties through PutMetricFilter and
PutMetricAlarm instead, and the template is checked with cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import pytest

from tui.account.export import cloudformation, plan, terraform
from tui.cli import main
from tui.config import load_config
from tui.engine.engine import engine_from_config

from tests.conftest import REGION

RUNBOOK_PATTERN = ('[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", '
                   'protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]')
GROUP = "/vpc/flow-logs"


@pytest.fixture
def aws(aws_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
    logs = boto3.client("logs", region_name=REGION, endpoint_url=aws_endpoint)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION, endpoint_url=aws_endpoint)
    sns = boto3.client("sns", region_name=REGION, endpoint_url=aws_endpoint)
    logs.create_log_group(logGroupName=GROUP)
    return logs, cloudwatch, sns


def _runbook(logs, cloudwatch, sns) -> str:
    """The seeds' runbook (spec/runbooks.md): metric filter, "3 or more in 300 seconds", SNS."""
    topic = sns.create_topic(Name="oncall")["TopicArn"]
    logs.put_metric_filter(
        logGroupName=GROUP, filterName="bastion-http-reject", filterPattern=RUNBOOK_PATTERN,
        metricTransformations=[{"metricName": "BastionHttpReject", "metricNamespace": "VPCFlowLogs", "metricValue": "1"}],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="Bastion HTTP rejected", Namespace="VPCFlowLogs", MetricName="BastionHttpReject",
        Statistic="Sum", Period=300, EvaluationPeriods=1, DatapointsToAlarm=1, Threshold=3,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching", AlarmActions=[topic],
    )
    return topic


def _record(clock: str, action: str = "REJECT") -> str:
    from datetime import datetime
    start = int(datetime.fromisoformat(f"2026-12-02T{clock}+00:00").timestamp())
    return (f"2 123456789012 eni-0a1b2c3d 10.0.0.155 10.0.14.100 49152 80 6 3 180 {start} {start + 4} "
            f"{action} OK")


def test_the_runbook_is_imported_and_its_two_verdicts_differ_on_the_issues_timeline(aws, tmp_path, capsys):
    logs, cloudwatch, sns = aws
    _runbook(logs, cloudwatch, sns)
    cloudwatch.put_metric_alarm(  # metric math: listed, not simulated
        AlarmName="math", EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
        Metrics=[{"Id": "e1", "Expression": "m1 * 2", "ReturnData": True},
                 {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "VPCFlowLogs", "MetricName": "BastionHttpReject"},
                                             "Period": 60, "Stat": "Sum"}, "ReturnData": False}],
    )
    path = tmp_path / "imported.yaml"
    assert main(["import", "--log-group", GROUP, "-o", str(path), "--region", REGION]) == 0
    err = capsys.readouterr().err
    assert "flowtail: not imported: alarm math: a metric-math alarm: not simulated" in err
    assert "# not imported: alarm math: a metric-math alarm: not simulated" in path.read_text()
    assert main(["check", "-c", str(path)]) == 0
    config = load_config(path)
    [rule] = config.rules
    assert (rule.name, rule.pattern_text, rule.threshold, rule.window_s, rule.measure) == (
        "Bastion-HTTP-rejected", RUNBOOK_PATTERN, 3, 300, "count")
    assert (rule.alarm.period_s, rule.alarm.evaluation_periods, rule.alarm.datapoints_to_alarm,
            rule.alarm.comparison, rule.alarm.treat_missing_data) == (
        300, 1, 1, "GreaterThanOrEqualToThreshold", "notBreaching")
    assert [s.log_group for s in config.sources] == [GROUP]

    # 3 within 300 s, but no minute-aligned 5-minute range holds more than 2.
    engine = engine_from_config(config)
    lines = [_record(t) for t in ("12:04:30", "12:06:00", "12:09:20")] + [_record("12:40:00", "ACCEPT")]
    alerts = engine.ingest_text("\n".join(lines) + "\n")
    assert alerts == []  # the sliding episode is shown beside, not alerted; CloudWatch stays OK
    [verdict] = engine.snapshot().verdicts
    assert verdict.sliding.startswith("ALARM * 12:09:20-")
    assert verdict.reasons == ("*: matches at 12:04:30, 12:06:00, 12:09:20: 3 within 300 s, but no minute-aligned "
                               "5-minute period holds more than 2: CloudWatch stays OK",)


def test_an_imported_alarm_alarms_in_replay_with_cloudwatch_alert_lines(aws, tmp_path, capsys):
    _runbook(*aws)
    config = tmp_path / "imported.yaml"
    assert main(["import", "-o", str(config), "--region", REGION]) == 0
    flows = tmp_path / "flows.log"
    flows.write_text("\n".join(_record(t) for t in ("12:01:00", "12:01:20", "12:01:40", "13:00:00")) + "\n")
    capsys.readouterr()
    assert main(["replay", str(flows), "-c", str(config), "--headless"]) == 0
    alerts = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(a["state"], a["time"], a["evaluation"]) for a in alerts] == [
        ("ALARM", "2026-12-02T12:02:00Z", "cloudwatch"),  # [11:57, 12:02) holds all 3
        # that datapoint stays the newest present one until it leaves the 3-period range, then
        # every datapoint is missing: notBreaching, OK
        ("OK", "2026-12-02T12:17:00Z", "cloudwatch"),
    ]
    assert alerts[0]["episode"] == alerts[1]["episode"]


def test_m_of_n_missing_data_and_dimensions_are_imported(aws, tmp_path, capsys):
    logs, cloudwatch, _ = aws
    logs.put_metric_filter(
        logGroupName=GROUP, filterName="per-source-bytes",
        filterPattern="[v, a, eni, src, dst, sp, dp, proto, packets, bytes, start, end, action=ACCEPT, status]",
        metricTransformations=[{"metricName": "Bytes", "metricNamespace": "Flows", "metricValue": "$bytes",
                                "dimensions": {"Source": "$src"}}],
    )
    cloudwatch.put_metric_alarm(
        AlarmName="big sender", Namespace="Flows", MetricName="Bytes", Dimensions=[{"Name": "Source", "Value": "10.0.0.7"}],
        Statistic="Sum", Period=60, EvaluationPeriods=5, DatapointsToAlarm=3, Threshold=1e9,
        ComparisonOperator="GreaterThanThreshold", TreatMissingData="ignore",
        EvaluationWindow={"WallClockWindow": {}},
    )
    cloudwatch.put_metric_alarm(  # same metric, no dimensions: never sees the per-source data, not joined
        AlarmName="never", Namespace="Flows", MetricName="Bytes", Statistic="Sum", Period=60, EvaluationPeriods=1,
        Threshold=1, ComparisonOperator="GreaterThanThreshold",
    )
    assert main(["import", "--region", REGION]) == 0
    text = capsys.readouterr().out
    path = tmp_path / "c.yaml"
    path.write_text(text)
    [rule] = load_config(path).rules
    spec = rule.alarm
    assert (rule.measure, rule.measure_field, rule.group_by) == ("sum", "bytes", ("srcaddr",))
    assert (spec.evaluation_periods, spec.datapoints_to_alarm, spec.comparison, spec.treat_missing_data,
            spec.dimensions, spec.threshold) == (5, 3, "GreaterThanThreshold", "ignore", (("srcaddr", "10.0.0.7"),), 1e9)
    # moto may or may not keep EvaluationWindow; when it does, it comes back as wall-clock
    described = cloudwatch.describe_alarms(AlarmNames=["big sender"])["MetricAlarms"][0]
    expected = "wall-clock" if "WallClockWindow" in (described.get("EvaluationWindow") or {}) else "sliding"
    assert spec.evaluation_window == expected


def test_access_denied_is_one_line_naming_the_iam_actions(monkeypatch, capsys):
    """A local double answers DescribeMetricFilters with AccessDeniedException (moto does not check IAM)."""
    from tests.account.denying_server import denying_endpoint

    with denying_endpoint() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(name, "testing")
        assert main(["import", "--region", REGION]) == 2
    err = capsys.readouterr().err
    assert err.startswith("flowtail: error: import: AccessDeniedException:")
    assert "logs:DescribeMetricFilters, cloudwatch:DescribeAlarms" in err and err.count("\n") == 1


ROUND_TRIP = textwrap.dedent("""\
    sources: [{log_group: /vpc/flow-logs}]
    notifiers:
      sns: {topic_arn: "arn:aws:sns:us-east-1:123456789012:oncall"}
    rules:
      - name: bastion
        pattern: '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
        threshold: 3
        window: 5m
        notify: [sns]
      - name: ssh-by-source
        pattern: '[version, account, eni, srcaddr, dstaddr, srcport, dstport=22, protocol=6, packets, bytes, start, end, action=REJECT, status]'
        threshold: 20
        window: 60s
        group_by: [srcaddr, dstaddr]
      - name: bytes-out
        pattern: '[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action=ACCEPT, status]'
        threshold: 5000000000
        window: 10m
        measure: sum:bytes
      - name: m-of-n
        pattern: '[version, account, eni, srcaddr, dstaddr, srcport, dstport=3389, protocol, packets, bytes, start, end, action, status]'
        threshold: 2
        evaluate: cloudwatch
        period: 1m
        evaluation_periods: 5
        datapoints_to_alarm: 3
        comparison: GreaterThanThreshold
        treat_missing_data: breaching
        group_by: [srcaddr]
        dimensions: {srcaddr: 10.0.0.9}
      - name: scan
        pattern: '[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action, status]'
        threshold: 25
        window: 60s
        group_by: [srcaddr]
        measure: distinct:dstport
      - name: odd-window
        pattern: '[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action, status]'
        threshold: 1
        window: 5s
""")


def _apply(export, logs, cloudwatch) -> None:
    """A template resource's properties through the API (CloudFormation's names; dimensions differ)."""
    f = export.filter
    [t] = f["MetricTransformations"]
    transformation = {"metricName": t["MetricName"], "metricNamespace": t["MetricNamespace"],
                      "metricValue": t["MetricValue"]}
    if "DefaultValue" in t:
        transformation["defaultValue"] = t["DefaultValue"]
    if "Dimensions" in t:
        transformation["dimensions"] = {d["Key"]: d["Value"] for d in t["Dimensions"]}
    logs.put_metric_filter(logGroupName=f["LogGroupName"], filterName=f["FilterName"],
                           filterPattern=f["FilterPattern"], metricTransformations=[transformation])
    cloudwatch.put_metric_alarm(**export.alarm)


def test_export_round_trips_through_the_account(aws, tmp_path, capsys):
    logs, cloudwatch, _ = aws
    source = tmp_path / "rules.yaml"
    source.write_text(ROUND_TRIP)
    config = load_config(source)
    result = plan(config)
    assert dict(result.refused) == {
        "scan": "distinct has no CloudWatch form: a metric filter publishes 1 or a field's value",
        "odd-window": "a window of 5 s is no CloudWatch period (10 s to 7 days)",
    }
    for export in result.exports:
        _apply(export, logs, cloudwatch)
    assert main(["import", "--region", REGION]) == 0
    imported = tmp_path / "imported.yaml"
    imported.write_text(capsys.readouterr().out)
    back = {rule.name.removeprefix("flowtail-"): rule for rule in load_config(imported).rules}
    assert sorted(back) == ["bastion", "bytes-out", "m-of-n", "ssh-by-source"]
    for rule in config.rules:
        if rule.name not in back:
            continue
        again = back[rule.name]
        assert (again.pattern_text, again.threshold, again.window_s, again.group_by, again.measure_text) == (
            rule.pattern_text, rule.threshold, rule.window_s, rule.group_by, rule.measure_text), rule.name
    spec = back["m-of-n"].alarm
    assert spec == config.rules[3].alarm
    for name in ("bastion", "ssh-by-source", "bytes-out"):  # a sliding rule exports as 1 of 1, notBreaching
        alarm = back[name].alarm
        assert (alarm.evaluation_periods, alarm.datapoints_to_alarm, alarm.treat_missing_data) == (1, 1, "notBreaching")
    described = cloudwatch.describe_alarms(AlarmNames=["flowtail-ssh-by-source"])["MetricAlarms"][0]
    assert described["Metrics"][0]["Expression"] == (
        'SELECT SUM("ssh-by-source") FROM SCHEMA("flowtail", srcaddr, dstaddr) GROUP BY srcaddr, dstaddr')
    bastion = cloudwatch.describe_alarms(AlarmNames=["flowtail-bastion"])["MetricAlarms"][0]
    assert bastion["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:oncall"]


def test_the_template_passes_cfn_lint(tmp_path):
    source = tmp_path / "rules.yaml"
    source.write_text(ROUND_TRIP.replace('notifiers:\n  sns: {topic_arn: "arn:aws:sns:us-east-1:123456789012:oncall"}\n', "")
                      .replace("    notify: [sns]\n", ""))
    template = tmp_path / "template.json"
    assert main(["export", "-c", str(source), "-o", str(template)]) == 0
    body = json.loads(template.read_text())
    assert body["Resources"]["FlowtailAlertTopic"]["Type"] == "AWS::SNS::Topic"
    assert {r["why"] for r in body["Metadata"]["flowtail"]["notExported"]} >= {
        "distinct has no CloudWatch form: a metric filter publishes 1 or a field's value"}
    cfn_lint = Path(sys.executable).with_name("cfn-lint")  # the console script installed with the dev extras
    lint = subprocess.run([str(cfn_lint), str(template)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_terraform_keeps_dollar_references_literal(tmp_path):
    source = tmp_path / "rules.yaml"
    source.write_text(ROUND_TRIP)
    text = terraform(plan(load_config(source)))
    assert 'resource "aws_cloudwatch_log_metric_filter" "flowtailssh-by-source"' not in text
    assert 'value     = "$bytes"' in text
    assert 'dimensions = { "srcaddr" = "$srcaddr", "dstaddr" = "$dstaddr" }' in text
    assert "# not exported: scan: distinct has no CloudWatch form" in text
    assert 'expression  = "SELECT SUM(\\"ssh-by-source\\")' in text
    assert "alarm_actions       = [\"arn:aws:sns:us-east-1:123456789012:oncall\"]" in text


def test_check_warns_about_each_rule_export_cannot_express(tmp_path, capsys):
    source = tmp_path / "rules.yaml"
    source.write_text(ROUND_TRIP)
    assert main(["check", "-c", str(source)]) == 0
    err = capsys.readouterr().err.splitlines()
    lines = ROUND_TRIP.splitlines()
    scan, odd = lines.index("  - name: scan") + 1, lines.index("  - name: odd-window") + 1
    assert err == [
        f"{source}:{scan}: warning: rule 'scan': CloudWatch cannot express it: distinct has no CloudWatch form: a metric filter "
        "publishes 1 or a field's value",
        f"{source}:{odd}: warning: rule 'odd-window': CloudWatch cannot express it: a window of 5 s is no CloudWatch period "
        "(10 s to 7 days)",
    ]


def test_cloudformation_lists_the_metrics_insights_limits(tmp_path):
    source = tmp_path / "rules.yaml"
    source.write_text(ROUND_TRIP)
    notes = json.loads(cloudformation(plan(load_config(source))))["Metadata"]["flowtail"]["notes"]
    assert any("100 contributors" in n and "PARTIAL_DATA" in n and "3 hours" in n and "200" in n for n in notes)
    assert "ssh-by-source: srcaddr: AWS may disable a dimension on an address field once it has 1,000 distinct values" in notes
