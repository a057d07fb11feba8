"""Validation: each kind of mistake gives `file:line: key.path: message`, and every mistake is listed."""

from __future__ import annotations

import dataclasses

import pytest

from tui.config import (
    BellConfig,
    FollowConfig,
    JournalConfig,
    SnsConfig,
    SourceConfig,
    default_config,
    load_config,
)
from tui.flowlog import DEFAULT_FORMAT, FlowFormat


def rule(**keys: str) -> str:
    """A one-rule file: rules on line 1, name 2, pattern 3, threshold 4, window 5, then ``keys`` from line 6."""
    values = {"name": "r", "pattern": "'[..., action=REJECT, status]'", "threshold": "3", "window": "5m", **keys}
    return "rules:\n" + "".join(f"  {'-' if i == 0 else ' '} {key}: {value}\n" for i, (key, value) in enumerate(values.items()))


# -- unknown and duplicate keys ---------------------------------------------------------------


def test_unknown_top_level_key_suggests_the_right_one(issues):
    assert issues("rulez: []\n") == ["cfg.yaml:1: unknown key 'rulez' (did you mean 'rules'?)"]


def test_unknown_key_without_a_close_match_lists_the_keys(issues):
    assert issues("follow:\n  banana: 1\n") == [
        "cfg.yaml:2: follow: unknown key 'banana' (expected one of: poll_interval, lookback, max_delay, requests_per_second)"
    ]


def test_unknown_nested_key(issues):
    assert issues("""
        notifiers:
          sns:
            topic_arn: arn:aws:sns:us-east-1:123456789012:t
            cooldwn: 5m
    """) == ["cfg.yaml:4: notifiers.sns: unknown key 'cooldwn' (did you mean 'cooldown'?)"]


def test_unknown_rule_key_replaces_the_missing_key_error(issues):
    """`treshold:` is one mistake: reported once, not also as a missing `threshold`."""
    assert issues(rule().replace("threshold", "treshold")) == [
        "cfg.yaml:4: rules[0]: unknown key 'treshold' (did you mean 'threshold'?)"
    ]


def test_bell_takes_no_keys(issues):
    assert issues("notifiers:\n  bell: {volume: 11}\n") == ["cfg.yaml:2: notifiers.bell: unknown key 'volume' (notifiers.bell takes no keys)"]


def test_duplicate_key(issues):
    assert issues("""
        follow:
          lookback: 5m
          lookback: 10m
    """) == ["cfg.yaml:3: follow: duplicate key 'lookback' (first on line 2)"]


def test_duplicate_top_level_key(issues):
    assert issues("rules: []\nrules: []\n") == ["cfg.yaml:2: duplicate key 'rules' (first on line 1)"]


# -- types ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "issue"),
    [
        ("follow: 5\n", "cfg.yaml:1: follow: must be a mapping with keys such as poll_interval, lookback, max_delay, requests_per_second, got the number 5"),
        ("rules: {}\n", "cfg.yaml:1: rules: must be a list, got a mapping"),
        ("rules: [r1]\n", "cfg.yaml:1: rules[0]: must be a mapping with keys such as name, pattern, threshold, window, got the text 'r1'"),
        ("sources: /vpc/flow-logs\n", "cfg.yaml:1: sources: must be a list, got the text '/vpc/flow-logs'"),
        ("format: 2\n", "cfg.yaml:1: format: must be text, got the number 2"),
        ("follow: {requests_per_second: '5'}\n", "cfg.yaml:1: follow.requests_per_second: must be a number greater than 0, got the text '5'"),
        ("display: {bell: maybe}\n", "cfg.yaml:1: display.bell: must be true or false, got the text 'maybe'"),
        ("display: {flows_rows: 1.5}\n", "cfg.yaml:1: display.flows_rows: must be a whole number greater than 0, got the number 1.5"),
        ("display: {clock: UTC}\n", "cfg.yaml:1: display.clock: must be one of utc, local, got the text 'UTC' (did you mean 'utc'?)"),
        ("display: {color: no}\n", "cfg.yaml:1: display.color: must be one of auto, always, never, got the boolean false (YAML reads yes, no, on and off as booleans: quote the word)"),
        ("display: {keys: {quit: 5}}\n", "cfg.yaml:1: display.keys.quit: must be a key name such as q or ctrl+p, got the number 5"),
        ("limits: {max_samples: -1}\n", "cfg.yaml:1: limits.max_samples: must be a whole number greater than 0, got the number -1"),
        ("aws: {region: us-east1}\n", "cfg.yaml:1: aws.region: 'us-east1' is not an AWS region name (e.g. us-east-1)"),
        ("aws: {endpoint_url: localhost:5000}\n", "cfg.yaml:1: aws.endpoint_url: 'localhost:5000' is not an http:// or https:// URL (e.g. http://127.0.0.1:5000)"),
        ("sources: [{log_group: 'my group'}]\n", "cfg.yaml:1: sources[0].log_group: 'my group' is not a log group name (letters, digits and . _ / # -) or a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)"),
    ],
)
def test_wrong_types_and_values(issues, text, issue):
    assert issues(text) == [issue]


