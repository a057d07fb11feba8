"""The main screen: status, banners, rules, top talkers, traffic and the live flows table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from tui.app.widgets.banners import AlertBanner, ErrorBanner
from tui.app.widgets.filter_bar import FilterBar
from tui.app.widgets.flows_table import FlowsTable
from tui.app.widgets.rules_panel import RulesPanel
from tui.app.widgets.status_bar import StatusBar
from tui.app.widgets.top_panel import TopPanel
from tui.app.widgets.traffic_panel import TrafficPanel

if TYPE_CHECKING:
    from tui.app.app import FlowtailApp


class DashboardScreen(Screen):
    """Renders each snapshot the app hands it; its keys change only the view, never the engine."""

    app: FlowtailApp

    BINDINGS = [
        Binding("space", "pause", "Pause", id="pause", tooltip="Freeze the flows table (ingestion goes on)"),
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the flows table with a CloudWatch pattern"),
        Binding("escape", "clear_filter", "Clear filter", id="clear_filter", tooltip="Remove the flows filter"),
        Binding("a", "ack", "Ack", id="ack", tooltip="Acknowledge the active alarms shown in the banner"),
        Binding("h", "history", "History", id="history", tooltip="Every alert transition of this run"),
        Binding(
            "n",
            "top_next",
            "Top-N",
            id="top_next",
            tooltip="Next top-N table: sources, destinations, ports, protocols, ENIs",
        ),
        Binding("b", "top_bytes", "Bytes", id="top_bytes", tooltip="Rank the top-N table by bytes or by records"),
        Binding("t", "clock", "UTC/local", id="clock", tooltip="Show times in UTC or local time", show=False),
    ]

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (150, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]

    def __init__(self, flows_rows: int) -> None:
        super().__init__(id="dashboard")
        self._flows_rows = flows_rows

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield ErrorBanner(id="error-banner")
        yield AlertBanner(id="alert-banner")
        with Horizontal(id="panels"):
            with Vertical(id="left"):
                yield RulesPanel(id="rules")
                yield TrafficPanel(id="traffic")
            yield TopPanel(id="top")
        yield FlowsTable(self._flows_rows, id="flows")
        yield FilterBar(id="filter-bar")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.query_one("#rules").border_title = "Rules"
        self.query_one("#traffic").border_title = "Traffic per minute"
        self.flows.focus()

    def on_screen_resume(self) -> None:
        """Shown first, or back from a modal screen: render at once (ticks skip a covered dashboard),
        once the widgets are mounted."""
        self.call_after_refresh(self.app.refresh_view)

    @property
    def flows(self) -> FlowsTable:
        return self.query_one(FlowsTable)

    @property
    def top(self) -> TopPanel:
        return self.query_one(TopPanel)

    # -- rendering -------------------------------------------------------------------------------

    def show(self, snapshot: Any, rate: float | None) -> None:
        """Render one snapshot (the caller wraps this in ``batch_update``)."""
        app = self.app
        self.query_one(StatusBar).show(snapshot, app.now(), app.utc, rate, self.flows.paused)
        self.query_one(ErrorBanner).show(snapshot.error)
        self.show_alerts()
        self.query_one(RulesPanel).show(snapshot, app.session.engine.rule_defs)
        self.top.show(snapshot)
        self.query_one(TrafficPanel).show(snapshot)
        self.flows.ingest(snapshot, app.session.engine.fmt)

    def show_alerts(self) -> None:
        self.query_one(AlertBanner).show(
            self.app.alerts.shown, self.app.key_label("ack"), self.app.key_label("history")
        )

    # -- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return self.query_one(FilterBar).display or bool(self.flows.pattern_text)
        if action == "ack":
            return bool(self.app.alerts.shown) or None  # None: shown greyed out in the footer
        return True

    def action_pause(self) -> None:
        self.flows.set_paused(not self.flows.paused)
        self.app.refresh_status()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open(self.flows.pattern_text)
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        self.query_one(FilterBar).close()
        if self.flows.pattern_text:
            self._set_filter(None, "")
        self.flows.focus()
        self.refresh_bindings()

    @on(FilterBar.Applied)
    def _filter_applied(self, message: FilterBar.Applied) -> None:
        self._set_filter(message.pattern, message.text)
        if message.pattern is None:
            self.query_one(FilterBar).close()
        self.flows.focus()
        self.refresh_bindings()

    def _set_filter(self, pattern: Any, text: str) -> None:
        """The session filters what arrives from now on; the table starts over from its matches."""
        self.app.session.set_flow_filter(pattern, text)
        self.flows.set_filter(pattern, text)
        self.app.refresh_view()

    @on(FlowsTable.DetailRequested)
    def _detail(self, message: FlowsTable.DetailRequested) -> None:
        self.app.open_detail(message.line)

    def action_ack(self) -> None:
        self.app.acknowledge()

    def action_history(self) -> None:
        self.app.open_history()

    def action_top_next(self) -> None:
        self.top.cycle()

    def action_top_bytes(self) -> None:
        self.top.toggle_bytes()

    def action_clock(self) -> None:
        self.app.utc = not self.app.utc
        self.flows.set_utc(self.app.utc)
        self.app.refresh_status()
