"""The `flowtail` console script and `python -m tui`.

Ctrl-C must never print a traceback, not even in the first milliseconds: until the command line is
read, SIGINT keeps its default action (the process ends quietly, status 130); from then on it raises
KeyboardInterrupt, which every command turns into an orderly stop; once the command has returned,
the default action is back for the interpreter's shutdown.
"""

# The C module: `signal` itself imports enum, which takes milliseconds the Ctrl-C could land in.
import _signal  # type: ignore[import-not-found]  # the C module has no stub; see the comment above

_signal.signal(_signal.SIGINT, _signal.SIG_DFL)

import signal  # noqa: E402 - after the disposition, on purpose
import sys  # noqa: E402


def main() -> int:
    from tui.cli import main as run

    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL)


if __name__ == "__main__":
    sys.exit(main())
