"""Every alert transition of this run (the engine keeps the last 1000), with samples; ack or snooze
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
from tui.app.format import clock_time, duration, human_count, severity
from tui.app.safe import plain_text
from tui.app.screens.live_modal import TableModal, samples_content
from tui.app.subjects import subject_of_group
from tui.rules.alerts import Alert


class HistoryScreen(TableModal[None]):
    """Newest transition first; the samples of the highlighted one are shown below the table."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("a", "ack_selected", "Ack", id="ack_selected", tooltip="Acknowledge the selected rule and group"),
        Binding(
            "s", "snooze_selected", "Snooze 15m", id="snooze", tooltip="Hide the selected rule and group for 15 minutes"
        ),
        Binding("i", "investigate", "Investigate", id="investigate", tooltip="History of the selected group"),
    ]

    def __init__(self, alerts: Sequence[Alert], utc: bool) -> None:
        super().__init__()
        self._alerts = list(reversed(alerts))
        self._utc = utc

    def compose_body(self) -> ComposeResult:
        with Vertical(id="history-box", classes="modal-box"):
            yield Static(
                Content(f"Alert history: {len(self._alerts)} transitions, newest first"),
                classes="modal-title",
                markup=False,
            )
            yield DataTable(id="history-table", cursor_type="row")
            yield Static(id="history-samples", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("time", "time"), ("state", "state"), ("severity", "severity"), ("rule", "rule"),
                           ("group", "group"), ("value", "value"), ("window", "window"), ("", "status")):
            table.add_column(label, key=key)
        for index, alert in enumerate(self._alerts):
            glyph, label, _ = severity(alert.severity)
            table.add_row(
                Text(clock_time(alert.time_ms / 1000, self._utc)),
                Text("▲ ALARM" if alert.state == "ALARM" else "✔ OK", style="bold" if alert.state == "ALARM" else ""),
                Text(f"{glyph} {label}"),
                plain_text(alert.rule, limit=40),
                plain_text(alert.group_label, limit=60),
                Text(f"{human_count(alert.value)}/{human_count(alert.threshold)}"),
                Text(duration(alert.window_s)),
                Text(self.app.alerts.status(alert)),
                key=str(index),
            )
        table.focus()
        self.show_row(0)

    @property
    def selected(self) -> Alert | None:
        table = self.query_one(DataTable)
        return self._alerts[table.cursor_row] if self._alerts else None

    def show_row(self, index: int) -> None:
        """The samples of the highlighted transition."""
        samples = self.query_one("#history-samples", Static)
        if not self._alerts:
            samples.update(Content.styled("No alert transitions yet.", "$text-muted"))
            return
        alert = self._alerts[index]
        samples.update(samples_content(alert, alert.rule, alert.group_label))

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
        table = self.query_one(DataTable)
        for index, alert in enumerate(self._alerts):
            table.update_cell(str(index), "status", Text(self.app.alerts.status(alert)))

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
            self.app.snooze(pair_key(alert))
            self._refresh_status()
