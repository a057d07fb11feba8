"""The dashboard needs a terminal: without one on stdout it would write escape codes into a file or
pipe and never end, so the commands refuse in one line and point at ``--headless``."""

from __future__ import annotations

import sys

from tui.errors import FlowtailError


def require_terminal(command: str) -> None:
    """FlowtailError (exit 2) when standard output is not a terminal."""
    if not sys.stdout.isatty():
        raise FlowtailError(
            f"{command}: standard output is not a terminal, so the dashboard cannot be drawn: "
            f"add --headless for JSON lines (flowtail {command} --headless ...)"
        )