@pytest.mark.parametrize(
    ("line", "issue"),
    [
        ("threshold: 0", "cfg.yaml:4: rules[0].threshold: must be a number greater than 0, got the number 0"),
        ("threshold: -2.5", "cfg.yaml:4: rules[0].threshold: must be a number greater than 0, got the number -2.5"),
        ("threshold: true", "cfg.yaml:4: rules[0].threshold: must be a number greater than 0, got the boolean true"),
        ("threshold: '3'", "cfg.yaml:4: rules[0].threshold: must be a number greater than 0, got the text '3'"),
        ("threshold: .nan", "cfg.yaml:4: rules[0].threshold: must be a number greater than 0, got the number nan"),
        ("window: 5x", "cfg.yaml:5: rules[0].window: '5x' is not a duration (use e.g. 45s, 5m, 1h30m)"),
        ("window: 0s", "cfg.yaml:5: rules[0].window: must be longer than 0 (e.g. 45s, 5m, 1h30m), got '0s'"),
        ("window: -5m", "cfg.yaml:5: rules[0].window: '-5m' is negative; a duration is 0 or more (e.g. 45s, 5m, 1h30m)"),
        ("name: 'ssh brute'", "cfg.yaml:2: rules[0].name: 'ssh brute' is not a rule name (letters, digits and . _ - only)"),
        ("pattern: 'ERROR *'", "cfg.yaml:3: rules[0].pattern: invalid filter pattern at column 7: Invalid character(s) in term '*'"),
    ],
)
def test_rule_values(issues, line, issue):
    key, value = line.split(": ", 1)
    assert issues(rule(**{key: value})) == [issue]


def test_bad_severity(issues):
    assert issues(rule(severity="hgh")) == [
        "cfg.yaml:6: rules[0].severity: must be one of info, low, medium, high, critical, got the text 'hgh' (did you mean 'high'?)"
    ]


def test_empty_rule(issues):
    assert issues("rules:\n  -\n  - {}\n") == [
        "cfg.yaml:2: rules[0]: is empty; it needs name, pattern, threshold, window",
        "cfg.yaml:3: rules[1]: missing required key 'name'",
        "cfg.yaml:3: rules[1]: missing required key 'pattern'",
        "cfg.yaml:3: rules[1]: missing required key 'threshold'",
        "cfg.yaml:3: rules[1]: missing required key 'window'",
    ]


def test_issues_on_one_line_follow_the_key_order(issues):
    text = """
        format: '${srcaddr} ${bytes}'
        rules:
          - {name: a, pattern: '', threshold: 1, window: 1m, group_by: [dstport], measure: 'sum:srcaddr'}
    """
    assert issues(text) == [
        "cfg.yaml:3: rules[0].group_by[0]: no field 'dstport' in the format on line 1 (its fields: srcaddr, bytes)",
        "cfg.yaml:3: rules[0].measure: sum needs a numeric field; 'srcaddr' is not one (distinct:srcaddr counts its values)",
    ]


def test_missing_and_empty_required_keys(issues):
    assert issues("""
        rules:
          - name: r
            pattern:
    """) == [
        "cfg.yaml:2: rules[0]: missing required key 'threshold'",
        "cfg.yaml:2: rules[0]: missing required key 'window'",
        "cfg.yaml:3: rules[0].pattern: is required but empty",
    ]


def test_invalid_pattern_in_a_source(issues):
    assert issues("""
        sources:
          - log_group: /vpc/flow-logs
            filter_pattern: 'REJECT *'
    """) == ["cfg.yaml:3: sources[0].filter_pattern: invalid filter pattern at column 8: Invalid character(s) in term '*'"]


def test_invalid_format(issues):
    """The message itself belongs to tui.flowlog; here: one issue, on the format's line, naming the column."""
    (issue,) = issues("rules: []\nformat: '${version} srcaddr'\n")
    assert issue.startswith("cfg.yaml:2: format: column 12: 'srcaddr' ")


# -- fields, measures, names ------------------------------------------------------------------


def test_unknown_group_by_field_suggests_close_names(issues):
    assert issues(rule(group_by="[srcadr, dstport]")) == [
        "cfg.yaml:6: rules[0].group_by[0]: no field 'srcadr' in the default format (did you mean 'srcaddr'?)"
    ]


