"""The ``sources:`` contract: log groups (polled or via Live Tail) and Kinesis streams, each entry one
kind, every mistake one line naming the entry."""

from __future__ import annotations

from tui.cli import main
from tui.config import KinesisSourceConfig, SourceConfig, load_config


def test_each_kind_of_source_is_typed(write):
    config = load_config(write("""
        sources:
          - log_group: /vpc/flow-logs
          - log_group: /vpc/other
            via: live-tail
          - kinesis_stream: flowlogs
            log_groups: [/vpc/flow-logs, 'arn:aws:logs:us-east-1:123456789012:log-group:/vpc/other:*']
            consumer_name: oncall-console
          - kinesis_stream: arn:aws:kinesis:eu-west-1:123456789012:stream/central
    """))
    assert config.sources == (
        SourceConfig("/vpc/flow-logs", line=2),
        SourceConfig("/vpc/other", line=3, via="live-tail"),
        KinesisSourceConfig("flowlogs", ("/vpc/flow-logs", "/vpc/other"), "oncall-console", None, line=5),
        KinesisSourceConfig("arn:aws:kinesis:eu-west-1:123456789012:stream/central", region="eu-west-1", line=8),
    )


def test_polling_is_the_default_way_to_read_a_log_group(write):
    (source,) = load_config(write("sources: [{log_group: /vpc/flow-logs}]\n")).sources
    assert source.via == "poll"


def test_every_source_mistake_is_one_line(issues):
    assert issues("""
        sources:
          - log_group: /a
            via: push
          - kinesis_stream: flows
            log_group: /a
          - kinesis_stream: arn:aws:kinesis:us-east-1:12345678901:stream/flows
          - kinesis_stream: arn:aws:kinesis:us-east-1:123456789012:stream/flows
            region: eu-west-1
            log_groups: ['bad group']
            consumer_name: 'two words'
          - kinesis_stream: flows
            via: poll
          - log_groups: [/a]
          - kinesis_stream: 'no spaces'
    """) == [
        "cfg.yaml:3: sources[0].via: must be one of poll, live-tail, got the text 'push'",
        "cfg.yaml:4: sources[1]: give either log_group (CloudWatch Logs) or kinesis_stream, not both",
        "cfg.yaml:6: sources[2].kinesis_stream: 'arn:aws:kinesis:us-east-1:12345678901:stream/flows' is not a Kinesis "
        "stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, e.g. arn:aws:kinesis:us-east-1:123456789012:stream/flowlogs)",
        "cfg.yaml:8: sources[3].region: 'eu-west-1' is not the stream's region 'us-east-1' (from kinesis_stream)",
        "cfg.yaml:9: sources[3].log_groups[0]: 'bad group' is not a log group name (letters, digits and . _ / # -) "
        "or a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)",
        "cfg.yaml:10: sources[3].consumer_name: 'two words' is not a consumer name (1 to 128 letters, digits and _ . - only)",
        "cfg.yaml:12: sources[4]: unknown key 'via' (expected one of: kinesis_stream, log_groups, consumer_name, region)",
        "cfg.yaml:13: sources[5]: needs log_group (a CloudWatch Logs group) or kinesis_stream (a Kinesis stream)",
        "cfg.yaml:14: sources[6].kinesis_stream: 'no spaces' is not a Kinesis stream name (1 to 128 letters, digits and _ . - only) or ARN",
    ]


def test_check_reports_source_errors_and_exits_2(write, capsys):
    path = write("sources:\n  - kinesis_stream: flows\n    log_group: /a\n")
    assert main(["check", "-c", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{path}:2: sources[0]: give either log_group (CloudWatch Logs) or kinesis_stream, not both"]


def test_check_accepts_a_kinesis_source(write, capsys):
    path = write("sources:\n  - kinesis_stream: flows\n    log_groups: [/vpc/flow-logs]\n")
    assert main(["check", "-c", str(path)]) == 0
    assert "1 source" in capsys.readouterr().out
