"""The compiled-pattern interface every pattern kind implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from tui.patterns.fields import SIMPLE_LINE

if TYPE_CHECKING:
    from tui.patterns.plan import Binding


class Pattern(ABC):
    """A compiled CloudWatch Logs filter pattern. `matches` and `extract` never raise."""

    kind: ClassVar[str]  # "all" | "term" | "bracket" | "json"

    def __init__(self, text: str) -> None:
        self.text = text

    @abstractmethod
    def matches(self, message: str) -> bool:
        """Whether CloudWatch would match this event message."""

    def extract(self, message: str) -> dict[str, str] | None:
        """None when the message does not match; else the extracted values (`{}` except for bracket patterns)."""
        return {} if self.matches(message) else None

    def matches_fields(self, fields: list[str], line: str) -> bool:
        """`matches(line)`, given `fields == line.split()` for a line where SIMPLE_LINE(line) is true."""
        return self.matches(line)

    def matches_split(self, fields: list[str], line: str) -> bool:
        """`matches(line)`, given `fields == line.split()` for any line: the fields are used only when
        str.split() splits the line as CloudWatch does (SIMPLE_LINE: no tab, quote, bracket...)."""
        return self.matches_fields(fields, line) if SIMPLE_LINE(line) else self.matches(line)

    def bind(self, nfields: int) -> tuple[Binding, ...] | None:
        """The checks for a simple line of `nfields` fields; only bracket patterns have them."""
        raise TypeError(f"bind() applies to bracket patterns, not to a {self.kind} pattern")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"


class MatchAll(Pattern):
    """The empty pattern: every event matches."""

    kind = "all"

    def matches(self, message: str) -> bool:
        return True
