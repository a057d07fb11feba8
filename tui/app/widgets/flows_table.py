"""The live flows table: newest arrival first (or latest event time first), bounded, pausable,
filterable by a CloudWatch pattern.

Drawn with Textual's line API rather than a DataTable: each row is rendered to a strip once, when it
arrives, and a refresh only draws the rows on screen. At tens of thousands of records a second every
kept row is replaced each tick, and a DataTable laying out hundreds of new rows per tick made the
keyboard wait (benchmarks/bench_tui.py).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.columns import CELL_PADDING, ColumnSpec, fit_marked
from tui.app.flows import COLUMNS, FlowBuffer, FlowRow, flow_row
from tui.app.held_text import filter_scope
from tui.app.safe import safe_text
from tui.flowlog import parse_record

PAD = " " * CELL_PADDING
COLUMN_INDEX = {spec.key: index for index, spec in enumerate(COLUMNS)}  # a shown spec's label may carry +N


class FlowsTable(ScrollView, can_focus=True):
    """Rows are numbered by arrival (:class:`FlowBuffer`). While paused the rows are left alone and
    new lines are only counted; resuming shows the newest lines (the engine keeps the last ``rows``).
    With a filter the rows come from the session's filter (``snapshot.filtered``), which saw every
    line since the filter was set, not only the engine's newest rows. The cursor stays on its record
    as rows arrive above it, and on the newest row when it was there."""

    COMPONENT_CLASSES = {"flows--header", "flows--cursor", "flows--reject"}
    DEFAULT_CSS = """
    FlowsTable > .flows--header { text-style: bold; color: $text-accent; }
    FlowsTable > .flows--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    FlowsTable:blur > .flows--cursor { background: $block-cursor-blurred-background; text-style: none; }
    FlowsTable > .flows--reject { color: $text-error; text-style: bold; }
    """
    BINDINGS = [
        Binding(
            "enter", "open_detail", "Detail", id="detail", tooltip="Every field of the selected record", show=False
        ),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "Newest", show=False),
        Binding("end", "cursor_to(-1)", "Oldest", show=False),
    ]

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
        self.cursor_row = 0
        self._rows_kept = rows
        self._fmt: Any = None
        self._unseen = 0  # lines that arrived while paused
        self._shown: list[tuple[int, str]] = []  # (arrival number, line), newest first
        self._strips: dict[int, Strip] = {}  # arrival number -> the row drawn at the current layout
        self._layout: tuple[tuple[ColumnSpec, int], ...] = ()
        self._header: Strip | None = None
        self.by_event_time = False  # False: newest arrival first; True: latest event time (start) first
        self._event_times: dict[int, int] = {}  # arrival number -> the record's start (-1 if none)
        self._scope = ""  # what the filter searched: "33 matched, last 20m held"
        self._skipped = 0  # ticks with new rows since the last redraw
        self.tick_s = 1.0  # display.refresh, for the title
        self._paging_s = 0.0  # > 0: a page every that many seconds (rows arrive faster than read)

    def on_mount(self) -> None:
        self._set_title()

    # -- feeding ---------------------------------------------------------------------------------

    def ingest(self, snapshot: Any, fmt: Any, every: int = 1) -> None:
        """Take the snapshot's recent lines (or the filter's); redraw unless paused. While each tick
        brings a screenful or more (every row on screen would be replaced), a new page is drawn
        every ``every`` ticks only: rows that fast cannot be read, and a page a tick is most of
        what a slow link would carry. The title says so."""
        if fmt is not self._fmt:
            self._fmt = fmt
            self._strips.clear()
        if self.pattern is None:
            fresh = self.buffer.update(snapshot.engine.recent, snapshot.engine.lines)
        elif snapshot.filtered is not None and snapshot.filtered.text == self.pattern_text:
            fresh = self.buffer.update(snapshot.filtered.lines, snapshot.filtered.matched)
            scope = filter_scope(snapshot.filtered)
            if scope != self._scope:
                self._scope = scope
                self._set_title()
        else:
            return  # a snapshot taken before the filter changed
        if self.paused:
            self._unseen += fresh
            self._set_title()
        elif fresh or not self._shown:
            self._skipped += 1
            paging = every > 1 and fresh >= self._body_height()
            if not paging or self._skipped >= every or not self._shown:
                self._skipped = 0
                self._paging_s = self.tick_s * every if paging else 0.0
                self.redraw()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._unseen = 0
        if not paused:
            self.redraw()
        self._set_title()

    def set_filter(self, pattern: Any, text: str) -> None:
        """Start over with the rows of ``pattern`` (None: every row); the next snapshot fills them."""
        self.pattern, self.pattern_text = pattern, text
        self._scope = ""
        self.buffer = FlowBuffer(self._rows_kept)
        self._strips.clear()
        self._unseen = 0
        self._shown = []
        self.cursor_row = 0
        self._resize_virtual()
        self._set_title()

    def set_order(self, by_event_time: bool) -> None:
        """Newest arrival first (flow logs arrive late and out of order, so times jump), or the
        latest event time first."""
        self.by_event_time = by_event_time
        self._event_times.clear()
        self.cursor_row = 0
        self.redraw()

    def _event_time(self, line: str) -> int:
        record = parse_record(self._fmt, line) if self._fmt is not None else None
        start = record.get("start") if record is not None else None
        return start if isinstance(start, int) else -1

    def set_utc(self, utc: bool) -> None:
        self.utc = utc
        self._strips.clear()
        self.refresh()

    # -- rows ------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._shown)

    def redraw(self) -> None:
        """Show the buffer's rows: new rows on top, the cursor kept on its record (or on the newest
        row when it was there)."""
        selected = self._shown[self.cursor_row][0] if self._shown and self.cursor_row else None
        self._shown = list(self.buffer.newest_first())
        kept = {seq for seq, _ in self._shown}
        self._strips = {seq: strip for seq, strip in self._strips.items() if seq in kept}
        if self.by_event_time:
            self._event_times = {seq: self._event_times.get(seq, self._event_time(line)) for seq, line in self._shown}
            # stable: records of the same second stay newest arrival first
            self._shown.sort(key=lambda row: self._event_times[row[0]], reverse=True)
        if selected is not None:
            index = next((i for i, (seq, _) in enumerate(self._shown) if seq == selected), None)
            self.cursor_row = len(self._shown) - 1 if index is None else index
        self.cursor_row = max(0, min(self.cursor_row, len(self._shown) - 1))
        self._resize_virtual()
        self._scroll_to_cursor()
        self.refresh()
        self._set_title()

    def row_cells(self, index: int) -> dict[str, str]:
        """Row ``index`` (0 = newest) as {column key: text} for every column, shown or not."""
        row = self._parse(self._shown[index][1])
        return {spec.key: cell.plain for spec, cell in zip(COLUMNS, row.cells)}

    def shown_columns(self) -> list[str]:
        return [spec.key for spec, _ in self._layout]

    def selected_line(self) -> str | None:
        return self._shown[self.cursor_row][1] if self._shown else None

    def move_cursor(self, row: int) -> None:
        if self._shown:
            self.cursor_row = row % len(self._shown) if row < 0 else min(row, len(self._shown) - 1)
            self._scroll_to_cursor()
            self.refresh()

    # -- keys ------------------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self.move_cursor(max(0, self.cursor_row + step))

    def action_page(self, direction: int) -> None:
        self.move_cursor(max(0, self.cursor_row + direction * max(1, self._body_height() - 1)))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row)

    def action_open_detail(self) -> None:
        line = self.selected_line()
        if line is not None:
            self.post_message(self.DetailRequested(line))

    # -- drawing ---------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        layout = fit_marked(COLUMNS, max(1, self.scrollable_content_region.width - 1))
        if layout != self._layout:
            self._layout = layout
            self._strips.clear()
            self._header = None
        self._resize_virtual()
        self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # the theme changed: rows carry resolved styles
        self._header = None

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._shown) + 1)

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        height = self._body_height()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            if self._header is None:
                style = self.get_component_rich_style("flows--header")
                self._header = self._strip([(spec.label, style) for spec, _ in self._layout])
            return self._header.extend_cell_length(width, self.rich_style).crop(0, width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._shown):
            return Strip.blank(width, self.rich_style)
        seq, line = self._shown[index]
        strip = self._strips.get(seq)
        if strip is None:
            strip = self._strips[seq] = self._row_strip(line)
        strip = strip.extend_cell_length(width, self.rich_style).crop(0, width)
        if index == self.cursor_row:
            strip = strip.apply_style(self.get_component_rich_style("flows--cursor"))
        return strip

    def _parse(self, line: str) -> FlowRow:
        return flow_row(self._fmt, line, self.utc)

    def _row_strip(self, line: str) -> Strip:
        row = self._parse(line)
        reject = self.get_component_rich_style("flows--reject") if row.reject else None
        cells = []
        for spec, _ in self._layout:
            cell = row.cells[COLUMN_INDEX[spec.key]]
            style = reject if spec.key == "action" and reject is not None else _style(cell.style)
            cells.append((cell.plain, style))
        return self._strip(cells)

    def _strip(self, cells: list[tuple[str, Style | None]]) -> Strip:
        segments = []
        for (text, style), (_, width) in zip(cells, self._layout):
            if cell_len(text) > width:
                text = set_cell_size(text, width - 1) + "…"
            segments.append(Segment(PAD + set_cell_size(text, width) + PAD, style))
        # the widget's colours under the cells' own; cells of one style merged: one SGR sequence a run
        # of cells rather than a cell, which is most of the bytes a page of rows sends to the terminal
        return Strip(segments).apply_style(self.rich_style).simplify()

    def _set_title(self) -> None:
        order = "latest event time first" if self.by_event_time else "newest arrival first"
        parts: list[Any] = [f"Flows · {order} · {self.row_count} shown"]  # one span: never "Flowsnewest"
        if self.pattern_text:
            if self._scope:  # before the filter's text, which a narrow title cuts
                parts.append(f" · {self._scope}")
            parts += [" · filter ", (safe_text(self.pattern_text, 60), "bold")]
        if self._paging_s and not self.paused:
            parts.append(f" · a new page every {self._paging_s:g}s")
        if self.paused:
            parts.append((f" · ⏸ PAUSED, {self._unseen:,} new", "bold $warning"))
        self.border_title = Content.assemble(*parts)


def _style(style: Any) -> Style | None:
    if isinstance(style, Style):
        return style
    return Style.parse(style) if style else None
