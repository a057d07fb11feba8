"""Run the rules and the dashboard statistics over flow-log files (plain, .gz, S3-style, or -)."""

from __future__ import annotations

import argparse

from tui.commands._pending import not_yet


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="flow-log file, .gz file, or - for stdin")
    parser.add_argument("-c", "--config", help="YAML configuration file")
    parser.add_argument("--headless", action="store_true", help="print JSON lines instead of the TUI")
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    parser.set_defaults(run=not_yet)
