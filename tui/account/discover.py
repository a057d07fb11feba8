"""Which flow logs the account has (``ec2:DescribeFlowLogs``), and the configuration that follows them.

A flow log publishes a VPC's, a subnet's or a network interface's traffic to a CloudWatch Logs group,
an S3 bucket or a Firehose stream, in its own LogFormat. flowtail reads one format per configuration
(``format:``), so :func:`plan` picks the format most CloudWatch log groups use, follows those groups,
and says why each other one is left out; the S3 destinations are kept for History.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from tui.config.convert import log_group_name
from tui.errors import FlowtailError
from tui.flowlog import DEFAULT_FORMAT, FlowFormat, FormatError

CLOUDWATCH = "cloud-watch-logs"
S3 = "s3"
_RESOURCE_KINDS = {"vpc-": "VPC", "subnet-": "subnet", "eni-": "ENI", "tgw-attach-": "TGW attachment", "tgw-": "TGW"}


@dataclass(frozen=True)
class FlowLog:
    """One flow log as DescribeFlowLogs describes it, in the region it was read from."""

    flow_log_id: str
    resource_id: str
    region: str
    destination_type: str  # cloud-watch-logs, s3 or kinesis-data-firehose
    log_group: str | None
    destination: str | None  # the S3 bucket or Firehose ARN
    log_format: str | None  # None: the default format
    traffic_type: str = "ALL"
    aggregation_s: int = 600
    status: str = "ACTIVE"
    delivery_error: str | None = None  # DeliverLogsErrorMessage when delivery FAILED

    @classmethod
    def from_api(cls, item: dict[str, Any], region: str) -> FlowLog:
        return cls(
            flow_log_id=item.get("FlowLogId", "?"),
            resource_id=item.get("ResourceId", "?"),
            region=region,
            destination_type=item.get("LogDestinationType") or CLOUDWATCH,
            log_group=item.get("LogGroupName") or None,
            destination=item.get("LogDestination") or None,
            log_format=item.get("LogFormat") or None,
            traffic_type=item.get("TrafficType") or "ALL",
            aggregation_s=int(item.get("MaxAggregationInterval") or 600),
            status=item.get("FlowLogStatus") or "ACTIVE",
            delivery_error=(item.get("DeliverLogsErrorMessage") or "unknown error")
            if item.get("DeliverLogsStatus") == "FAILED" else None,
        )

    @property
    def resource_kind(self) -> str:
        """VPC, subnet, ENI, ... from the resource id's prefix."""
        kinds = (kind for prefix, kind in _RESOURCE_KINDS.items() if self.resource_id.startswith(prefix))
        return next(kinds, "resource")

    @property
    def format(self) -> FlowFormat:
        """The record layout; FormatError for a LogFormat flowtail cannot read."""
        return FlowFormat.parse(self.log_format) if self.log_format else DEFAULT_FORMAT

    @property
    def format_label(self) -> str:
        return format_label(self.format)

    @property
    def s3_url(self) -> str | None:
        """``s3://bucket/prefix/`` for an S3 destination (``arn:aws:s3:::bucket/prefix``)."""
        if self.destination_type != S3 or not self.destination:
            return None
        path = self.destination.split(":::", 1)[-1].strip("/")
        return f"s3://{path}/"

    def describe(self) -> str:
        """``vpc-0a1 (VPC, ALL traffic, 60 s aggregation)``."""
        traffic = f"{self.traffic_type} traffic, {self.aggregation_s} s aggregation"
        failing = f", delivery FAILED: {self.delivery_error}" if self.delivery_error else ""
        return f"{self.resource_id} ({self.resource_kind}, {traffic}{failing})"


def format_label(flow_format: FlowFormat) -> str:
    return "default" if flow_format == DEFAULT_FORMAT else f"custom, {len(flow_format.names)} fields"


