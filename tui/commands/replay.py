"""Run the rules and the dashboard statistics over flow-log files (plain, .gz, S3-style, or -)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="flow-log file, .gz file, or - for stdin")
    parser.add_argument("-c", "--config", help="YAML configuration file (default: no rules, default format)")
    parser.add_argument("--headless", action="store_true", help="print alert transitions as JSON lines")
    parser.add_argument(
        "--speed", type=float, default=2000, metavar="RECORDS_PER_S",
        help="with the terminal UI, replay this many records per second (default 2000; 0 = as fast as possible)",
    )
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    parser.add_argument(
        "--top", type=int, default=0, metavar="N",
        help="with --headless, end the summary with the N heaviest sources, destinations, ports, protocols "
        "and interfaces by records and by bytes (default 0: the top-N tables are not counted at all)",
    )
    parser.add_argument(
        "--workers", type=int, metavar="N",
        help="with --headless, worker processes for the rule kernel (default: one per core; 1 = in-process, "
        "as --records always is)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tui.config import default_config, load_config
    config = load_config(args.config) if args.config else default_config()
    if not args.headless:
        return _run_tui(args, config)
    from tui.errors import FlowtailError
    from tui.run.replay import Replay

    if args.top < 0:
        raise FlowtailError(f"--top {args.top}: must be 0 or more")
    replay = Replay(config, workers=args.workers, records=args.records, top=args.top, out=sys.stdout)
    started = time.perf_counter()
    replay.run(args.files)
    replay.print_summary(sys.stderr, time.perf_counter() - started)
    return 0


def _run_tui(args: argparse.Namespace, config: Any) -> int:
    """The dashboard over the files, fed at ``--speed`` records per second by the session's thread."""
    from tui.commands.terminal import require_terminal
    from tui.errors import FlowtailError
    from tui.sources.files import ensure_readable

    if "-" in args.files:
        raise FlowtailError("replay from standard input needs --headless: the terminal UI reads its keys from there")
    ensure_readable(args.files)  # a missing file is one line here, not an error inside the dashboard
    require_terminal("replay")
    from tui.app import run_app
    from tui.engine.engine import engine_from_config
    from tui.run.live import Live
    from tui.run.session import Session, replay_feeder

    speed = args.speed if args.speed > 0 else None
    session = Session(engine_from_config(config), replay_feeder(args.files, config.format, speed), "replay")
    from tui.run.history import history_access

    return run_app(Live(session, history=history_access(config, files=args.files)), config)
