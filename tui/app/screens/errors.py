"""Every error of this run in full: the status line cuts a long one to fit, this screen does not."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from tui.app.columns import ColumnSpec
from tui.app.errorlog import ErrorEntry
from tui.app.format import clock_time
from tui.app.safe import plain_text, safe_text
from tui.app.screens.live_modal import TableModal
from tui.app.widgets.keyed_table import KeyedTable


class ErrorsTable(KeyedTable):
    """When, whether still active, where and what: where and the error share the width and end in
    ``…`` when cut (the highlighted error is shown in full below the table)."""

    COLUMNS = (
        ColumnSpec("last seen", "time", 9),
        ColumnSpec("now", "now", 8),
        ColumnSpec("where", "where", 14, grow=30),
        ColumnSpec("error", "text", 20, grow=200),
    )


class ErrorsScreen(TableModal[None]):
    """Newest first; the highlighted error's whole text is shown, wrapped, below the table."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="close")]

    def __init__(self, entries: Sequence[ErrorEntry], utc: bool) -> None:
        super().__init__()
        self._entries = list(reversed(entries))
        self._utc = utc

    def compose_body(self) -> ComposeResult:
        with Vertical(id="errors-box", classes="modal-box"):
            title = f"Errors: {len(self._entries)} distinct, newest first"
            yield Static(Content(title), classes="modal-title", markup=False)
            yield ErrorsTable(id="errors-table")
            yield Static(id="errors-text", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(ErrorsTable)
        table.sync({
            str(index): (
                Text(clock_time(entry.last_seen, self._utc)),
                Text("✖ active" if entry.active else "cleared"),
                plain_text(entry.where, limit=60),
                plain_text(entry.text, limit=300),
            )
            for index, entry in enumerate(self._entries)
        })
        table.focus()
        self.show_row(0)

    def show_row(self, index: int) -> None:
        """The highlighted error's whole text."""
        box = self.query_one("#errors-text", Static)
        if not self._entries:
            box.update(Content.styled("No errors in this run.", "$text-muted"))
            return
        entry = self._entries[index]
        times = f"{entry.count} time{'s' if entry.count != 1 else ''}"
        seen = f"first seen {clock_time(entry.first_seen, self._utc)}, {times}"
        where = (safe_text(entry.where, 200), "bold")
        box.update(Content.assemble(where, f"  ({seen})\n", safe_text(entry.text, 2000)))
