"""Follow CloudWatch Logs groups live and evaluate the rules: those of a configuration file (-c), or
LOG_GROUP... on the command line (the default rules, or --rule), or every flow-log group --discover finds."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from typing import Any


def register(parser: argparse.ArgumentParser) -> None:
    from tui.commands import quickstart

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
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.commands import quickstart
    from tui.commands.terminal import require_terminal
    from tui.config import load_config
    from tui.config.pattern_fit import field_count_warnings
    from tui.durations import parse_since
    from tui.errors import FlowtailError
    from tui.run.live import Headless, open_live
    from tui.sinks.jsonl import JsonLines

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
    if args.import_alarms:
        from tui.account.importer import with_imported_rules

        config, found = with_imported_rules(config)
        for why in found.skipped:
            print(f"flowtail: not imported: {why}", file=sys.stderr)
    since_s = None
    if args.since:
        try:
            since_s = parse_since(args.since, time.time())
        except ValueError as error:
            raise FlowtailError(f"--since: {error}") from None
    printer = Headless(JsonLines(sys.stdout), records=args.records) if args.headless else None
    live = open_live(config, since_s=since_s, on_events=None if printer is None else printer.on_events)
    check_sources(config, wait=args.wait)
    if printer is not None:
        return printer.run(live)
    from tui.app import run_app

    return run_app(live, config)


def check_sources(config: Any, *, wait: bool) -> None:
    """Probe every log group and Kinesis stream once before following. A problem only the user can fix (credentials,
    permissions, a missing group) raises FlowtailError (exit 2); with ``wait`` it is said on stderr
    and following starts anyway, retrying. Anything else (throttling, the network) is left to the
    followers' retries."""
    from tui.config import KinesisSourceConfig
    from tui.errors import FlowtailError
    from tui.sources.cloudwatch import make_logs_client
    from tui.sources.kinesis import make_kinesis_client
    from tui.sources.preflight import NEEDS_THE_USER, probe_log_group, probe_stream

    aws = config.aws
    client = make_logs_client(aws.region, aws.profile, aws.endpoint_url)
    for source in config.sources:
        if isinstance(source, KinesisSourceConfig):
            label = source.stream
            kinesis = make_kinesis_client(source.region or aws.region, aws.profile, aws.endpoint_url)
            fault = probe_stream(kinesis, source.stream, profile=aws.profile)
        else:
            label = source.log_group
            fault = probe_log_group(client, source.log_group, profile=aws.profile)
        if fault is None or fault.kind not in NEEDS_THE_USER:
            continue
        if not wait:
            raise FlowtailError(f"{fault.message} (--wait starts anyway and keeps retrying)")
        waiting = "(waiting: retrying until it is fixed)"
        print(f"flowtail: {label}: {fault.message} {waiting}", file=sys.stderr, flush=True)
