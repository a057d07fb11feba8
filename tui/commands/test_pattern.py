"""Offline TestMetricFilter: print the messages a CloudWatch filter pattern matches."""

from __future__ import annotations

import argparse

from tui.commands._pending import not_yet


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", metavar="PATTERN", help="a CloudWatch Logs filter pattern")
    parser.add_argument("file", nargs="?", metavar="FILE", help="messages, one per line (default: stdin)")
    parser.add_argument("--jsonl", action="store_true", help="each input line is a JSON string")
    parser.add_argument("--json", action="store_true", help="print one JSON object per match")
    parser.set_defaults(run=not_yet)