def test_group_by_field_missing_from_a_custom_format_names_that_format(issues):
    text = rule(group_by="dstadr") + "format: '${srcaddr} ${dstaddr} ${bytes}'\n"
    assert issues(text) == [
        "cfg.yaml:6: rules[0].group_by: no field 'dstadr' in the format on line 7 (did you mean 'dstaddr'?)"
    ]


def test_field_without_close_match_lists_the_format_fields(issues):
    text = rule(measure="distinct:zzz") + "format: '${srcaddr} ${bytes}'\n"
    assert issues(text) == ["cfg.yaml:6: rules[0].measure: no field 'zzz' in the format on line 7 (its fields: srcaddr, bytes)"]


def test_group_by_repeated_field(issues):
    assert issues(rule(group_by="[srcaddr, srcaddr]")) == ["cfg.yaml:6: rules[0].group_by[1]: 'srcaddr' is listed twice"]


@pytest.mark.parametrize(
    ("measure", "message"),
    [
        ("cnt", "unknown measure 'cnt'; use count, sum:FIELD or distinct:FIELD (did you mean 'count'?)"),
        ("avg:bytes", "unknown measure 'avg:bytes'; use count, sum:FIELD or distinct:FIELD"),
        ("sum", "sum needs a field: sum:FIELD, e.g. sum:bytes"),
        ("distinct:", "distinct needs a field: distinct:FIELD, e.g. distinct:dstport"),
        ("count:bytes", "count takes no field, got 'count:bytes'; use count, sum:FIELD or distinct:FIELD"),
        ("sum:byte", "no field 'byte' in the default format (did you mean 'bytes'?)"),
        ("sum:action", "sum needs a numeric field; 'action' is not one (distinct:action counts its values)"),
        ("sum:srcaddr", "sum needs a numeric field; 'srcaddr' is not one (distinct:srcaddr counts its values)"),
    ],
)
def test_bad_measures(issues, measure, message):
    assert issues(rule(measure=f"'{measure}'")) == [f"cfg.yaml:6: rules[0].measure: {message}"]


def test_duplicate_rule_names(issues):
    assert issues(rule() + rule().replace("rules:\n", "")) == ["cfg.yaml:6: rules[1].name: duplicate rule name 'r' (first on line 2)"]


def test_notify_unknown_notifier(issues):
    text = rule(notify="[sms]") + "notifiers:\n  sns: {topic_arn: 'arn:aws:sns:us-east-1:123456789012:t'}\n"
    assert issues(text) == ["cfg.yaml:6: rules[0].notify[0]: notifier 'sms' is not configured under 'notifiers:' (did you mean 'sns'?)"]


def test_notify_when_no_notifier_is_configured(issues):
    assert issues(rule(notify="slack")) == [
        "cfg.yaml:6: rules[0].notify: notifier 'slack' is not configured under 'notifiers:' (configured: none)"
    ]


# -- SNS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sns:us-east-1:12345:flow-alerts",  # short account
        "arn:aws:sqs:us-east-1:123456789012:flow-alerts",  # not SNS
        "flow-alerts",
        "arn:aws:sns:us-east-1:123456789012:bad name",
    ],
)
def test_bad_topic_arn(issues, arn):
    assert issues(f"notifiers:\n  sns:\n    topic_arn: '{arn}'\n") == [
        f"cfg.yaml:3: notifiers.sns.topic_arn: {arn!r} is not an SNS topic ARN "
        "(arn:aws:sns:REGION:ACCOUNT:NAME, e.g. arn:aws:sns:us-east-1:123456789012:flow-alerts)"
    ]


def test_sns_problems(issues):
    assert issues("""
        notifiers:
          sns:
            states: [ALARM, alarm, DONE]
            region: eu-west-1
            topic_arn: arn:aws:sns:us-east-1:123456789012:t
    """) == [
        "cfg.yaml:3: notifiers.sns.states[1]: must be ALARM or OK, got 'alarm' (did you mean 'ALARM'?)",
        "cfg.yaml:3: notifiers.sns.states[2]: must be ALARM or OK, got 'DONE'",
        "cfg.yaml:4: notifiers.sns.region: 'eu-west-1' is not the topic's region 'us-east-1' (from topic_arn)",
    ]


def test_sns_needs_a_topic_and_at_least_one_state(issues):
    assert issues("notifiers:\n  sns:\n    states: []\n") == [
        "cfg.yaml:2: notifiers.sns: missing required key 'topic_arn'",
        "cfg.yaml:3: notifiers.sns.states: list at least one of ALARM, OK",
    ]


