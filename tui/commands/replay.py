"""Run the rules and the dashboard statistics over flow-log files (plain, .gz, S3-style, or -)."""

from __future__ import annotations

import argparse
import sys
import time


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="flow-log file, .gz file, or - for stdin")
    parser.add_argument("-c", "--config", help="YAML configuration file (default: no rules, default format)")
    parser.add_argument("--headless", action="store_true", help="print alert transitions as JSON lines")
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    parser.add_argument(
        "--workers", type=int, metavar="N",
        help="worker processes for the rule kernel (default: one per core; 1 = in-process)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.config import default_config, load_config
    from tui.errors import FlowtailError

    config = load_config(args.config) if args.config else default_config()
    if not args.headless:
        raise FlowtailError("the terminal UI for replay is not available in this version yet: use --headless")
    from tui.replay import Replay

    replay = Replay(config, workers=args.workers, records=args.records, out=sys.stdout)
    started = time.perf_counter()
    replay.run(args.files)
    replay.print_summary(sys.stderr, time.perf_counter() - started)
    return 0

