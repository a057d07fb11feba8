"""Follow the configured CloudWatch Logs groups live and evaluate the rules."""

from __future__ import annotations

import argparse

from tui.commands._pending import not_yet


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", required=True, help="YAML configuration file")
    parser.add_argument("--since", help="where following starts, e.g. 15m (overrides follow.lookback)")
    parser.add_argument("--profile", help="AWS profile (default: the standard boto3 chain)")
    parser.add_argument("--region", help="AWS region")
    parser.add_argument("--headless", action="store_true", help="print JSON lines instead of the TUI")
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    parser.set_defaults(run=not_yet)
