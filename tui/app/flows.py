"""The live flows model: which of the engine's recent lines are new, and how a line becomes a row.

The engine keeps the newest raw lines (``EngineSnapshot.recent``, newest last, bounded). Lines have no
identity of their own, so :class:`FlowBuffer` numbers them: each tick it aligns the new tuple with the
previous one (the previous tail must be the new head) and numbers only the lines after the overlap.
Those numbers are the flows table's row keys.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Iterator, NamedTuple, Sequence

from rich.style import StyleType
from rich.text import Text

from tui.app.columns import ColumnSpec
from tui.app.format import clock_time, human_bytes, human_count
from tui.app.safe import plain_text
from tui.flowlog import parse_record
from tui.flowlog.summary import port_label, protocol_label

REJECT_MARK = "✖ REJECT"
ACCEPT_MARK = "  ACCEPT"
MALFORMED_MARK = "? BAD"


# At 80 columns: time, action, addresses, port and bytes; wider terminals add the rest.
COLUMNS = (
    ColumnSpec("time", "time", 8),
    ColumnSpec("action", "action", 8),
    ColumnSpec("source", "source", 15, grow=24),
    ColumnSpec("destination", "destination", 15, grow=24),
    ColumnSpec("dst port", "dport", 10, priority=2, grow=4),
    ColumnSpec("proto", "proto", 5, priority=4),
    ColumnSpec("bytes", "bytes", 8, priority=3),
    ColumnSpec("pkts", "packets", 6, priority=5),
    ColumnSpec("src port", "sport", 8, priority=6),
    ColumnSpec("interface", "eni", 21, priority=7),
)


class FlowBuffer:
    """The recent lines with a sequence number each, newest last."""

    def __init__(self, maxlen: int) -> None:
        self.rows: deque[tuple[int, str]] = deque(maxlen=maxlen)
        self._next = 0
        self._lines_seen = 0

    def update(self, recent: Sequence[str], lines_total: int) -> int:
        """Align with the engine's ``recent`` tuple; return how many lines are new, counting those
        that arrived and left the engine's window between two updates (never seen, never kept)."""
        hint = lines_total - self._lines_seen
        self._lines_seen = lines_total
        fresh = _new_count(tuple(line for _, line in self.rows), tuple(recent), hint)
        for line in recent[len(recent) - fresh:]:
            self.rows.append((self._next, line))
            self._next += 1
        return max(fresh, hint) if fresh == len(recent) else fresh

    def newest_first(self) -> Iterator[tuple[int, str]]:
        return reversed(self.rows)


def _new_count(old: tuple[str, ...], new: tuple[str, ...], hint: int) -> int:
    """How many lines at the end of ``new`` follow ``old``: the overlap is ``old``'s tail equal to
    ``new``'s head. Tries the engine's line count first (exact unless blank lines were skipped), then
    fewer, then more; with no overlap at all, every line is new."""
    size = len(new)
    hint = max(0, min(hint, size))
    for fresh in (*range(hint, -1, -1), *range(hint + 1, size + 1)):
        kept = size - fresh
        if kept <= len(old) and new[:kept] == old[len(old) - kept:]:
            return fresh
    return size


class FlowRow(NamedTuple):
    """One table row: its cells, and whether it is a REJECT (for the row marker and style)."""

    cells: tuple[Text, ...]
    reject: bool


def flow_row(fmt: Any, line: str, utc: bool, reject_style: StyleType = "bold") -> FlowRow:
    """The cells of one raw line; ``reject_style`` is a Rich style resolved from the theme by the
    widget (Rich cells cannot refer to Textual theme variables)."""
    record = parse_record(fmt, line)
    if record is None:
        return _malformed_row(line)
    action = record.get("action")
    reject = action == "REJECT"
    style: StyleType
    if action is None:
        mark, style = str(record.get("log-status") or "-"), "dim"
    else:
        mark, style = (REJECT_MARK, reject_style) if reject else (ACCEPT_MARK, "")
    values = {
        "time": clock_time(record.event_time, utc),
        "source": record.get("srcaddr"),
        "destination": record.get("dstaddr"),
        "dport": port_label(record.get("dstport"), record.get("protocol")),
        "proto": protocol_label(record.get("protocol")),
        "bytes": human_bytes(_count(record.get("bytes"))),
        "packets": human_count(_count(record.get("packets"))),
        "sport": record.get("srcport"),
        "eni": record.get("interface-id"),
    }
    cells = tuple(
        Text(mark, style=style, no_wrap=True) if column.key == "action"
        else plain_text(values[column.key], limit=column.width + column.grow + 1)
        for column in COLUMNS
    )
    return FlowRow(cells, reject)


def _malformed_row(line: str) -> FlowRow:
    cells = [plain_text("")] * len(COLUMNS)
    cells[1] = Text(MALFORMED_MARK, no_wrap=True)
    cells[2] = plain_text(line, limit=200)  # spills over the narrow columns' worth of text: cut by width
    return FlowRow(tuple(cells), False)


def _count(value: object) -> int | None:
    """A numeric field's value (the catalogue types ``bytes`` and ``packets`` as int, absent as None)."""
    return value if isinstance(value, int) else None


def record_matches(rules: Sequence[Any], line: str) -> list[tuple[str, bool]]:
    """(rule name, matched) for every rule, in configuration order."""
    return [(rule.name, bool(rule.pattern.matches(line))) for rule in rules]
