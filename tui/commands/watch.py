"""Follow CloudWatch Logs groups live and evaluate the rules: those of a configuration file (-c), or
LOG_GROUP... on the command line (the default rules, or --rule), or every flow-log group --discover finds."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from typing import Any


def register(parser: argparse.ArgumentParser) -> None:
    from tui.commands import quickstart, status_every

    parser.add_argument("-c", "--config", help="YAML configuration file (instead of LOG_GROUP... or --discover)")
    quickstart.register(parser)
    parser.add_argument(
        "--since",
        help="where following starts: a duration back (30m) or an ISO-8601 time (2026-12-02T14:05Z; "
        "UTC without an offset); overrides follow.lookback",
    )
    parser.add_argument("--profile", help="AWS profile (default: the standard boto3 chain)")
    parser.add_argument("--region", help="AWS region")
    parser.add_argument("--headless", action="store_true", help="print JSON lines instead of the TUI")
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    status_every.register(parser)
    parser.add_argument(
        "--import", dest="import_alarms", action="store_true",
        help="also run the account's alarms on the log groups' metric filters, evaluated as CloudWatch "
        "evaluates them (IAM: logs:DescribeMetricFilters, cloudwatch:DescribeAlarms)",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="start even when credentials, permissions or a log group are missing, and keep retrying "
        "(default: exit 2 with the problem)",
    )
    parser.add_argument(
        "--unknown-region-ok",
        action="store_true",
        help="accept a region the installed botocore does not list (a region newer than it); "
        "by default such a region is refused as a likely typo (config: aws.allow_unknown_region: true)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.commands import quickstart, status_every
    from tui.commands.terminal import require_terminal
    from tui.config import load_config
    from tui.config.pattern_fit import field_count_warnings
    from tui.durations import parse_since
    from tui.errors import FlowtailError
    from tui.run.live import Headless, open_live
    from tui.sinks.jsonl import JsonLines

    every_s = status_every.seconds(args)  # its mistake before any other work
    from_args = quickstart.wanted(args)
    if not args.headless:
        require_terminal("watch")
    config = quickstart.config_from_args(args) if from_args else load_config(args.config)
    for warning in field_count_warnings(config):
        print(warning, file=sys.stderr, flush=True)  # the very line `flowtail check` prints
    if args.profile or args.region:
        aws = dataclasses.replace(
            config.aws, profile=args.profile or config.aws.profile, region=args.region or config.aws.region
        )
        config = dataclasses.replace(config, aws=aws)
    config = settle_aws(config, unknown_region_ok=args.unknown_region_ok)
    if args.import_alarms:
        from tui.account.importer import with_imported_rules

        config, found = with_imported_rules(config)
        for why in found.skipped:
            print(f"flowtail: not imported: {why}", file=sys.stderr)
    since_s = None
    if args.since:
        try:
            since_s = check_since(parse_since(args.since, time.time()), time.time())
        except ValueError as error:
            raise FlowtailError(f"--since: {error}") from None
    printer = None
    if args.headless:
        printer = Headless(JsonLines(sys.stdout), records=args.records, status_every_s=every_s)
    live = open_live(config, since_s=since_s, on_events=None if printer is None else printer.on_events)
    said = check_sources(config, wait=args.wait)
    check_notifiers(live, wait=args.wait)
    if printer is not None:
        printer.already_said(said)
        return printer.run(live)
    from tui.app import run_app

    return run_app(live, config)


LOGS_EPOCH_S = 1_404_950_400  # 2014-07-10: CloudWatch Logs opened; no log group holds older data


def check_since(since_s: float, now: float) -> float:
    """``since_s`` (seconds back from ``now``), or ValueError when it starts before any log group
    can hold data: FilterLogEvents would refuse the range on every retry."""
    from tui.rules.alerts import iso_utc

    if now - since_s < LOGS_EPOCH_S:
        raise ValueError(
            f"starts before {iso_utc(LOGS_EPOCH_S * 1000)}, when CloudWatch Logs began: no log group holds "
            "data that old; give a later time"
        )
    return since_s


def settle_aws(config: Any, *, unknown_region_ok: bool) -> Any:
    """``config`` with its region settled (``AWS_REGION`` honoured), after refusing what would only
    fail later, one line each: a profile that is not configured (named, also from ``AWS_PROFILE``),
    and a region botocore does not list (with a did-you-mean) unless ``aws.endpoint_url`` is set,
    ``aws.allow_unknown_region`` or ``unknown_region_ok`` (``--unknown-region-ok``)."""
    from tui.config import KinesisSourceConfig
    from tui.errors import FlowtailError
    from tui.sources.aws_setup import profile_problem, region_problem, session_region

    aws = config.aws
    problem = profile_problem(aws.profile)
    if problem is not None:
        raise FlowtailError(problem)
    region = session_region(aws.profile, aws.region)
    if region != aws.region:
        config = dataclasses.replace(config, aws=dataclasses.replace(aws, region=region))
    if aws.endpoint_url or aws.allow_unknown_region or unknown_region_ok:
        return config
    checks = [(region, "logs")] + [(source.region, "kinesis") for source in config.sources
                                   if isinstance(source, KinesisSourceConfig)]
    for name, service in checks:
        problem = None if name is None else region_problem(name, service)
        if problem is not None:
            raise FlowtailError(problem)
    return config


def check_sources(config: Any, *, wait: bool) -> dict[str, str]:
    """Probe every log group and Kinesis stream once before following. A problem only the user can fix (credentials,
    permissions, a missing group) raises FlowtailError (exit 2); with ``wait`` it is said on stderr
    and following starts anyway, retrying. Anything else (throttling, the network) is left to the
    followers' retries. Returns what was said (label -> message), so that it is not said again."""
    from tui.config import KinesisSourceConfig
    from tui.errors import FlowtailError
    from tui.sources.cloudwatch import make_logs_client
    from tui.sources.kinesis import make_kinesis_client
    from tui.sources.preflight import NEEDS_THE_USER, probe_log_group, probe_stream

    aws = config.aws
    client = make_logs_client(aws.region, aws.profile, aws.endpoint_url)
    said: dict[str, str] = {}
    for source in config.sources:
        label = source.stream if isinstance(source, KinesisSourceConfig) else source.log_group
        try:
            if isinstance(source, KinesisSourceConfig):
                kinesis = make_kinesis_client(source.region or aws.region, aws.profile, aws.endpoint_url)
                fault = probe_stream(kinesis, source.stream, profile=aws.profile)
            else:
                fault = probe_log_group(client, source.log_group, profile=aws.profile)
        except Exception as error:  # noqa: BLE001 - at start, one line and exit 2, never a traceback
            raise FlowtailError(f"{label}: the start-up check failed ({type(error).__name__})") from None
        if fault is None or fault.kind not in NEEDS_THE_USER:
            continue
        if not wait:
            raise FlowtailError(f"{fault.message} (--wait starts anyway and keeps retrying)")
        waiting = "(waiting: retrying until it is fixed)"
        print(f"flowtail: {label}: {fault.message} {waiting}", file=sys.stderr, flush=True)
        said[label] = fault.message
    return said


def check_notifiers(live: Any, *, wait: bool) -> None:
    """Check before following that every notifier able to say so (SNS: the topic exists and may be
    read, ``sns:GetTopicAttributes``) can take alerts: a typo'd topic is found at start, not at the
    first alarm. A problem raises FlowtailError (exit 2); with ``wait`` it is said on stderr and
    the delivery keeps retrying."""
    from tui.errors import FlowtailError

    notifiers = {} if live.delivery is None else live.delivery.notifiers
    for notifier in notifiers.values():
        check = getattr(notifier, "check_topic", None)
        problem = None if check is None else check()
        if problem is None:
            continue
        if not wait:
            raise FlowtailError(f"{problem} (--wait starts anyway and keeps retrying)")
        print(f"flowtail: {problem} (waiting: retrying until it is fixed)", file=sys.stderr, flush=True)
