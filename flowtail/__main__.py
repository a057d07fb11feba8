"""``flowtail`` and ``python -m flowtail``: check that ``tui`` is flowtail's, then run its CLI."""

from __future__ import annotations

import sys
from collections.abc import Sequence

# tui/__init__.py sets this; another distribution's ``tui`` does not.
MARKER = "__flowtail__"


def foreign_tui() -> str | None:
    """None when the importable ``tui`` is flowtail's; otherwise a one-line description of the clash."""
    try:
        import tui
    except ImportError as error:
        return f"flowtail's 'tui' package is not importable ({error}): reinstall flowtail"
    if getattr(tui, MARKER, False):
        return None
    where = getattr(tui, "__file__", None) or ", ".join(getattr(tui, "__path__", [])) or "?"
    return (
        f"the 'tui' package imported from {where} belongs to another distribution, not flowtail: "
        "install flowtail in its own environment (pipx install flowtail) or remove the other package"
    )


def main(argv: Sequence[str] | None = None) -> int:
    problem = foreign_tui()
    if problem is not None:
        print(f"flowtail: error: {problem}", file=sys.stderr)
        return 2
    from tui.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
