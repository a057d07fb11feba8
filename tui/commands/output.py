"""Where a command's document goes: the file of ``-o FILE``, else standard output."""

from __future__ import annotations

import sys

from tui.errors import FlowtailError


def write_document(text: str, path: str | None, command: str) -> None:
    """``text`` to ``path`` (None: stdout); a file that cannot be written is one line naming it."""
    if path is None:
        sys.stdout.write(text)
        return
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as error:
        raise FlowtailError(f"{command}: cannot write {path}: {error.strerror or error}") from None
