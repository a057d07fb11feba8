"""Every running mute (rule, group, until, time left), and the key that lifts one: the alert
history's ``s`` mutes a pair, this view lists them all and undoes any of them."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from tui.app.alertbook import PairKey
from tui.app.columns import ColumnSpec
from tui.app.format import clock_time, duration
from tui.app.safe import plain_text
from tui.app.screens.live_modal import LiveModal
from tui.app.widgets.keyed_table import KeyedTable


class MutesTable(KeyedTable):
    """Until and time left are never cut; rule and group share the rest and end in ``…`` when cut."""

    COLUMNS = (
        ColumnSpec("rule", "rule", 10, grow=28),
        ColumnSpec("group", "group", 16, grow=60),
        ColumnSpec("until", "until", 19),
        ColumnSpec("left", "left", 6),
    )


class MutesScreen(LiveModal[None]):
    """The mutes the app holds (this run's and the journal's), the soonest to end first; ``u`` or
    ``enter`` lifts the highlighted one on screen and in the notifiers (journaled)."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("u", "unmute", "Unmute", id="unmute",
                tooltip="Lift the selected mute: shown and sent again (the journal forgets it)"),
    ]

    def __init__(self, utc: bool) -> None:
        super().__init__()
        self._utc = utc
        self._pairs: list[PairKey] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="mutes-box", classes="modal-box"):
            yield Static(id="mutes-title", classes="modal-title", markup=False)
            yield MutesTable(id="mutes-table")
            yield Static(id="mutes-hint", markup=False)

    def on_mount(self) -> None:
        self._sync()
        self.query_one(MutesTable).focus()
        if self.app.live:  # the time left counts down; a mute that ends leaves the list
            self.set_interval(self.app.display_config.refresh_s, self._sync, name="mutes")

    def _sync(self) -> None:
        now = self.app.now()
        muted = self.app.alerts.muted
        self._pairs = [pair for pair, _ in muted]
        rows = {
            repr((rule, group)): (
                plain_text(rule, limit=60),
                plain_text(group, limit=120),
                Text(clock_time(until, self._utc, with_date=True)),
                Text(duration(until - now), justify="right"),
            )
            for (rule, group), until in muted
        }
        self.query_one(MutesTable).sync(rows)  # rows only leave (lifted or ended): the order holds
        count = len(muted)
        self.query_one("#mutes-title", Static).update(
            Content(f"Mutes: {count} running, the soonest to end first")
        )
        hint = (
            "u or enter lifts the selected mute (screen and notifiers); s in the alert history (h) mutes."
            if muted else "No mutes running. s on a transition in the alert history (h) mutes its rule and group."
        )
        self.query_one("#mutes-hint", Static).update(Content.styled(hint, "$text-muted"))

    @property
    def selected(self) -> PairKey | None:
        table = self.query_one(MutesTable)
        return self._pairs[table.cursor_row] if self._pairs else None

    @on(DataTable.RowSelected, "#mutes-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_unmute()

    def action_unmute(self) -> None:
        pair = self.selected
        if pair is None:
            return
        row = self.query_one(MutesTable).cursor_row
        self.app.mute(pair, None)
        self._sync()
        if self._pairs:
            self.query_one(MutesTable).move_cursor(row=min(row, len(self._pairs) - 1))
