"""The rule keys of ``evaluate: cloudwatch`` (tui.config.cloudwatch_keys): defaults, and every mistake
named with its line."""

from __future__ import annotations

from tui.config import load_config
from tui.rules.cloudwatch_alarm import AlarmSpec

HEAD = "rules:\n"
PATTERN = "'[..., action=REJECT, status]'"


def test_defaults_are_cloudwatchs(write):
    path = write(HEAD + f"  - {{name: r, pattern: {PATTERN}, threshold: 0, evaluate: cloudwatch, period: 5m}}\n")
    [rule] = load_config(path).rules
    assert rule.alarm == AlarmSpec(period_s=300, threshold=0)
    assert (rule.alarm.comparison, rule.alarm.treat_missing_data, rule.alarm.datapoints_to_alarm) == (
        "GreaterThanOrEqualToThreshold", "missing", 1)
    assert rule.window_s == 300  # the sliding window beside it defaults to the period


def test_period_defaults_to_the_window_and_m_to_n(write):
    path = write(HEAD + f"  - {{name: r, pattern: {PATTERN}, threshold: 2, window: 5m, evaluate: cloudwatch, "
                        "evaluation_periods: 4, evaluation_window: wall-clock}\n")
    spec = load_config(path).rules[0].alarm
    assert (spec.period_s, spec.evaluation_periods, spec.datapoints_to_alarm, spec.evaluation_window) == (
        300, 4, 4, "wall-clock")


def test_mistakes_are_named(issues):
    found = issues(HEAD + f"""\
  - name: a
    pattern: {PATTERN}
    threshold: 1
    evaluate: cloudwatch
    period: 45s
    datapoints_to_alarm: 3
    comparison: Above
  - name: b
    pattern: {PATTERN}
    threshold: 1
    window: 2m
    evaluate: cloudwatch
    evaluation_window: wall-clock
    statistic: Average
    measure: sum:bytes
  - name: c
    pattern: {PATTERN}
    threshold: 1
    window: 1m
    treat_missing_data: breaching
  - name: d
    pattern: {PATTERN}
    threshold: 1
    evaluate: cloudwatch
    period: 1h
    evaluation_periods: 200
    measure: distinct:dstport
""")
    assert found == [
        "cfg.yaml:6: rules[0].period: 45 s is no CloudWatch period (10 s, 30 s or a multiple of 60 s)",
        "cfg.yaml:7: rules[0].datapoints_to_alarm: 3 is more than evaluation_periods (1)",
        "cfg.yaml:8: rules[0].comparison: must be one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, "
        "LessThanThreshold, LessThanOrEqualToThreshold, got the text 'Above'",
        "cfg.yaml:12: rules[1].window: a wall-clock window takes a period of 1m, 5m, 1h, 1d or 7d",
        "cfg.yaml:15: rules[1].statistic: flowtail simulates Sum only for a sum:FIELD measure",
        "cfg.yaml:21: rules[2].treat_missing_data: needs evaluate: cloudwatch",
        "cfg.yaml:25: rules[3].evaluate: distinct has no CloudWatch form: a metric filter publishes 1 or a field",
        "cfg.yaml:27: rules[3].evaluation_periods: period x evaluation_periods may not exceed 1 day "
        "(7 days for periods of 1 hour or more)",
    ]


def test_dimensions_name_the_group_by_fields(issues, write):
    path = write(HEAD + f"  - {{name: r, pattern: {PATTERN}, threshold: 1, evaluate: cloudwatch, period: 1m, "
                        "group_by: [srcaddr], dimensions: {srcaddr: 10.0.0.9}}\n")
    assert load_config(path).rules[0].alarm.dimensions == (("srcaddr", "10.0.0.9"),)
    found = issues(HEAD + f"  - {{name: r, pattern: {PATTERN}, threshold: 1, evaluate: cloudwatch, period: 1m, "
                          "group_by: [srcaddr], dimensions: {dstaddr: 10.0.0.9}}\n")
    assert found == ["cfg.yaml:2: rules[0].dimensions: must name exactly the group_by fields (srcaddr)"]
