"""Start a local CloudWatch Logs + SNS (moto server on 127.0.0.1) with simulated VPC traffic and
attacks, and follow it through the same path as `flowtail watch`. Needs no AWS account or network."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="print JSON lines instead of the TUI")
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument(
        "--source", choices=("poll", "kinesis"), default="poll",
        help="poll the log group (default), or read it through a Kinesis stream fed by a subscription filter",
    )
    parser.set_defaults(run=run)


def require_demo_extra() -> None:
    """A one-line error naming what to install when moto's server (the `demo` extra) is missing."""
    from tui.errors import FlowtailError

    try:
        import moto.server  # noqa: F401  (flask, werkzeug and the rest come with moto[server])
    except ImportError as error:
        missing = (error.name or "moto").split(".")[0]
        raise FlowtailError(
            f"the demo needs the 'demo' extra (module {missing!r} is missing): "
            "pip install 'flowtail[demo]' (or pipx install 'flowtail[demo]')"
        ) from None


def run(args: argparse.Namespace) -> int:
    require_demo_extra()
    from tui.demo.run import run_demo

    return run_demo(headless=args.headless, duration_s=args.duration, records=args.records, source=args.source)
