"""Every alert transition of this run (the engine keeps the last 1000), with samples; ack or mute
the selected (rule, group) from here."""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from tui.app.alertbook import pair_key
from tui.app.columns import ColumnSpec
from tui.app.format import clock_time, duration, human_count, severity
from tui.app.safe import plain_text
from tui.app.screens.live_modal import TableModal
from tui.app.subjects import subject_of_group
from tui.app.widgets.keyed_table import KeyedTable
from tui.app.widgets.samples_pane import SamplesPane
from tui.rules.alerts import Alert

ARRIVAL, EVENT_TIME = "arrival", "event time"


class HistoryTable(KeyedTable):
    """The transitions, in columns that fit: the time, state (with the severity glyph), value and
    window are never cut; the severity word and the status go first when the width is short; rule
    and group share the rest and end in ``…`` when cut."""

    COLUMNS = (
        ColumnSpec("time", "time", 8),
        ColumnSpec("state", "state", 7),
        ColumnSpec("value", "value", 5),
        ColumnSpec("window", "window", 6),
        ColumnSpec("rule", "rule", 10, grow=28),
        ColumnSpec("group", "group", 16, grow=40),
        ColumnSpec("severity", "severity", 10, priority=3),
        ColumnSpec("", "status", 7, priority=2),
    )

    def column_specs(self, width: int) -> Sequence[ColumnSpec]:
        """The status column only while a transition is acked or muted (its width goes to the group)."""
        specs = self.specs_fitted_to_rows(exact=("value", "window", "status"))
        return [spec for spec in specs if spec.key != "status" or spec.width]


class HistoryScreen(TableModal[None]):
    """Newest first, by arrival (the order the transitions were found in) or by event time (``o``);
    the samples of the highlighted one are shown below the table."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("a", "ack_selected", "Ack", id="ack_selected", tooltip="Acknowledge the selected rule and group"),
        Binding(
            "s", "snooze_selected", "Mute", id="snooze",
            tooltip="Mute the selected rule and group for a time you pick (screen and notifiers), or unmute it",
        ),
        Binding("o", "order", "Order", id="order", tooltip="Newest arrival first, or latest event time first"),
        Binding("i", "investigate", "Investigate", id="investigate", tooltip="History of the selected group"),
    ]

    def __init__(self, alerts: Sequence[Alert], utc: bool, fmt: object = None) -> None:
        super().__init__()
        self._arrival = list(reversed(alerts))  # newest found first
        self._alerts = self._arrival
        self._order = ARRIVAL
        self._utc = utc
        self._fmt = fmt

    def compose_body(self) -> ComposeResult:
        with Vertical(id="history-box", classes="modal-box"):
            yield Static(self._title(), id="history-title", classes="modal-title", markup=False)
            yield HistoryTable(id="history-table")
            yield SamplesPane("history-samples", id="history-samples-pane")

    def _title(self) -> Content:
        count = len(self._alerts)
        noun = "transition" if count == 1 else "transitions"
        return Content(f"Alert history: {count} {noun} · newest {self._order} first")

    def on_mount(self) -> None:
        table = self.query_one(HistoryTable)
        self._sync()
        table.focus()
        self.show_row(0)

    def _sync(self) -> None:
        table = self.query_one(HistoryTable)
        table.sync({str(index): self._cells(alert) for index, alert in enumerate(self._alerts)})

    def _cells(self, alert: Alert) -> tuple[Text, ...]:
        glyph, label, _ = severity(alert.severity)
        alarm = alert.state == "ALARM"
        return (
            Text(clock_time(alert.time_ms / 1000, self._utc)),
            Text(f"{glyph} ALARM" if alarm else "✔ OK", style="bold" if alarm else ""),
            Text(f"{human_count(alert.value)}/{human_count(alert.threshold)}", justify="right"),
            Text(duration(alert.window_s)),
            plain_text(alert.rule, limit=60),
            plain_text(alert.group_label, limit=120),
            Text(f"{glyph} {label}", no_wrap=True, overflow="ellipsis"),
            Text(self.app.alerts.status(alert)),
        )

    @property
    def selected(self) -> Alert | None:
        table = self.query_one(HistoryTable)
        return self._alerts[table.cursor_row] if self._alerts else None

    def show_row(self, index: int) -> None:
        """The description and samples of the highlighted transition."""
        pane = self.query_one(SamplesPane)
        if not self._alerts:
            pane.show_message(Content.styled("No alert transitions yet.", "$text-muted"))
            return
        alert = self._alerts[index]
        pane.show_alert(alert, self._fmt, self._utc, alert.rule, alert.group_label)

    @on(DataTable.RowSelected, "#history-table")
    def _evidence(self, event: DataTable.RowSelected) -> None:
        """enter on a transition: every held record that made it."""
        event.stop()
        if self._alerts:
            self.app.open_alert_evidence(self._alerts[event.cursor_row])

    def action_investigate(self) -> None:
        alert = self.selected
        self.app.open_investigation(None if alert is None else subject_of_group(alert.group))

    def _refresh_status(self) -> None:
        self._sync()

    def action_order(self) -> None:
        """Newest arrival first (late records make the times jump) or latest event time first; the
        cursor stays on its transition."""
        chosen = self.selected
        self._order = EVENT_TIME if self._order == ARRIVAL else ARRIVAL
        if self._order == EVENT_TIME:  # stable: transitions of the same instant stay newest found first
            self._alerts = sorted(self._arrival, key=lambda alert: alert.time_ms, reverse=True)
        else:
            self._alerts = self._arrival
        table = self.query_one(HistoryTable)
        self._sync()
        self.query_one("#history-title", Static).update(self._title())
        if chosen is not None:
            row = next(i for i, alert in enumerate(self._alerts) if alert is chosen)
            table.move_cursor(row=row)
            self.show_row(row)

    def action_ack_selected(self) -> None:
        alert = self.selected
        if alert is None:
            return
        active = [a for a in self.app.alerts.active if pair_key(a) == pair_key(alert)]
        if not active:
            self.notify("That rule and group is not alarming now", markup=False)
            return
        self.app.acknowledge(active)
        self._refresh_status()

    def action_snooze_selected(self) -> None:
        alert = self.selected
        if alert is not None:
            self.app.snooze(pair_key(alert), self._refresh_status)

