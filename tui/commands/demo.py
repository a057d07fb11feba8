"""Start a local CloudWatch Logs + SNS (moto server on 127.0.0.1) with simulated VPC traffic and
attacks, and follow it through the same path as `flowtail watch`. Needs no AWS account or network.
With -c CONFIG, the demo's traffic runs through that file's rules instead of the demo's own."""

from __future__ import annotations

import argparse


def register(parser: argparse.ArgumentParser) -> None:
    from tui.commands import status_every

    parser.add_argument(
        "-c", "--config", metavar="CONFIG",
        help="run this configuration's rules (and notifiers, display) over the demo's traffic; its SNS topic "
        "is replaced by the demo's local one, its sources and aws settings by the demo's",
    )
    parser.add_argument("--headless", action="store_true", help="print JSON lines instead of the TUI")
    parser.add_argument("--records", action="store_true", help="with --headless, print every record too")
    status_every.register(parser)
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
            "from a clone, pipx install '.[demo]' (or pip install -e '.[demo]')"
        ) from None


def run(args: argparse.Namespace) -> int:
    from tui.commands import status_every

    every_s = status_every.seconds(args)
    rules_from = user_config(args.config) if args.config else None
    if not args.headless:
        from tui.commands.terminal import require_terminal

        require_terminal("demo")
    require_demo_extra()
    from tui.demo.run import run_demo

    return run_demo(
        headless=args.headless, duration_s=args.duration, records=args.records, source=args.source,
        rules_from=rules_from, status_every_s=every_s,
    )


def user_config(path: str) -> object:
    """The configuration whose rules `demo -c` runs; FlowtailError when they cannot read the demo's
    records (written in the default format)."""
    import sys

    from tui.config import load_config
    from tui.config.pattern_fit import field_count_warnings
    from tui.errors import FlowtailError
    from tui.flowlog import DEFAULT_FORMAT

    config = load_config(path)
    if config.format != DEFAULT_FORMAT:
        raise FlowtailError(
            f"{path}: its format has {len(config.format.names)} fields, but the demo writes the default format "
            "(14 fields): its rules could not read the demo's records; try them with a copy that says format: default"
        )
    if not config.rules:
        raise FlowtailError(f"{path}: no enabled rules to run over the demo's traffic")
    for warning in field_count_warnings(config):
        print(warning, file=sys.stderr)
    return config
