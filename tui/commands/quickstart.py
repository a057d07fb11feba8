"""`flowtail watch` without a configuration file: the log groups on the command line (or found by
``--discover``), the default rules or ``--rule`` ones, ``--pattern`` on every record, and the format
read from the account's flow logs. Builds the Config that `watch -c` would have read."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tui.errors import FlowtailError


def register(parser: argparse.ArgumentParser) -> None:
    """The options of `watch` that replace a configuration file."""
    parser.add_argument(
        "log_groups", nargs="*", metavar="LOG_GROUP",
        help="follow these log groups (names or ARNs) without a configuration file",
    )
    parser.add_argument(
        "--pattern", metavar="PATTERN",
        help="only the records this filter pattern matches are shown and counted (as aws logs tail --filter-pattern)",
    )
    parser.add_argument(
        "--rule", action="append", default=[], metavar="'NAME: PATTERN >= N in WINDOW [by FIELD]'",
        help="a threshold rule, repeatable (default: the built-in rules: SSH/RDP brute force, port scan, "
        "large transfer)",
    )
    parser.add_argument(
        "--format", dest="flow_format", metavar="FORMAT",
        help="'default' or the flow log's LogFormat (default: read from the account with ec2:DescribeFlowLogs)",
    )
    parser.add_argument(
        "--discover", action="store_true",
        help="follow every CloudWatch flow-log group ec2:DescribeFlowLogs finds (see flowtail discover)",
    )
    parser.add_argument("--endpoint-url", metavar="URL", help="the AWS endpoint (a local one such as moto's)")


def wanted(args: argparse.Namespace) -> bool:
    """Whether the command line, not a file, gives the configuration; FlowtailError for a mix."""
    quick = bool(args.log_groups or args.discover)
    extras = [option for option, given in (
        ("--pattern", args.pattern is not None), ("--rule", bool(args.rule)),
        ("--format", args.flow_format is not None), ("--endpoint-url", args.endpoint_url is not None),
    ) if given]
    if args.config and (quick or extras):
        raise FlowtailError(f"watch: -c CONFIG already says what to follow; {', '.join(extras) or 'LOG_GROUP'} "
                            "goes with LOG_GROUP... or --discover instead")
    if args.log_groups and args.discover:
        raise FlowtailError("watch: give LOG_GROUP... or --discover, not both")
    if not args.config and not quick:
        if extras:
            raise FlowtailError(f"watch: {extras[0]} needs log groups: flowtail watch LOG_GROUP... {extras[0]} ...")
        raise FlowtailError("watch: what to follow? flowtail watch LOG_GROUP..., watch --discover, or watch -c CONFIG")
    return quick


def config_from_args(args: argparse.Namespace) -> Any:
    """The Config for `watch LOG_GROUP...` or `watch --discover`; notes about the format and what
    discovery found go to stderr, one line each."""
    from tui.config.default_rules import default_rules
    from tui.config.from_args import command_line_document, config_from_document, parse_rule

    aws = {"region": args.region, "profile": args.profile, "endpoint_url": args.endpoint_url}
    try:
        user_rules = [parse_rule(text) for text in args.rule]
    except ValueError as error:
        raise FlowtailError(str(error)) from None
    if args.discover:
        return _discovered(args, aws, user_rules or None)
    flow_format = args.flow_format or account_format_or_default(args.log_groups, aws)
    if user_rules:
        rules = user_rules
    else:
        from tui.flowlog import FlowFormat

        rules, notes = default_rules(FlowFormat.parse(flow_format))
        _say(notes)
    return config_from_document(command_line_document(
        args.log_groups, rules=rules, pattern=args.pattern, flow_format=flow_format, aws=aws,
    ))


def account_format_or_default(log_groups: list[str], aws: dict[str, Any]) -> str:
    """The LogFormat of the flow logs writing to ``log_groups``, or ``default`` (said on stderr) when
    it cannot be read or none is found."""
    from tui.account.discover import account_format, read_flow_logs
    from tui.flowlog import DEFAULT_FORMAT

    try:
        flow_logs, _ = read_flow_logs([aws["region"]], aws["profile"], aws["endpoint_url"])
    except FlowtailError as error:
        _say([f"format: default (the flow logs' LogFormat could not be read: {error}; --format gives it)"])
        return "default"
    found, notes = account_format(flow_logs, log_groups)
    _say(notes)
    if found is None:
        _say(["format: default (no flow log found that writes to these log groups; --format gives another)"])
        return "default"
    if found != DEFAULT_FORMAT:
        _say([f"format: the flow log's LogFormat ({len(found.names)} fields)"])
    return "default" if found == DEFAULT_FORMAT else str(found)


def _discovered(args: argparse.Namespace, aws: dict[str, Any], rules: list[dict[str, Any]] | None) -> Any:
    from tui.account.discover import plan, plan_document, plan_notes, read_flow_logs
    from tui.config.from_args import config_from_document

    flow_logs, [region] = read_flow_logs([args.region], args.profile, args.endpoint_url)
    found = plan(flow_logs, region)
    _say(plan_notes(found, default_rules_used=rules is None))
    if not found.followed:
        raise FlowtailError(
            f"watch --discover: no flow log in {region} writes to CloudWatch Logs "
            f"({len(flow_logs)} flow logs found; flowtail discover lists them)"
        )
    return config_from_document(plan_document(found, aws, args.pattern, rules))


def _say(lines: list[str]) -> None:
    for line in lines:
        print(f"flowtail: {line}", file=sys.stderr, flush=True)
