"""Validate a configuration file and every pattern in it; exit 2 listing all errors."""

from __future__ import annotations

import argparse
import sys

from tui.errors import FlowtailError
from tui.words import counted


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", help="YAML configuration file")
    parser.add_argument("file", nargs="?", metavar="FILE", help="the configuration file, as -c gives it")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print ``FILE: ok (...)`` and return 0, or print every issue on stderr, one per line, and return 2.
    Warnings (valid, but probably not what was meant) go to stderr before the ok line."""
    from tui.config import ConfigError, load_config  # only when used: keeps `flowtail --help` fast
    from tui.config.pattern_fit import field_count_warnings
    from tui.flowlog import DEFAULT_FORMAT

    if args.config and args.file and args.config != args.file:
        raise FlowtailError("check: give the configuration file once: flowtail check FILE (or -c FILE)")
    path = args.config or args.file
    if path is None:
        raise FlowtailError("check: which configuration file? flowtail check FILE (or -c FILE)")
    try:
        config = load_config(path)
    except ConfigError as error:
        for issue in error.issues:
            print(issue, file=sys.stderr)
        return 2
    from tui.account.export import export_warnings

    for warning in (*field_count_warnings(config), *export_warnings(config)):
        print(warning, file=sys.stderr)
    rules = counted(len(config.rules), "rule")
    if config.disabled_rules:
        rules += f" + {len(config.disabled_rules)} disabled"
    fmt = "default" if config.format == DEFAULT_FORMAT else f"custom, {counted(len(config.format.names), 'field')}"
    notifiers = f", notifiers: {', '.join(config.notifiers)}" if config.notifiers else ""
    print(f"{path}: ok ({rules}, {counted(len(config.sources), 'source')}, format {fmt}{notifiers})")
    return 0
