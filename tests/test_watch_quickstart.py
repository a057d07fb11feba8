"""`flowtail watch LOG_GROUP...` with no configuration file, against a real moto server on loopback:
the default rules (rewritten for the account's custom format), --rule, --pattern, and the format
read from ec2:DescribeFlowLogs."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

from tui.cli import build_parser, main
from tui.commands.quickstart import config_from_args
from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.run.live import Headless, open_live
from tui.sinks.jsonl import JsonLines

REPO = Path(__file__).resolve().parents[1]
DEMO_GROUP = "/flowtail/demo/vpc-flow-logs"
CUSTOM = (
    "${version} ${vpc-id} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${flow-direction}"
)
WAIT_S = 60


def default_line(t: int, src: str, port: int, action: str) -> str:
    return f"2 123456789010 eni-0a1b2c3d {src} 10.0.1.5 40000 {port} 6 3 180 {t} {t + 60} {action} OK"


def custom_line(t: int, src: str, port: int, action: str) -> str:
    return f"5 vpc-0abc 123456789010 eni-0a1b2c3d {src} 10.0.1.5 40000 {port} 6 3 180 {t} {t + 60} {action} OK ingress"


def put(endpoint: str, group: str, lines: list[str], now: int) -> None:
    logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="eni-0a1b2c3d-all")
    logs.put_log_events(logGroupName=group, logStreamName="eni-0a1b2c3d-all",
                        logEvents=[{"timestamp": (now - 120) * 1000, "message": line} for line in lines])


def watch_args(endpoint: str, *extra: str):
    return build_parser().parse_args(["watch", *extra, "--endpoint-url", endpoint, "--region", "us-east-1",
                                      "--headless"])


def alerts_of(config, until) -> list[dict]:
    """Run the session headless until ``until(alert)`` holds for an alert (or WAIT_S), and return the
    alert lines printed."""
    out = io.StringIO()
    printer = Headless(JsonLines(out))
    live = open_live(config, on_events=printer.on_events)
    seen = threading.Event()
    live.session.on_alert(lambda alert: seen.set() if until(alert) else None)
    runner = threading.Thread(target=printer.run, args=(live, WAIT_S))
    runner.start()
    try:
        assert seen.wait(WAIT_S), out.getvalue()[-2000:]
    finally:
        live.session.stop()
        runner.join(WAIT_S)
    return [json.loads(line) for line in out.getvalue().splitlines() if '"alert"' in line]


def test_watch_the_demo_group_with_no_file_prints_its_records(aws_endpoint):
    """The issue's own example: the demo's group, no file; --pattern keeps only the REJECTs."""
    now = int(time.time())
    put(aws_endpoint, DEMO_GROUP, [default_line(now - 120, "198.51.100.7", 22, "REJECT"),
                                   default_line(now - 120, "10.0.0.9", 443, "ACCEPT"),
                                   default_line(now - 110, "198.51.100.8", 3389, "REJECT")], now)
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "watch", DEMO_GROUP, "--pattern", "REJECT", "--headless", "--records",
         "--endpoint-url", aws_endpoint, "--region", "us-east-1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    guard = threading.Timer(WAIT_S, process.kill)  # a hung process fails the test instead of hanging it
    guard.start()
    records = []
    try:
        while len(records) < 2:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            if '"record"' in line:
                records.append(json.loads(line))
    finally:
        guard.cancel()
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert sorted(record["fields"]["srcaddr"] for record in records) == ["198.51.100.7", "198.51.100.8"]
    assert "format: default (no flow log found" in err and "Traceback" not in err


def test_default_rules_run_on_the_accounts_custom_format(aws_endpoint, capsys):
    """The flow log's 16-field LogFormat is read from the account; the SSH rule, written for the
    default format, is rewritten for it and alarms on 20 rejected SSH attempts from one source."""
    ec2 = boto3.client("ec2", endpoint_url=aws_endpoint, region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogGroupName="/vpc/custom",
                         DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/f", LogFormat=CUSTOM)
    now = int(time.time())
    put(aws_endpoint, "/vpc/custom", [custom_line(now - 120 + i, "203.0.113.9", 22, "REJECT") for i in range(20)], now)
    config = config_from_args(watch_args(aws_endpoint, "/vpc/custom"))
    assert config.format == FlowFormat.parse(CUSTOM) and config.path is None
    assert "16 fields" in capsys.readouterr().err
    alerts = alerts_of(config, lambda alert: alert.rule == "ssh-brute-force")
    assert ("ssh-brute-force", "ALARM", {"srcaddr": "203.0.113.9"}) in [(a["rule"], a["state"], a["group"]) for a in alerts]


def test_a_command_line_rule_replaces_the_defaults_and_pattern_limits_what_it_counts(aws_endpoint):
    now = int(time.time())
    lines = [default_line(now - 120 + i, "192.0.2.1", 80, "REJECT") for i in range(3)]
    lines += [default_line(now - 120 + i, "192.0.2.1", 80, "ACCEPT") for i in range(5)]
    put(aws_endpoint, "/vpc/web", lines, now)
    args = watch_args(aws_endpoint, "/vpc/web", "--format", "default", "--pattern", "REJECT",
                      "--rule", "web: [..., dstport=80, protocol, packets, bytes, start, end, action, status] >= 3 in 5m by srcaddr")
    config = config_from_args(args)
    assert [rule.name for rule in config.rules] == ["web"] and config.format == DEFAULT_FORMAT
    alerts = alerts_of(config, lambda alert: alert.rule == "web")
    # 8 port-80 records arrived, but only the 3 REJECTs --pattern lets through are counted.
    assert [(a["rule"], a["state"], a["value"]) for a in alerts] == [("web", "ALARM", 3)]


@pytest.mark.parametrize("argv, said", [
    (["watch", "/g", "--headless", "--rule", "ssh [x] 3 in 5m"], "expected NAME: PATTERN >= N in WINDOW"),
    (["watch", "/g", "--headless", "--format", "default", "--rule", "x: [a >= 3 in 5m"], "--rule 'x': pattern:"),
    (["watch", "/g", "--headless", "--format", "default", "--rule", "x: REJECT >= 3 in soon"], "--rule 'x': window:"),
    (["watch", "/g", "--headless", "--format", "default", "--rule", "x: REJECT >= 3 in 5m by nope"],
     "--rule 'x': group_by[0]: no field 'nope'"),
    (["watch", "/g", "-c", "x.yaml", "--headless"], "-c CONFIG already says what to follow"),
    (["watch", "--headless"], "what to follow?"),
    (["watch", "--headless", "--rule", "x: REJECT >= 1 in 1m"], "--rule needs log groups"),
])
def test_command_line_mistakes_are_one_line_naming_the_option(argv, said, capsys):
    assert main(argv) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("flowtail: error: ") and said in line, line


def test_a_misfit_pattern_is_said_at_watch_start(aws_endpoint, capsys):
    """A 14-field pattern on a 16-field format: the same warning line as `check`, before following."""
    pattern = "[version, account, eni, source, destination, srcport, destport=22, protocol, packets, bytes, start, end, action=REJECT, status]"
    assert main(["watch", "/vpc/g", "--endpoint-url", aws_endpoint, "--region", "us-east-1", "--headless",
                 "--format", CUSTOM, "--rule", f"ssh: {pattern} >= 3 in 5m",
                 "--profile", "no-such-profile-to-stop-early"]) == 2  # stops after the start-up lines
    err = capsys.readouterr().err
    assert "warning: rule 'ssh': the pattern has 14 fields, the format 16" in err


def test_when_the_flow_logs_cannot_be_read_the_format_is_default_and_stderr_says_why(aws_endpoint, capsys):
    args = build_parser().parse_args(["watch", "/vpc/g", "--endpoint-url", "http://127.0.0.1:9", "--region",
                                      "us-east-1", "--headless"])  # nothing listens on port 9
    config = config_from_args(args)
    assert config.format == DEFAULT_FORMAT and len(config.rules) == 4
    err = capsys.readouterr().err
    assert "format: default (the flow logs' LogFormat could not be read: ec2:DescribeFlowLogs in us-east-1 failed" in err
