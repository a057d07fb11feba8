"""Ctrl-C that a run must not lose.

Python turns SIGINT into KeyboardInterrupt wherever the main thread is, and library code can drop it:
raised inside the import of a C extension (``xml.etree``'s accelerator, imported by botocore while
``watch`` starts), it comes out as the ImportError that ``try: import ... except ImportError`` passes
over, and ``watch`` then followed for good after the user's Ctrl-C. So the handler records the
request as well, and the loops that run until stopped look at the record before they start and
between their waits.
"""

from __future__ import annotations

import threading
from types import FrameType

_requested = threading.Event()


def on_sigint(signum: int, frame: FrameType | None) -> None:
    """The SIGINT handler while a command runs: record the request, then raise KeyboardInterrupt."""
    _requested.set()
    raise KeyboardInterrupt


def requested() -> bool:
    """Whether Ctrl-C was pressed during this run (even if its KeyboardInterrupt was lost)."""
    return _requested.is_set()


def forget() -> None:
    """Clear the record (a test that sends one, or an in-process caller that goes on after one)."""
    _requested.clear()
