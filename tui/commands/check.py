"""Validate a configuration file and every pattern in it; exit 2 listing all errors."""

from __future__ import annotations

import argparse

from tui.commands._pending import not_yet


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", required=True, help="YAML configuration file")
    parser.set_defaults(run=not_yet)
