"""``python -m tui``: the same as the ``flowtail`` command (flowtail/__main__.py has the why)."""

import _signal  # type: ignore[import-not-found]  # the C module: see flowtail/__main__.py

_signal.signal(_signal.SIGINT, _signal.SIG_DFL)

import sys  # noqa: E402

from flowtail.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
