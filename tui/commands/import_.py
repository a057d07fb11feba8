"""Read the account's CloudWatch alarms on metric filters and write them as flowtail rules.

Each (metric filter, alarm) pair becomes a rule with ``evaluate: cloudwatch``: flowtail then judges it
as CloudWatch judges the alarm, beside its own sliding window. IAM: logs:DescribeMetricFilters,
cloudwatch:DescribeAlarms, and ec2:DescribeFlowLogs for the groups' LogFormat without --format.
"""

from __future__ import annotations

import argparse
import sys

from tui.commands.output import write_document


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-group", action="append", default=[], metavar="GROUP",
                        help="only the metric filters of this log group (repeatable; default: every group)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the configuration here (default: stdout)")
    parser.add_argument("--format", dest="flow_format", metavar="FORMAT",
                        help="the flow logs' LogFormat the filter patterns are read in ('default' or '${version} "
                             "${srcaddr} ...'; default: the LogFormat ec2:DescribeFlowLogs gives for the groups)")
    parser.add_argument("--profile", help="AWS profile (default: the standard boto3 chain)")
    parser.add_argument("--region", help="AWS region")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.account.importer import config_text, import_alarms, misfits
    from tui.commands.quickstart import account_format_or_default
    from tui.flowlog import FlowFormat

    fmt = None if args.flow_format is None else FlowFormat.parse(args.flow_format)
    aws = {"region": args.region, "profile": args.profile, "endpoint_url": None}

    def format_of(groups: list[str]) -> FlowFormat:
        return FlowFormat.parse(account_format_or_default(groups, aws))

    found = import_alarms(args.log_group, args.region, args.profile, fmt=fmt, format_of=format_of)
    text = config_text(found, args.region)
    write_document(text, args.output, "import")
    for why in found.skipped:
        print(f"flowtail: not imported: {why}", file=sys.stderr)
    for warning in misfits(found):
        print(f"flowtail: warning: {warning}", file=sys.stderr)
    return 0
