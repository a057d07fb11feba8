"""Shared stub for sub-commands whose implementation has not landed yet."""

from __future__ import annotations

import argparse

from tui.errors import FlowtailError


def not_yet(args: argparse.Namespace) -> int:
    raise FlowtailError(f"'flowtail {args.command}' is not available in this version yet")
