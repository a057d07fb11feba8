"""Top talkers: one table cycling through source and destination addresses, destination ports,
protocols and interfaces, by records or by bytes; addresses and ENIs followed by who they are (ENI
context, when History can tell), as far as the key column has room."""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual import events, on, work
from textual.content import Content
from textual.message import Message
from textual.worker import get_current_worker

from tui.app.about_cache import AboutCache
from tui.app.columns import ColumnSpec
from tui.app.flows import port_label, protocol_label
from tui.app.format import human_bytes, human_count
from tui.app.safe import plain_text, safe_text
from tui.app.subjects import subject_for
from tui.app.widgets.keyed_table import KeyedTable
from tui.engine.batch import MINUTE_COLUMNS, TOP_DIMENSIONS
from tui.history.model import Subject

TITLES = {
    "srcaddr": "source addresses",
    "dstaddr": "destination addresses",
    "dstport": "destination ports",
    "protocol": "protocols",
    "interface-id": "interfaces (ENIs)",
}
ABOUT_DIMENSIONS = ("srcaddr", "dstaddr", "interface-id")  # keys that ENI context can name
ABOUT_GAP = "  "
ABOUT_MIN = 6  # cells of context worth showing after a key; less is left out rather than shown as "i…"


class TopPanel(KeyedTable):
    """Rows are keyed by rank, so a tick only updates the cells whose talker or weight changed.

    With History access (``app.history``), an address or ENI key is followed by its context, asked
    in a thread worker and cached (:class:`AboutCache`); until it is known, the key alone is shown.
    The context is cut with ``…`` to the key column, never the key."""

    class AboutKnown(Message):
        """Posted (from the lookup worker) when new context is cached: re-render."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.dimension = 0  # index into TOP_DIMENSIONS
        self.by_bytes = False
        self._snapshot: Any = None
        self.about = AboutCache()
        self._asking = False  # a lookup worker is running: one at a time, EC2 is asked in turn

    COLUMNS = (
        ColumnSpec("#", "rank", 2, priority=3),
        ColumnSpec("key", "key", 13, grow=26),
        ColumnSpec("weight", "weight", 8),
        ColumnSpec("share", "share", 5, priority=2),
    )

    keys: list[str] = []  # the shown rows' keys, by rank

    def column_specs(self, width: int) -> Sequence[ColumnSpec]:
        """The key column may grow further while it carries context (a wide terminal shows more)."""
        if not self._with_about():
            return self.COLUMNS
        return [spec._replace(grow=spec.grow + 60) if spec.key == "key" else spec for spec in self.COLUMNS]

    def on_resize(self, event: events.Resize) -> None:
        """Cells are cut to the key column's width: rebuilt for the new one."""
        if self._fit(self.content_region.width) and self._snapshot is not None:
            self.show(self._snapshot)

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
        subjects = self._subjects()
        self._fit(self.content_region.width or 200)  # the key column's width, which the cells are cut to
        key_width = next((width for spec, width in self._layout if spec.key == "key"), 0)
        for rank, (key, weight) in enumerate(table.get(self.dimension_name, ()), start=1):
            rows[str(rank)] = (
                Text(str(rank), justify="right"),
                self._key_cell(key, subjects.get(key), key_width),
                Text(fmt(weight), justify="right"),
                Text(f"{100 * weight / total:.0f}%" if total else "-", justify="right"),
            )
        self.sync(rows)
        self._look_up([subject for subject in subjects.values() if subject is not None])

    @property
    def history(self) -> Any:
        """The app's tui.run.history.HistoryAccess, or None (no History in this run)."""
        return getattr(self.app, "history", None)

    def _with_about(self) -> bool:
        return self.dimension_name in ABOUT_DIMENSIONS and self.history is not None

    def _subjects(self) -> dict[str, Subject | None]:
        """key -> the subject ENI context is asked about, for the shown keys (none without History)."""
        if not self._with_about():
            return {}
        return {key: subject_for(self.dimension_name, key) for key in self.keys}

    def _key_cell(self, key: str, subject: Subject | None, width: int) -> Text:
        """The key, then what is known of it as far as the column has room (cut with ``…``)."""
        cell = plain_text(self._label(key))
        about = None if subject is None else self.about.known(subject)
        room = width - cell.cell_len - len(ABOUT_GAP)
        if about and room >= min(ABOUT_MIN, len(about)):
            context = Text(safe_text(about, 200), style="italic")
            context.truncate(room, overflow="ellipsis")
            cell.append(ABOUT_GAP)
            cell.append_text(context)
        return cell

    def _look_up(self, subjects: list[Subject]) -> None:
        """Ask about the shown keys not known yet; while a lookup runs, its end re-renders and asks."""
        if self._asking:
            return
        wanted = self.about.claim(subjects)
        if wanted:
            self._asking = True
            self._ask(wanted)

    @work(thread=True, exit_on_error=False, group="top-about")
    def _ask(self, subjects: list[Subject]) -> None:
        """Ask History who each subject is (blocks on EC2: a thread, never the UI's)."""
        worker = get_current_worker()
        history = self.history
        asked = 0
        try:
            for subject in subjects:
                if worker.is_cancelled or history is None:
                    return
                self.about.store(subject, history.about(subject))  # HistoryAccess.about never raises
                asked += 1
                self.post_message(self.AboutKnown())
        finally:
            self.about.release(subjects[asked:])  # cancelled: asked again on a later show
            self._asking = False
            self.post_message(self.AboutKnown())  # the keys shown meanwhile are asked about next

    @on(AboutKnown)
    def _about_known(self) -> None:
        self._rerender()

    def _label(self, key: str) -> str:
        name = self.dimension_name
        if name in ("dstport", "protocol") and key.isdigit():
            return port_label(int(key), None) if name == "dstport" else f"{key} {protocol_label(int(key))}"
        return key
