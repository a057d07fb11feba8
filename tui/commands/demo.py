"""Start a local CloudWatch Logs + SNS endpoint with simulated traffic and attacks, and follow it."""

from __future__ import annotations

import argparse

from tui.commands._pending import not_yet


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="print JSON lines instead of the TUI")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.set_defaults(run=not_yet)
