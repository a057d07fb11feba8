"""The flows table's filter, applied where lines arrive rather than to what the table already holds.

The engine keeps only its newest rows for the table, so filtering those would show a rare match only
while it is among the last few hundred lines. A :class:`FlowFilter` sees every line the session
ingests while it is set and keeps the newest matches, bounded like the table; the records the session
held when it was set are searched once, off the lock, and :meth:`FlowFilter.seed` puts their matches
before the ones seen since.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from tui.engine.held import HeldStatus


@dataclass(frozen=True)
class FilteredLines:
    """What a snapshot carries of the filter: its text, the newest matches (newest last) and how many
    lines have matched since it was set (with the held records' matches once searched). ``held`` is
    what the held records covered once they were searched; ``searching`` says they are being searched."""

    text: str
    lines: tuple[str, ...]
    matched: int
    held: HeldStatus | None = None
    searching: bool = False


class FlowFilter:
    """A compiled CloudWatch pattern and the newest ``rows`` lines that matched it."""

    def __init__(self, pattern: Any, text: str, rows: int, recent: Iterable[str] = (), searching: bool = False) -> None:
        self.pattern = pattern
        self.text = text
        self.rows = max(1, rows)
        self.lines: deque[str] = deque(maxlen=self.rows)
        self.matched = 0
        self.held: HeldStatus | None = None
        self.searching = searching
        self.feed(list(recent))

    def feed(self, lines: Sequence[str]) -> None:
        matches = self.pattern.matches
        hits = [line for line in lines if line.strip() and matches(line)]
        self.matched += len(hits)
        self.lines.extend(hits[-self.rows:])

    def seed(self, older: Sequence[str], total: int, held: HeldStatus) -> None:
        """The matches among what was held when the filter was set (``older``: the newest of them,
        newest first; ``total``: how many in all), placed before the lines matched since."""
        since = list(self.lines)
        room = self.rows - len(since)
        self.lines.clear()
        self.lines.extend(reversed(older[:room]) if room > 0 else ())
        self.lines.extend(since)
        self.matched += total
        self.held = held
        self.searching = False

    def view(self) -> FilteredLines:
        return FilteredLines(self.text, tuple(self.lines), self.matched, self.held, self.searching)
