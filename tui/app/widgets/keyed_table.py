"""A DataTable updated by row key, whose columns fit the width it is given."""

from __future__ import annotations

from typing import Mapping, Sequence

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from tui.app.columns import CELL_PADDING, ColumnSpec, fit_marked


class KeyedTable(DataTable):
    """A read-only table refreshed with :meth:`sync` every tick, without rebuilding it.

    ``update_cell`` is O(1) and ``remove_row`` O(rows), so a tick costs the changes, not the table;
    when most rows are stale a ``clear()`` and re-add is cheaper than removing them one by one. Rows
    carry a cell for every spec in ``COLUMNS``; only the columns that fit the width are shown (the
    header then ends with ``+N``), and a resize that changes them rebuilds the table from the last rows.
    """

    COLUMNS: Sequence[ColumnSpec] = ()
    # one cell of scrollbar, which the column widths leave free; no horizontal one: the columns fit
    DEFAULT_CSS = """
    KeyedTable { scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False, cell_padding=CELL_PADDING)
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._rows: Mapping[str, Sequence[Text]] = {}
        self._layout: tuple[tuple[ColumnSpec, int], ...] = ()
        self._shown_columns: tuple[int, ...] = ()  # indexes into COLUMNS of the shown columns

    def on_resize(self, event: events.Resize) -> None:
        if self._fit(self.content_region.width):
            self.sync(self._rows)

    def column_specs(self, width: int) -> Sequence[ColumnSpec]:
        """The specs to lay out at ``width``: ``COLUMNS``; a table whose widths follow its rows
        (``self._rows``) overrides this. Every spec's key is one of ``COLUMNS``."""
        return self.COLUMNS

    def specs_fitted_to_rows(self, exact: Sequence[str] = ()) -> list[ColumnSpec]:
        """``COLUMNS`` sized by the rows: the ``exact`` keys as wide as their widest cell (a number
        or an id is never cut), growable columns growing only as far as their longest cell needs,
        so the spare width goes where text would be cut."""
        rows = list(self._rows.values())
        specs = []
        for index, spec in enumerate(self.COLUMNS):
            widest = max([len(spec.label), *(row[index].cell_len for row in rows)])
            if spec.key in exact:
                spec = spec._replace(width=widest)
            elif spec.grow:
                spec = spec._replace(grow=max(0, widest - spec.width))
            specs.append(spec)
        return specs

    def _fit(self, width: int) -> bool:
        """Lay the columns out for ``width`` (less the scrollbar's); True if they changed."""
        width = max(1, width - self.styles.scrollbar_size_vertical)
        layout = fit_marked(self.column_specs(width), width)
        if layout == self._layout:
            return False
        self._layout = layout
        self.clear(columns=True)
        self._cells.clear()
        for spec, width in layout:
            self.add_column(spec.label, width=width, key=spec.key)
        keys = [spec.key for spec in self.COLUMNS]
        self._shown_columns = tuple(keys.index(spec.key) for spec, _ in layout)
        return True

    def sync(self, rows: Mapping[str, Sequence[Text]]) -> list[str]:
        """Show ``rows`` (key -> one cell per spec of ``COLUMNS``); keys new to the table are
        appended in ``rows`` order. Returns the keys that were added."""
        self._rows = rows
        self._fit(self.content_region.width or 200)  # a no-op unless the widths changed
        stale = [key for key in self._cells if key not in rows]
        if stale and len(stale) * 2 > len(self._cells):
            self.clear()
            self._cells.clear()
        else:
            for key in stale:
                self.remove_row(key)
                del self._cells[key]
        columns = list(self.columns)
        added: list[str] = []
        for key, all_cells in rows.items():
            cells = tuple(all_cells[index] for index in self._shown_columns)
            old = self._cells.get(key)
            if old is None:
                self.add_row(*cells, key=key)
                added.append(key)
            else:
                for column, before, after in zip(columns, old, cells):
                    if before != after:
                        self.update_cell(key, column, after)
            self._cells[key] = cells
        return added
