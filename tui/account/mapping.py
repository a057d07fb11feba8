"""Metric filter + alarm <-> flowtail rule, both directions (DESIGN.md section 9). No I/O.

A metric filter's ``$name`` (metric value, dimension values) names an entry of its space-delimited
pattern; flowtail's rules name fields of the flow-log format. The two meet by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tui.flowlog import FlowFormat
from tui.patterns import PatternError, compile_pattern
from tui.rules.cloudwatch_alarm import COMPARISONS, valid_period

NAMESPACE = "flowtail"
MAX_DIMENSIONS = 3  # a metric filter takes up to 3 dimensions
INSIGHTS_HOURS = 3  # a Metrics Insights query looks at the most recent 3 hours only
ADDRESS_FIELDS = ("srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr")
INSIGHTS_FUNCTIONS = {"Sum": "SUM", "SampleCount": "COUNT", "Average": "AVG", "Minimum": "MIN", "Maximum": "MAX"}
# The Metrics Insights query flowtail exports for a rule with group_by (and reads back on import).
_INSIGHTS = re.compile(
    r'SELECT\s+(?P<fn>SUM|COUNT|AVG|MIN|MAX)\("?(?P<metric>[^")]+)"?\)\s+FROM\s+SCHEMA\("(?P<ns>[^"]+)",\s*'
    r'(?P<schema>[^)]*)\)\s+GROUP\s+BY\s+(?P<group>.+?)\s*$', re.IGNORECASE,
)


class NotExpressible(ValueError):
    """A rule, filter or alarm the other side has no form for; the message says why."""


class NoCloudWatchForm(NotExpressible):
    """A rule CloudWatch itself cannot express, however it is written (``flowtail check`` warns):
    distinct, more than 3 group_by fields, a window that is no period."""


def rule_name(text: str) -> str:
    """An alarm name as a rule name (letters, digits, ``_ . -``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "alarm"


# -- import: metric filter + alarm -> rule ---------------------------------------------------------


@dataclass
class Imported:
    """A rule as a config mapping (in config key order), or why the pair is not simulated."""

    rule: dict[str, Any] | None
    source: str  # "alarm A on ns/metric (filter F on /group)"
    why_not: str | None = None
    notes: list[str] = field(default_factory=list)


def _positions(pattern_text: str, fmt: FlowFormat) -> dict[str, int]:
    try:
        pattern = compile_pattern(pattern_text)
    except PatternError as error:
        raise NotExpressible(f"the filter pattern is invalid: {error}") from None
    if pattern.kind != "bracket":
        return {}
    return pattern.field_positions(fmt.nfields)  # type: ignore[attr-defined]


def _format_field(reference: str, positions: dict[str, int], fmt: FlowFormat, what: str) -> str:
    """The format field a filter's ``$name`` stands for."""
    name = reference[1:] if reference.startswith("$") else None
    if name is None or name not in positions:
        raise NotExpressible(f"{what} {reference!r} is not a field of the space-delimited pattern")
    return fmt.names[positions[name]]


def rule_from_pair(metric_filter: dict[str, Any], transformation: dict[str, Any], alarm: dict[str, Any],
                   fmt: FlowFormat, query: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rule saying what ``alarm`` says about the metric ``metric_filter`` publishes (boto3 shapes:
    DescribeMetricFilters' filter and one of its metricTransformations, DescribeAlarms' MetricAlarm).
    ``query`` is the alarm's Metrics Insights query parsed by :func:`parse_insights` (group_by from
    its GROUP BY), for a multi-time-series alarm. Raises NotExpressible."""
    positions = _positions(metric_filter.get("filterPattern", ""), fmt)
    value = str(transformation.get("metricValue", "1")).strip()
    rule: dict[str, Any] = {
        "name": rule_name(alarm["AlarmName"]),
        "pattern": metric_filter.get("filterPattern", ""),
        "threshold": _plain(alarm["Threshold"]),
    }
    if value.startswith("$"):
        rule["measure"] = f"sum:{_format_field(value, positions, fmt, 'metric value')}"
    elif value not in ("1", "1.0"):
        raise NotExpressible(f"metric value {value}: flowtail counts 1 per match or sums a $field")
    dimensions = transformation.get("dimensions") or {}
    fields = {name: _format_field(ref, positions, fmt, f"dimension {name}") for name, ref in dimensions.items()}
    alarm_dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions") or ()}
    if query is not None:
        rule["group_by"] = [fields[name] for name in query["group"]]
    elif fields:
        rule["group_by"] = list(fields.values())
        rule["dimensions"] = {fields[name]: alarm_dims[name] for name in dimensions}
    statistic = alarm.get("Statistic") or (query or {}).get("statistic", "Sum")
    if statistic not in INSIGHTS_FUNCTIONS:
        raise NotExpressible(f"statistic {statistic}: flowtail simulates Sum, SampleCount, Average, Minimum, Maximum")
    if rule.get("measure", "count") != "count" and statistic != "Sum":
        raise NotExpressible(f"{statistic} of {value}: flowtail simulates Sum only for a $field metric value")
    comparison = alarm["ComparisonOperator"]
    if comparison not in COMPARISONS:
        raise NotExpressible(f"{comparison} is an anomaly-detection comparison: not simulated")
    period = int(alarm.get("Period") or (query or {}).get("period") or 0)
    n = int(alarm["EvaluationPeriods"])
    rule.update({
        "evaluate": "cloudwatch",
        "period": f"{period}s",
        "evaluation_periods": n,
        "datapoints_to_alarm": int(alarm.get("DatapointsToAlarm") or n),
        "comparison": comparison,
        "statistic": statistic,
        "treat_missing_data": alarm.get("TreatMissingData") or "missing",
    })
    window = alarm.get("EvaluationWindow") or {}
    if "WallClockWindow" in window:
        rule["evaluation_window"] = "wall-clock"
    return rule


def parse_insights(alarm: dict[str, Any]) -> dict[str, Any] | None:
    """The namespace, metric, GROUP BY fields, statistic and period of an alarm on a Metrics
    Insights query of the shape flowtail exports; None for any other metric-math alarm."""
    queries = [m for m in alarm.get("Metrics") or () if m.get("Expression")]
    if len(queries) != 1 or len(alarm.get("Metrics") or ()) != 1:
        return None
    match = _INSIGHTS.match(queries[0]["Expression"].strip())
    if match is None:
        return None
    functions = {v: k for k, v in INSIGHTS_FUNCTIONS.items()}
    return {
        "namespace": match["ns"],
        "metric": match["metric"],
        "group": [name.strip().strip('"') for name in match["group"].split(",")],
        "statistic": functions[match["fn"].upper()],
        "period": queries[0].get("Period"),
    }


def _plain(number: float) -> float | int:
    return int(number) if float(number).is_integer() else number


# -- export: rule -> metric filter + alarm ---------------------------------------------------------


@dataclass
class Export:
    """What one rule becomes in the account: metric filter and alarm properties (CloudFormation
    names), and notes on how CloudWatch will judge it differently."""

    rule: str
    filter: dict[str, Any]
    alarm: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def export_period(window_s: float) -> tuple[int, str | None]:
    """The alarm period for a sliding window (and a note when it had to be rounded up)."""
    if valid_period(window_s):
        return int(window_s), None
    if window_s < 10 or window_s > 7 * 86400:
        raise NoCloudWatchForm(f"a window of {window_s:g} s is no CloudWatch period (10 s to 7 days)")
    period = 10 if window_s < 10 else 30 if window_s < 30 else int(-(-window_s // 60) * 60)
    return period, f"window {window_s:g} s has no CloudWatch period: exported as {period} s"


def export_rule(rule: Any, fmt: FlowFormat, log_group: str, topic: Any) -> Export:
    """The metric filter and alarm of one configured rule (a RuleConfig); ``topic`` is the alarm
    action (an ARN, or a CloudFormation Ref). Raises NotExpressible with the reason."""
    if rule.measure == "distinct":
        raise NoCloudWatchForm("distinct has no CloudWatch form: a metric filter publishes 1 or a field's value")
    if len(rule.group_by) > MAX_DIMENSIONS:
        raise NoCloudWatchForm(
            f"{len(rule.group_by)} group_by fields: a metric filter takes up to {MAX_DIMENSIONS} dimensions")
    by_position = {index: name for name, index in _positions(rule.pattern_text, fmt).items()}

    def reference(field_name: str, what: str) -> str:
        name = by_position.get(fmt.index(field_name)) if fmt.has(field_name) else None
        if name is None:
            raise NotExpressible(f"{what} {field_name} needs a space-delimited pattern that names that field "
                                 "(an entry at its position, no '...')")
        return f"${name}"

    notes: list[str] = []
    alarm_spec = rule.alarm
    if alarm_spec is None:
        period, rounded = export_period(rule.window_s)
        notes += [rounded] if rounded else []
        notes.append("CloudWatch judges minute-aligned periods, flowtail every instant: a burst across a "
                     "period boundary may alarm in flowtail only (its rule view shows where)")
        settings = {"EvaluationPeriods": 1, "DatapointsToAlarm": 1, "Threshold": rule.threshold,
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching"}
        statistic = "Sum"
    else:
        period = alarm_spec.period_s
        settings = {"EvaluationPeriods": alarm_spec.evaluation_periods,
                    "DatapointsToAlarm": alarm_spec.datapoints_to_alarm, "Threshold": alarm_spec.threshold,
                    "ComparisonOperator": alarm_spec.comparison, "TreatMissingData": alarm_spec.treat_missing_data}
        statistic = alarm_spec.statistic
        if alarm_spec.evaluation_window == "wall-clock":
            settings["EvaluationWindow"] = {"WallClockWindow": {}}
    value = "1" if rule.measure == "count" else reference(rule.measure_field, "sum of")
    transformation: dict[str, Any] = {"MetricNamespace": NAMESPACE, "MetricName": rule.name, "MetricValue": value}
    dimensions = [{"Key": name, "Value": reference(name, "group_by field")} for name in rule.group_by]
    if dimensions:
        transformation["Dimensions"] = dimensions  # AWS takes no DefaultValue with dimensions
        notes += [f"{name}: AWS may disable a dimension on an address field once it has 1,000 distinct values"
                  for name in rule.group_by if name in ADDRESS_FIELDS]
    else:
        transformation["DefaultValue"] = 0
    metric_filter = {"FilterName": f"flowtail-{rule.name}", "LogGroupName": log_group,
                     "FilterPattern": rule.pattern_text, "MetricTransformations": [transformation]}
    alarm: dict[str, Any] = {"AlarmName": f"flowtail-{rule.name}",
                             "AlarmDescription": f"flowtail rule {rule.name}: {rule.description}".strip(": "),
                             **settings, "AlarmActions": [topic]}
    fixed = getattr(alarm_spec, "dimensions", ())
    if dimensions and not fixed:
        if period * settings["EvaluationPeriods"] > INSIGHTS_HOURS * 3600:
            raise NotExpressible(f"period x evaluation periods over {INSIGHTS_HOURS} hours: a Metrics Insights "
                                 "alarm (needed for group_by) looks at the last 3 hours only")
        if period % 60:
            raise NotExpressible("a Metrics Insights alarm (needed for group_by) takes periods of whole minutes")
        keys = ", ".join(rule.group_by)
        expression = (f'SELECT {INSIGHTS_FUNCTIONS[statistic]}("{rule.name}") FROM SCHEMA("{NAMESPACE}", {keys}) '
                      f"GROUP BY {keys}")
        alarm["Metrics"] = [{"Id": "q1", "Expression": expression, "Period": period, "ReturnData": True}]
        notes.append("group_by: a multi-time-series alarm on a Metrics Insights query; at most 100 contributors "
                     "are reported in ALARM, more than 500 series give PARTIAL_DATA, it sees the last 3 hours "
                     "only, and an account and region hold at most 200 such alarms")
    else:
        alarm.update({"Namespace": NAMESPACE, "MetricName": rule.name, "Statistic": statistic, "Period": period})
        if fixed:
            alarm["Dimensions"] = [{"Name": name, "Value": value} for name, value in fixed]
    return Export(rule.name, metric_filter, alarm, notes)
