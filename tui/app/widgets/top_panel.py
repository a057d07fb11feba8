"""Top talkers: one table cycling through source and destination addresses, destination ports,
protocols and interfaces, by records or by bytes."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content

from tui.app.columns import ColumnSpec
from tui.app.flows import port_label, protocol_label
from tui.app.format import human_bytes, human_count
from tui.app.safe import plain_text
from tui.app.widgets.keyed_table import KeyedTable
from tui.engine.batch import MINUTE_COLUMNS, TOP_DIMENSIONS

TITLES = {
    "srcaddr": "source addresses",
    "dstaddr": "destination addresses",
    "dstport": "destination ports",
    "protocol": "protocols",
    "interface-id": "interfaces (ENIs)",
}


class TopPanel(KeyedTable):
    """Rows are keyed by rank, so a tick only updates the cells whose talker or weight changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.dimension = 0  # index into TOP_DIMENSIONS
        self.by_bytes = False
        self._snapshot: Any = None

    COLUMNS = (
        ColumnSpec("#", "rank", 2, priority=3),
        ColumnSpec("key", "key", 13, grow=26),
        ColumnSpec("weight", "weight", 8),
        ColumnSpec("share", "share", 5, priority=2),
    )

    keys: list[str] = []  # the shown rows' keys, by rank

    def selected_key(self) -> str | None:
        return self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None

    def on_mount(self) -> None:
        self._set_title()

    @property
    def dimension_name(self) -> str:
        return TOP_DIMENSIONS[self.dimension]

    def cycle(self, step: int = 1) -> None:
        self.dimension = (self.dimension + step) % len(TOP_DIMENSIONS)
        self._rerender()

    def toggle_bytes(self) -> None:
        self.by_bytes = not self.by_bytes
        self._rerender()

    def _rerender(self) -> None:
        self._set_title()
        if self._snapshot is not None:
            self.show(self._snapshot)

    def _set_title(self) -> None:
        self.border_title = Content(f"Top {TITLES[self.dimension_name]} by {'bytes' if self.by_bytes else 'records'}")
        app: Any = self.app  # a FlowtailApp: its keys after the config's keymap
        keys = f"{app.key_label('top_next')} next · {app.key_label('top_bytes')} bytes/records · "
        self.border_subtitle = Content(f"{keys}{self.dimension + 1}/{len(TOP_DIMENSIONS)}")

    def remember(self, snapshot: Any) -> None:
        """Keep ``snapshot`` for the next re-render (a key), without rendering it now."""
        self._snapshot = snapshot

    def show(self, snapshot: Any) -> None:
        self._snapshot = snapshot
        stats = snapshot.engine.stats
        table = stats.top_bytes if self.by_bytes else stats.top_records
        column = MINUTE_COLUMNS.index("bytes" if self.by_bytes else "records")
        total = stats.totals[column] if stats.totals else 0
        fmt = human_bytes if self.by_bytes else human_count
        rows = {}
        self.keys = [key for key, _ in table.get(self.dimension_name, ())]
        for rank, (key, weight) in enumerate(table.get(self.dimension_name, ()), start=1):
            rows[str(rank)] = (
                Text(str(rank), justify="right"),
                plain_text(self._label(key)),
                Text(fmt(weight), justify="right"),
                Text(f"{100 * weight / total:.0f}%" if total else "-", justify="right"),
            )
        self.sync(rows)

    def _label(self, key: str) -> str:
        name = self.dimension_name
        if name in ("dstport", "protocol") and key.isdigit():
            return port_label(int(key), None) if name == "dstport" else f"{key} {protocol_label(int(key))}"
        return key
