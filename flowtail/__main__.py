"""``flowtail`` and ``python -m flowtail``: check that ``tui`` is flowtail's, then run its CLI.

Ctrl-C must never print a traceback, not even in the first milliseconds: until the command line is
read, SIGINT keeps its default action (the process ends quietly, status 130); from then on it raises
KeyboardInterrupt, which every command turns into an orderly stop (and is recorded: see
``tui/interrupts.py`` for why); once the command has returned,
the default action is back for the interpreter's shutdown.
"""

# The C module: `signal` itself imports enum, which takes milliseconds the Ctrl-C could land in.
import _signal  # type: ignore[import-not-found]  # the C module has no stub; see the comment above

_signal.signal(_signal.SIGINT, _signal.SIG_DFL)

import signal  # noqa: E402 - after the disposition, on purpose
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402

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
    from tui.interrupts import on_sigint

    signal.signal(signal.SIGINT, on_sigint)
    try:
        return cli_main(argv)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL)


if __name__ == "__main__":
    sys.exit(main())
