"""Follow the configured CloudWatch Logs groups live and evaluate the rules."""

from __future__ import annotations

import argparse
import dataclasses
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", required=True, help="YAML configuration file")
    parser.add_argument("--since", help="where following starts, e.g. 15m (overrides follow.lookback)")
    parser.add_argument("--profile", help="AWS profile (default: the standard boto3 chain)")
    parser.add_argument("--region", help="AWS region")
    parser.add_argument("--headless", action="store_true", help="print JSON lines instead of the TUI")
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.config import load_config
    from tui.durations import parse_duration
    from tui.errors import FlowtailError
    from tui.run.live import Headless, open_live
    from tui.sinks.jsonl import JsonLines

    config = load_config(args.config)
    if args.profile or args.region:
        aws = dataclasses.replace(
            config.aws, profile=args.profile or config.aws.profile, region=args.region or config.aws.region
        )
        config = dataclasses.replace(config, aws=aws)
    since_s = None
    if args.since:
        try:
            since_s = parse_duration(args.since)
        except ValueError as error:
            raise FlowtailError(f"--since: {error}") from None
    if args.headless:
        printer = Headless(JsonLines(sys.stdout), records=args.records)
        return printer.run(open_live(config, since_s=since_s, on_events=printer.on_events))
    from tui.app import run_app

    return run_app(open_live(config, since_s=since_s), config)
