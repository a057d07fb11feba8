"""Validate a configuration file and every pattern in it; exit 2 listing all errors."""

from __future__ import annotations

import argparse
import sys


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", required=True, help="YAML configuration file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print ``FILE: ok (...)`` and return 0, or print every issue on stderr, one per line, and return 2."""
    from tui.config import ConfigError, load_config  # only when used: keeps `flowtail --help` fast
    from tui.flowlog import DEFAULT_FORMAT

    try:
        config = load_config(args.config)
    except ConfigError as error:
        for issue in error.issues:
            print(issue, file=sys.stderr)
        return 2
    from tui.account.export import export_warnings

    for warning in export_warnings(config):
        print(warning, file=sys.stderr)
    rules = _count(len(config.rules), "rule")
    if config.disabled_rules:
        rules += f" + {len(config.disabled_rules)} disabled"
    fmt = "default" if config.format == DEFAULT_FORMAT else f"custom, {_count(len(config.format.names), 'field')}"
    notifiers = f", notifiers: {', '.join(config.notifiers)}" if config.notifiers else ""
    print(f"{args.config}: ok ({rules}, {_count(len(config.sources), 'source')}, format {fmt}{notifiers})")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
