"""Where flowtail keeps its files (XDG Base Directory specification)."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """``$XDG_STATE_HOME/flowtail``, or ``~/.local/state/flowtail``.

    The specification says a relative ``XDG_STATE_HOME`` is invalid and must be ignored, so it is.
    The directory is not created here: whoever writes into it creates it with the right mode.
    """
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "flowtail"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/flowtail``, or ``~/.cache/flowtail`` (a relative ``XDG_CACHE_HOME`` is ignored, as
    the specification says). Not created here."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "flowtail"
