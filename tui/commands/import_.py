"""Read the account's CloudWatch alarms on metric filters and write them as flowtail rules.

Each (metric filter, alarm) pair becomes a rule with ``evaluate: cloudwatch``: flowtail then judges it
as CloudWatch judges the alarm, beside its own sliding window. IAM: logs:DescribeMetricFilters,
cloudwatch:DescribeAlarms.
"""

from __future__ import annotations

import argparse
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-group", action="append", default=[], metavar="GROUP",
                        help="only the metric filters of this log group (repeatable; default: every group)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the configuration here (default: stdout)")
    parser.add_argument("--profile", help="AWS profile (default: the standard boto3 chain)")
    parser.add_argument("--region", help="AWS region")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.account.importer import config_text, import_alarms
    from tui.errors import FlowtailError

    found = import_alarms(args.log_group, args.region, args.profile)
    text = config_text(found, args.region)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as error:
            raise FlowtailError(f"import: cannot write {args.output}: {error.strerror}") from None
    for why in found.skipped:
        print(f"flowtail: not imported: {why}", file=sys.stderr)
    return 0