# -- every mistake at once --------------------------------------------------------------------


def test_every_mistake_is_listed_in_file_order(issues):
    found = issues("""
        rules:
          - name: r
            pattern: '[..., action=REJECT, status]'
            threshold: 3
            window: 5x
            severity: hgh
        follow:
          lookbak: 15m
    """)
    assert found == [
        "cfg.yaml:5: rules[0].window: '5x' is not a duration (use e.g. 45s, 5m, 1h30m)",
        "cfg.yaml:6: rules[0].severity: must be one of info, low, medium, high, critical, got the text 'hgh' (did you mean 'high'?)",
        "cfg.yaml:8: follow: unknown key 'lookbak' (did you mean 'lookback'?)",
    ]


# -- what a valid file gives ------------------------------------------------------------------


def test_valid_file_gives_typed_frozen_values(write):
    config = load_config(write("""
        aws: {profile: ops, region: eu-west-1}
        format: '${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${bytes} ${start} ${action} ${log-status}'
        sources:
          - log_group: /vpc/flow-logs
            stream_prefix: eni-
          - log_group: arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/prod:*
            filter_pattern: '[..., action=REJECT, status]'
        follow: {poll_interval: 2s, lookback: 1h, max_delay: 30m, requests_per_second: 2.5}
        rules:
          - name: scan
            pattern: '[..., action=REJECT, status]'
            threshold: 25
            window: 1m
            group_by: srcaddr
            measure: distinct:dstport
            severity: high
            notify: [sns, journal]
            description: many ports
          - name: quiet
            pattern: ''
            threshold: 1
            window: 90
            enabled: false
        notifiers:
          sns: {topic_arn: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts.fifo', states: [ALARM, OK], cooldown: 0s}
          journal: {path: ~/alerts.jsonl}
          bell:
        display: {refresh: 500ms, clock: local, keys: {pause: p}}
        limits: {max_groups_per_rule: 100}
    """))
    assert config.aws.profile == "ops" and config.aws.region == "eu-west-1"
    assert config.format.names[:3] == ("version", "interface-id", "srcaddr")
    assert config.sources == (
        SourceConfig("/vpc/flow-logs", "eni-", None, line=4),
        SourceConfig("arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/prod:*", None, "[..., action=REJECT, status]", line=6),
    )
    assert config.follow == FollowConfig(poll_interval_s=2.0, lookback_s=3600.0, max_delay_s=1800.0, requests_per_second=2.5)
    (scan,) = config.rules
    assert (scan.name, scan.threshold, scan.window_s, scan.group_by) == ("scan", 25.0, 60.0, ("srcaddr",))
    assert (scan.measure, scan.measure_field, scan.measure_text) == ("distinct", "dstport", "distinct:dstport")
    assert (scan.severity, scan.notify, scan.description, scan.line) == ("high", ("sns", "journal"), "many ports", 10)
    assert scan.pattern is not None and scan.pattern_text == "[..., action=REJECT, status]"
    assert [r.name for r in config.disabled_rules] == ["quiet"] and config.disabled_rules[0].window_s == 90.0
    assert config.notifiers["sns"] == SnsConfig(
        topic_arn="arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts.fifo",
        states=("ALARM", "OK"), cooldown_s=0.0, region="us-gov-west-1", line=25,
    )
    assert config.notifiers["journal"] == JournalConfig(path=str(write("", "x").home() / "alerts.jsonl"))
    assert config.notifiers["bell"] == BellConfig()
    assert (config.display.refresh_s, config.display.clock, config.display.keys) == (0.5, "local", {"pause": "p"})
    assert config.limits.max_groups_per_rule == 100 and config.limits.max_samples == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        scan.threshold = 1  # type: ignore[misc]


def test_defaults_of_a_rules_only_file(write):
    config = load_config(write(rule()))
    (only,) = config.rules
    assert (only.measure, only.measure_field, only.severity, only.group_by, only.notify) == ("count", None, "medium", (), ())
    assert config.format == DEFAULT_FORMAT and config.sources == () and config.notifiers == {}
    assert dataclasses.replace(config, path=None, rules=()) == default_config()


def test_default_config():
    config = default_config()
    assert config.path is None and config.rules == () and config.sources == ()
    assert config.format == FlowFormat.parse("default")
    assert (config.follow.poll_interval_s, config.follow.lookback_s, config.follow.max_delay_s) == (5.0, 900.0, 1200.0)
    assert config.follow.requests_per_second == 5.0
    assert (config.display.refresh_s, config.display.flows_rows, config.limits.max_samples) == (1.0, 300, 5)
