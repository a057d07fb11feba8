"""The one exception the pattern compiler raises."""

from __future__ import annotations


class PatternError(ValueError):
    """An invalid filter pattern: what is wrong, and where (1-based column in the original text).

    The message quotes pattern text; unprintable characters in it are escaped (`\\n`, `\\x1b`) so the
    error stays one harmless line on a terminal.
    """

    def __init__(self, message: str, column: int) -> None:
        message = "".join(char if char.isprintable() else repr(char)[1:-1] for char in message)
        super().__init__(f"invalid filter pattern at column {column}: {message}")
        self.message = message
        self.column = column
