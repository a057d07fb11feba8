"""``--status-every``: how often a headless follower prints its status line (watch and demo)."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--status-every", metavar="DURATION",
        help="with --headless, a status line at most every DURATION (default 10s; 1s for a dashboard fed by "
        "the lines, 5m for a log)",
    )


def seconds(args: argparse.Namespace) -> float | None:
    """The interval in seconds (None: the default); FlowtailError (one line) when it is no positive
    duration."""
    from tui.durations import parse_duration
    from tui.errors import FlowtailError

    if args.status_every is None:
        return None
    try:
        value = parse_duration(args.status_every)
    except ValueError as error:
        raise FlowtailError(f"--status-every: {error}") from None
    if value <= 0:
        raise FlowtailError(f"--status-every: must be more than zero, not {args.status_every!r}")
    return value
