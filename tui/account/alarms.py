"""The account's metric filters and alarms on them, read as flowtail rules (``flowtail import``).

``logs:DescribeMetricFilters`` on the flow-log groups (every group without ``--log-group``) and
``cloudwatch:DescribeAlarms``, joined on namespace, metric name and dimension names. Alarms on a
metric-math expression (other than flowtail's own Metrics Insights query) and composite alarms are
listed as not simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from tui.account.mapping import NotExpressible, parse_insights, rule_from_pair
from tui.flowlog import FlowFormat


@dataclass
class Found:
    """The rules read from the account, their log groups, and what was left out and why."""

    rules: list[dict[str, Any]] = field(default_factory=list)
    log_groups: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, ())


def read_alarms(logs: Any, cloudwatch: Any, log_groups: list[str], fmt: FlowFormat) -> Found:
    """The rules for every (metric filter, alarm) pair of the account (see the module docstring)."""
    filters = []
    for params in [{"logGroupName": group} for group in log_groups] or [{}]:
        filters += list(_pages(logs, "describe_metric_filters", "metricFilters", **params))
    by_metric: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for metric_filter in filters:
        for transformation in metric_filter.get("metricTransformations", ()):
            key = (transformation["metricNamespace"], transformation["metricName"])
            by_metric.setdefault(key, []).append((metric_filter, transformation))
    found = Found()
    names: set[str] = set()
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
        found.skipped += [f"composite alarm {a['AlarmName']}: not simulated" for a in page.get("CompositeAlarms", ())]
        for alarm in page.get("MetricAlarms", ()):
            _join(alarm, by_metric, fmt, found, names)
    return found


def _join(alarm: dict[str, Any], by_metric: dict, fmt: FlowFormat, found: Found, names: set[str]) -> None:
    name = alarm["AlarmName"]
    query = None
    if alarm.get("Metrics"):
        query = parse_insights(alarm)
        if query is None:
            found.skipped.append(f"alarm {name}: a metric-math alarm: not simulated")
            return
        key = (query["namespace"], query["metric"])
    else:
        key = (alarm.get("Namespace", ""), alarm.get("MetricName", ""))
    alarm_dims = {d["Name"] for d in alarm.get("Dimensions") or ()}
    pairs = [(f, t) for f, t in by_metric.get(key, ())
             if set(t.get("dimensions") or {}) == (set(query["group"]) if query else alarm_dims)]
    if not pairs:
        return  # an alarm on some other metric: not about the flow logs
    metric_filter, transformation = pairs[0]
    try:
        rule = rule_from_pair(metric_filter, transformation, alarm, fmt, query)
    except NotExpressible as why:
        found.skipped.append(f"alarm {name} (filter {metric_filter['filterName']}): {why}")
        return
    base, number = rule["name"], 2
    while rule["name"] in names:
        rule["name"], number = f"{base}-{number}", number + 1
    names.add(rule["name"])
    rule["description"] = (f"CloudWatch alarm {name} on {key[0]}/{key[1]} "
                           f"(metric filter {metric_filter['filterName']} on {metric_filter['logGroupName']})")
    found.rules.append(rule)
    if metric_filter["logGroupName"] not in found.log_groups:
        found.log_groups.append(metric_filter["logGroupName"])
