"""The flows table's filter, applied where lines arrive rather than to what the table already holds.

The engine keeps only its newest rows for the table, so filtering those would show a rare match only
while it is among the last few hundred lines. A :class:`FlowFilter` sees every line the session
ingests while it is set and keeps the newest matches, bounded like the table.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Sequence


@dataclass(frozen=True)
class FilteredLines:
    """What a snapshot carries of the filter: its text, the newest matches (newest last) and how many
    lines have matched since it was set."""

    text: str
    lines: tuple[str, ...]
    matched: int


class FlowFilter:
    """A compiled CloudWatch pattern and the newest ``rows`` lines that matched it."""

    def __init__(self, pattern: Any, text: str, rows: int, recent: Iterable[str] = ()) -> None:
        self.pattern = pattern
        self.text = text
        self.rows = max(1, rows)
        self.lines: deque[str] = deque(maxlen=self.rows)
        self.matched = 0
        self.feed(list(recent))

    def feed(self, lines: Sequence[str]) -> None:
        matches = self.pattern.matches
        hits = [line for line in lines if line.strip() and matches(line)]
        self.matched += len(hits)
        self.lines.extend(hits[-self.rows:])

    def view(self) -> FilteredLines:
        return FilteredLines(self.text, tuple(self.lines), self.matched)