def describe_flow_logs(client: Any, region: str) -> list[FlowLog]:
    """Every flow log the EC2 ``client`` can see in its region; FlowtailError (one line) when it may
    not (``ec2:DescribeFlowLogs``) or cannot ask."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        pages = client.get_paginator("describe_flow_logs").paginate()
        return [FlowLog.from_api(item, region) for page in pages for item in page.get("FlowLogs", [])]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        raise FlowtailError(f"ec2:DescribeFlowLogs in {region} failed: {code}: {message}".rstrip(": ")) from None
    except BotoCoreError as error:
        raise FlowtailError(f"ec2:DescribeFlowLogs in {region} failed: {error}") from None


def read_flow_logs(
    regions: Iterable[str | None], profile: str | None, endpoint_url: str | None
) -> tuple[list[FlowLog], list[str]]:
    """(the flow logs of each region, the regions read) (None: the default region), with one EC2
    client per region."""
    from botocore.exceptions import BotoCoreError, NoRegionError

    from tui.sources.aws_setup import NO_REGION
    from tui.sources.clients import make_client

    result, read = [], []
    for region in regions:
        try:
            client = make_client("ec2", region, profile, endpoint_url)
        except NoRegionError:
            raise FlowtailError(NO_REGION) from None
        except BotoCoreError as error:
            raise FlowtailError(f"cannot create the EC2 client: {error}") from None
        read.append(client.meta.region_name)
        result.extend(describe_flow_logs(client, client.meta.region_name))
    return result, read


def account_format(flow_logs: Iterable[FlowLog], log_groups: Iterable[str]) -> tuple[FlowFormat | None, list[str]]:
    """The format the flow logs into ``log_groups`` use (None when none of them is described), and
    one note per disagreement (several formats: the first group's is used)."""
    wanted = [log_group_name(group) for group in log_groups]
    formats: dict[str, list[FlowFormat]] = {}
    notes = []
    for flow_log in flow_logs:
        if flow_log.destination_type == CLOUDWATCH and flow_log.log_group in wanted:
            try:
                formats.setdefault(flow_log.log_group, []).append(flow_log.format)
            except FormatError as error:
                notes.append(f"{flow_log.flow_log_id}: {error}")
    found = [fmt for group in wanted for fmt in formats.get(group, [])]
    if not found:
        return None, notes
    chosen = found[0]
    for group in wanted:
        for fmt in formats.get(group, []):
            if fmt != chosen:
                notes.append(
                    f"{group}: a flow log writes it in another format ({format_label(fmt)}) than the one used "
                    f"({format_label(chosen)}); its records will count as malformed"
                )
                break
    return chosen, notes


@dataclass
class Plan:
    """What discovery follows: the groups in the chosen format, the S3 destinations for History, and
    why each other flow log is left out."""

    region: str
    flow_format: FlowFormat
    followed: dict[str, list[FlowLog]] = field(default_factory=dict)  # log group -> its flow logs
    s3: dict[str, list[FlowLog]] = field(default_factory=dict)  # s3:// url -> its flow logs
    left_out: list[str] = field(default_factory=list)  # one line each

    @property
    def s3_urls(self) -> list[str]:
        return list(self.s3)


def plan(flow_logs: list[FlowLog], region: str) -> Plan:
    """Follow the CloudWatch groups of ``region`` in the format most of them use (on a tie, the first
    group's in name order); the rest are left out with their reason."""
    readable: list[tuple[FlowLog, FlowFormat]] = []
    left_out = []
    for flow_log in flow_logs:
        try:
            readable.append((flow_log, flow_log.format))
        except FormatError as error:
            left_out.append(f"{flow_log.flow_log_id} ({flow_log.resource_id}): {error}")
    cloudwatch = sorted(
        ((f, fmt) for f, fmt in readable if f.destination_type == CLOUDWATCH and f.log_group),
        key=lambda pair: (pair[0].log_group or "", pair[0].flow_log_id),
    )
    group_formats: dict[str, FlowFormat] = {}  # each group of the region, in its first flow log's format
    for flow_log, fmt in cloudwatch:
        if flow_log.region == region:
            group_formats.setdefault(flow_log.log_group or "", fmt)
    groups_per_format = Counter(group_formats.values())
    # max() keeps the first of equals: on a tie, the format of the first group by name
    chosen = max(groups_per_format, key=groups_per_format.__getitem__) if groups_per_format else DEFAULT_FORMAT
    share = f"used by {groups_per_format[chosen]} of {len(group_formats)} groups, the most; on a tie, the first by name"
    result = Plan(region, chosen, left_out=left_out)
    for flow_log, fmt in cloudwatch:
        group = flow_log.log_group or ""
        if flow_log.region != region:
            result.left_out.append(
                f"{group} ({flow_log.describe()}) is in {flow_log.region}: follow it with --region {flow_log.region}"
            )
        elif fmt != chosen:
            result.left_out.append(
                f"{group} ({flow_log.describe()}) is written in another format ({format_label(fmt)}) than the "
                f"one chosen ({format_label(chosen)}, {share}): follow it with "
                f"`flowtail watch {group}` or its own config (`flowtail discover --log-group {group}`)"
            )
        else:
            result.followed.setdefault(group, []).append(flow_log)
    for flow_log, _ in readable:
        url = flow_log.s3_url
        if url is not None:
            result.s3.setdefault(url, []).append(flow_log)
        elif flow_log.destination_type not in (CLOUDWATCH, S3):
            result.left_out.append(
                f"{flow_log.flow_log_id} ({flow_log.describe()}) delivers to {flow_log.destination_type} "
                f"({flow_log.destination}): flowtail reads CloudWatch Logs and S3 only"
            )
    return result


def only_groups(flow_logs: list[FlowLog], log_groups: Iterable[str]) -> list[FlowLog]:
    """The CloudWatch flow logs into ``log_groups`` (names or ARNs)."""
    wanted = {log_group_name(group) for group in log_groups}
    return [f for f in flow_logs if f.destination_type == CLOUDWATCH and f.log_group in wanted]


def plan_document(
    found: Plan, aws: dict[str, Any], pattern: str | None = None, rules: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The configuration document (as YAML would load it) that follows ``found``'s groups with
    ``rules`` (default: the default rules in its format), and names its S3 destinations under
    ``history.files`` when this flowtail reads that section."""
    from tui.config.default_rules import default_rules
    from tui.config.from_args import command_line_document
    from tui.config.validate import SECTION_KEYS

    if rules is None:
        rules, _ = default_rules(found.flow_format)
    extra = {"history": {"files": found.s3_urls}} if found.s3 and "history" in SECTION_KEYS[""] else None
    return command_line_document(
        list(found.followed), rules=rules, pattern=pattern, flow_format=_format_text(found.flow_format),
        aws={**aws, "region": found.region}, extra=extra,
    )


def _format_text(flow_format: FlowFormat) -> str:
    return "default" if flow_format == DEFAULT_FORMAT else str(flow_format)


def plan_notes(found: Plan, *, default_rules_used: bool = True) -> list[str]:
    """What discovery found and did, one line each: followed groups, S3 destinations, what is left
    out (with the default rules, those the format cannot run too)."""
    notes = [
        f"following {group} ({format_label(found.flow_format)}): " + "; ".join(f.describe() for f in flow_logs)
        for group, flow_logs in found.followed.items()
    ]
    notes += [
        f"S3 destination {url} (for History): " + "; ".join(f.describe() for f in flow_logs)
        for url, flow_logs in found.s3.items()
    ]
    notes += [f"left out: {line}" for line in found.left_out]
    if not default_rules_used:
        return notes
    from tui.config.default_rules import default_rules

    return notes + default_rules(found.flow_format)[1]
