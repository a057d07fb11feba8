"""A fixed list of raw flow records, decoded into the flows table's columns (evidence, History)."""

from __future__ import annotations

from typing import Any, Sequence

from tui.app.flows import COLUMNS, flow_row
from tui.app.widgets.keyed_table import KeyedTable
from tui.app.widgets.theme import theme_style


class RecordsTable(KeyedTable):
    """Rows in the order given; :meth:`selected` is the (line, layout) under the cursor, for the
    detail view."""

    COLUMNS = COLUMNS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.records: tuple[tuple[str, Any], ...] = ()

    def show_records(self, records: Sequence[tuple[str, Any]], utc: bool) -> None:
        """``records``: (raw line, its FlowFormat)."""
        self.records = tuple(records)
        reject = theme_style(self, "error", bold=True)
        self.sync({
            str(index): flow_row(fmt, line, utc, reject).cells for index, (line, fmt) in enumerate(self.records)
        })

    def selected(self) -> tuple[str, Any] | None:
        return self.records[self.cursor_row] if 0 <= self.cursor_row < len(self.records) else None
