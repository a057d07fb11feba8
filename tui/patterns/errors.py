"""The one exception the pattern compiler raises."""

from __future__ import annotations


class PatternError(ValueError):
    """An invalid filter pattern: what is wrong, and where (1-based column in the original text)."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"invalid filter pattern at column {column}: {message}")
        self.message = message
        self.column = column
