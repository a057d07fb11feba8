"""Print a configuration for the account's flow logs (ec2:DescribeFlowLogs): the CloudWatch Logs
groups they write to, in their LogFormat, with the default rules; S3 destinations for History.
What is left out (another format, another region, Firehose) is said on stderr and in the file."""

from __future__ import annotations

import argparse
import sys

from tui.commands.output import write_document


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region", action="append", metavar="REGION",
        help="read this region's flow logs, repeatable; the first is the config's region (default: the "
        "standard boto3 chain's)",
    )
    parser.add_argument("--profile", help="AWS profile (default: the standard boto3 chain)")
    parser.add_argument("--endpoint-url", metavar="URL", help="the AWS endpoint (a local one such as moto's)")
    parser.add_argument(
        "--log-group", action="append", default=[], metavar="G",
        help="only the flow logs into this log group, repeatable",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the configuration here (default: stdout)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.account.discover import only_groups, plan, plan_document, plan_notes, read_flow_logs
    from tui.config.from_args import config_from_document
    from tui.errors import FlowtailError

    flow_logs, regions = read_flow_logs(args.region or [None], args.profile, args.endpoint_url)
    if args.log_group:
        flow_logs = only_groups(flow_logs, args.log_group)
    found = plan(flow_logs, regions[0])
    notes = plan_notes(found)
    for note in notes:
        print(f"flowtail: {note}", file=sys.stderr)
    if not found.followed and not found.s3:
        raise FlowtailError(f"discover: no flow log in {', '.join(regions)} writes to CloudWatch Logs or S3")
    aws = {"profile": args.profile, "endpoint_url": args.endpoint_url}
    document = plan_document(found, aws)
    config_from_document(document)  # what is printed is a configuration flowtail accepts
    text = render(document, notes, found.s3_urls if "history" not in document else [])
    write_document(text, args.output or None, "discover")
    if args.output:
        print(f"flowtail: wrote {args.output}; try it with flowtail check {args.output}", file=sys.stderr)
    return 0


def render(document: dict, notes: list[str], s3_urls: list[str]) -> str:
    """The document as YAML, after a comment with what discovery found; S3 destinations this
    flowtail has no ``history:`` section for are kept as a comment."""
    import yaml

    lines = ["# Written by flowtail discover from ec2:DescribeFlowLogs.", *(f"# {note}" for note in notes)]
    if s3_urls:
        lines.append("# For History (history.files), the S3 destinations:")
        lines += [f"#   - {url}" for url in s3_urls]
    if not document["sources"]:
        lines.append("# No CloudWatch Logs group to follow: add one under sources: to use flowtail watch -c.")
    body = yaml.safe_dump(document, sort_keys=False, width=1000, allow_unicode=True)
    return "\n".join(lines) + "\n" + body
