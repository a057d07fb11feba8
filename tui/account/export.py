"""flowtail's rules as CloudWatch resources: a CloudFormation JSON template or Terraform HCL.

For every rule CloudWatch can express: a metric filter on each followed log group and an alarm on
its metric (section 9 of DESIGN.md; :func:`tui.account.mapping.export_rule`), with an SNS topic as
the alarm action (the configured ``notifiers.sns`` topic, else a new one). The rules it cannot
express are listed with why, in the output and by ``flowtail check``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tui.account.mapping import Export, NoCloudWatchForm, NotExpressible, export_rule

TOPIC_RESOURCE = "FlowtailAlertTopic"
DEFAULT_LOG_GROUP = "/vpc/flow-logs"


@dataclass
class Plan:
    exports: list[Export] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (rule, why)
    no_form: list[str] = field(default_factory=list)  # the refused rules CloudWatch has no form for at all
    new_topic: bool = False

    @property
    def notes(self) -> list[str]:
        seen: dict[str, None] = {}
        for export in self.exports:
            for note in export.notes:
                seen.setdefault(f"{export.rule}: {note}", None)
        return list(seen)


def plan(config: Any, topic: Any = None) -> Plan:
    """What each enabled rule becomes; ``topic`` overrides the alarm action (tests, Terraform refs)."""
    sns = config.notifiers.get("sns")
    result = Plan()
    if topic is None:
        topic = sns.topic_arn if sns is not None else {"Ref": TOPIC_RESOURCE}
        result.new_topic = sns is None
    groups = [s.log_group for s in config.sources if hasattr(s, "log_group")] or [DEFAULT_LOG_GROUP]
    for rule in config.rules:
        try:
            for group in groups:
                export = export_rule(rule, config.format, group, topic)
                if len(groups) > 1:
                    suffix = _logical(group)
                    export.filter["FilterName"] += f"-{suffix}"
                    export.alarm["AlarmName"] += f"-{suffix}"
                result.exports.append(export)
        except NotExpressible as why:
            result.refused.append((rule.name, str(why)))
            if isinstance(why, NoCloudWatchForm):
                result.no_form.append(rule.name)
    return result


def export_warnings(config: Any) -> list[str]:
    """``flowtail check``'s lines for the rules CloudWatch cannot express (distinct, more than 3
    group_by fields, a window that is no period); ``export`` also lists those it could express
    with another pattern."""
    where = config.path or "<config>"
    lines = {rule.name: rule.line for rule in config.rules}
    result = plan(config)
    return [f"{where}:{lines[name]}: warning: rule {name!r}: CloudWatch cannot express it: {why}"
            for name, why in result.refused if name in result.no_form]


def _logical(text: str) -> str:
    """A CloudFormation logical id part (letters and digits only)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part) or "X"


def cloudformation(result: Plan) -> str:
    """The template, as JSON; what is not exported and the notes are in its Metadata."""
    resources: dict[str, Any] = {}
    if result.new_topic:
        resources[TOPIC_RESOURCE] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "flowtail-alerts"}}
    for export in result.exports:
        name = _logical(export.alarm["AlarmName"])
        resources[f"{name}Filter"] = {"Type": "AWS::Logs::MetricFilter", "Properties": export.filter}
        resources[f"{name}Alarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": export.alarm}
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "flowtail rules as CloudWatch metric filters and alarms (flowtail export)",
        "Metadata": {"flowtail": {
            "notExported": [{"rule": rule, "why": why} for rule, why in result.refused],
            "notes": result.notes,
        }},
        "Resources": resources,
    }
    return json.dumps(template, indent=2) + "\n"


def terraform(result: Plan) -> str:
    """The same resources as Terraform HCL (aws provider)."""
    out = ["# flowtail rules as CloudWatch metric filters and alarms (flowtail export --format terraform)"]
    out += [f"# not exported: {rule}: {why}" for rule, why in result.refused]
    out += [f"# note: {note}" for note in result.notes]
    if result.new_topic:
        out += ["", 'resource "aws_sns_topic" "flowtail_alerts" {', '  name = "flowtail-alerts"', "}"]
    for export in result.exports:
        name = _logical(export.alarm["AlarmName"]).lower()
        f, a = export.filter, export.alarm
        t = f["MetricTransformations"][0]
        out += ["", f'resource "aws_cloudwatch_log_metric_filter" "{name}" {{',
                f"  name           = {_hcl(f['FilterName'])}",
                f"  log_group_name = {_hcl(f['LogGroupName'])}",
                f"  pattern        = {_hcl(f['FilterPattern'])}",
                "  metric_transformation {",
                f"    namespace = {_hcl(t['MetricNamespace'])}",
                f"    name      = {_hcl(t['MetricName'])}",
                f"    value     = {_hcl(t['MetricValue'])}"]
        if "DefaultValue" in t:
            out.append(f"    default_value = {_hcl(str(t['DefaultValue']))}")
        if "Dimensions" in t:
            dims = ", ".join(f"{_hcl(d['Key'])} = {_hcl(d['Value'])}" for d in t["Dimensions"])
            out.append(f"    dimensions = {{ {dims} }}")
        out += ["  }", "}", "", f'resource "aws_cloudwatch_metric_alarm" "{name}" {{',
                f"  alarm_name          = {_hcl(a['AlarmName'])}",
                f"  alarm_description   = {_hcl(a['AlarmDescription'])}",
                f"  comparison_operator = {_hcl(a['ComparisonOperator'])}",
                f"  threshold           = {_number(a['Threshold'])}",
                f"  evaluation_periods  = {a['EvaluationPeriods']}",
                f"  datapoints_to_alarm = {a['DatapointsToAlarm']}",
                f"  treat_missing_data  = {_hcl(a['TreatMissingData'])}"]
        actions = ", ".join("aws_sns_topic.flowtail_alerts.arn" if isinstance(x, dict) else _hcl(x)
                            for x in a["AlarmActions"])
        out.append(f"  alarm_actions       = [{actions}]")
        if "Metrics" in a:
            query = a["Metrics"][0]
            out += ["  metric_query {", f"    id          = {_hcl(query['Id'])}",
                    f"    expression  = {_hcl(query['Expression'])}", f"    period      = {query['Period']}",
                    "    return_data = true", "  }"]
        else:
            out += [f"  namespace           = {_hcl(a['Namespace'])}",
                    f"  metric_name         = {_hcl(a['MetricName'])}",
                    f"  statistic           = {_hcl(a['Statistic'])}", f"  period              = {a['Period']}"]
            if "Dimensions" in a:
                dims = ", ".join(f"{_hcl(d['Name'])} = {_hcl(d['Value'])}" for d in a["Dimensions"])
                out.append(f"  dimensions          = {{ {dims} }}")
        out.append("}")
    return "\n".join(out) + "\n"


def _hcl(text: str) -> str:
    """An HCL string literal: JSON escapes, and ``${`` / ``%{`` kept literal."""
    return json.dumps(text).replace("${", "$${").replace("%{", "%%{")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
