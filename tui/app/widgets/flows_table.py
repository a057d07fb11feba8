"""The live flows table: newest first, bounded, pausable, filterable by a CloudWatch pattern."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.message import Message

from tui.app.flows import COLUMNS, FlowBuffer, FlowRow, flow_row
from tui.app.safe import safe_text
from tui.app.widgets.keyed_table import KeyedTable
from tui.app.widgets.theme import theme_style


class SeqText(Text):
    """The first cell of a row, carrying the row's arrival number so the table can sort newest first
    (``DataTable.sort`` hands its key function cell values, not row keys)."""

    def __init__(self, text: str, seq: int) -> None:
        super().__init__(text, no_wrap=True)
        self.seq = seq


class FlowsTable(KeyedTable):
    """Rows are keyed by arrival number. While paused the table is left alone and new lines are only
    counted; resuming syncs it with the newest lines (the engine keeps the last ``rows`` of them)."""

    BINDINGS = [Binding("enter", "open_detail", "Detail", id="detail", tooltip="Every field of the selected record", show=False)]

    class DetailRequested(Message):
        """The user asked for the detail view of one raw line."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(self, rows: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer = FlowBuffer(rows)
        self.paused = False
        self.pattern: Any = None  # a compiled tui.patterns pattern, or None
        self.pattern_text = ""
        self.utc = True
        self._fmt: Any = None
        self._unseen = 0  # lines that arrived while paused
        self._cache: dict[int, FlowRow] = {}  # arrival number -> parsed row (and filter verdict below)
        self._matches: dict[int, bool] = {}

    COLUMNS = COLUMNS

    def on_mount(self) -> None:
        self._set_title()

    # -- feeding ---------------------------------------------------------------------------------

    def ingest(self, snapshot: Any, fmt: Any) -> None:
        """Take the snapshot's recent lines; redraw unless paused."""
        if fmt is not self._fmt:
            self._fmt = fmt
            self._cache.clear()
        fresh = self.buffer.update(snapshot.engine.recent, snapshot.engine.lines)
        if self.paused:
            self._unseen += fresh
            self._set_title()
        elif fresh or not self.row_count:
            self.redraw()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._unseen = 0
        if not paused:
            self.redraw()
        self._set_title()

    def set_filter(self, pattern: Any, text: str) -> None:
        self.pattern, self.pattern_text = pattern, text
        self._matches.clear()
        self.reset()
        self.redraw()

    def set_utc(self, utc: bool) -> None:
        self.utc = utc
        self._cache.clear()
        self.reset()
        self.redraw()

    # -- drawing ---------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Sync the table with the buffer: new rows on top, the cursor kept on its row (or on the
        newest row when it was there)."""
        if self._fmt is None:
            return
        kept = {seq for seq, _ in self.buffer.rows}
        self._cache = {seq: row for seq, row in self._cache.items() if seq in kept}
        self._matches = {seq: hit for seq, hit in self._matches.items() if seq in kept}
        rows = {str(seq): self._row(seq, line).cells for seq, line in self.buffer.newest_first() if self._shown(seq, line)}
        following = self.cursor_row == 0
        selected = self.selected_key()
        before = self.row_count
        added = self.sync(rows)
        if added and len(added) < self.row_count:
            self.sort("time", key=lambda cell: -cell.seq)
            if not following and selected in rows:
                self.move_cursor(row=self.get_row_index(selected), scroll=False)
            elif following:
                self.move_cursor(row=0)
        elif added and before and following:
            self.move_cursor(row=0)
        self._set_title()

    def _row(self, seq: int, line: str) -> FlowRow:
        row = self._cache.get(seq)
        if row is None:
            row = flow_row(self._fmt, line, self.utc, theme_style(self, "error", bold=True))
            row = FlowRow((SeqText(row.cells[0].plain, seq), *row.cells[1:]), row.reject)
            self._cache[seq] = row
        return row

    def _shown(self, seq: int, line: str) -> bool:
        if self.pattern is None:
            return True
        hit = self._matches.get(seq)
        if hit is None:
            hit = self._matches[seq] = bool(self.pattern.matches(line))
        return hit

    def _set_title(self) -> None:
        parts: list[Any] = [("Flows", "bold"), f" newest first · {self.row_count} shown"]
        if self.pattern_text:
            parts += [" · filter ", (safe_text(self.pattern_text, 60), "bold")]
        if self.paused:
            parts.append((f" · ⏸ PAUSED, {self._unseen:,} new", "bold $warning"))
        self.border_title = Content.assemble(*parts)

    # -- detail ----------------------------------------------------------------------------------

    def selected_line(self) -> str | None:
        key = self.selected_key()
        if key is None:
            return None
        return dict(self.buffer.rows).get(int(key))

    def action_open_detail(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.post_message(self.DetailRequested(line))
