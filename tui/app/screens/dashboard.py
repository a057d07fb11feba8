"""The main screen: status, banners, rules, top talkers, traffic and the live flows table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.worker import get_current_worker

from tui.app.drill import key_filter
from tui.app.subjects import subject_for, subject_of_group, subject_of_line
from tui.app.widgets.filter_bar import FilterBar
from tui.app.widgets.flows_table import FlowsTable
from tui.app.widgets.footer import KeysFooter
from tui.app.widgets.live_top import LiveTop
from tui.app.widgets.rules_panel import RulesPanel
from tui.app.widgets.top_panel import TopPanel
from tui.app.widgets.traffic_panel import TrafficPanel
from tui.patterns import compile_pattern

if TYPE_CHECKING:
    from tui.app.app import FlowtailApp


class DashboardScreen(Screen):
    """Renders each snapshot the app hands it; its keys change only the view, never the engine."""

    app: FlowtailApp

    BINDINGS = [
        Binding("space", "pause", "Pause", id="pause", tooltip="Freeze the flows table (ingestion goes on)"),
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter the flows table with a CloudWatch pattern"),
        Binding("escape", "clear_filter", "Clear", id="clear_filter", tooltip="Remove the flows filter"),
        Binding("a", "ack", "Ack", id="ack", tooltip="Acknowledge the active alarms shown in the banner"),
        Binding("h", "history", "History", id="history", tooltip="Every alert transition of this run"),
        Binding(
            "i", "investigate", "Investigate", id="investigate",
            tooltip="History of the selected flow's source, top-N key or rule's busiest group, from the History engine",
        ),
        Binding(
            "n",
            "top_next",
            "Top-N",
            id="top_next",
            tooltip="Next top-N table: sources, destinations, ports, protocols, ENIs",
            show=False,  # the top-N panel's own border names n and b: the 80-column footer keeps o and ?
        ),
        Binding(
            "b", "top_bytes", "Bytes", id="top_bytes", tooltip="Rank the top-N table by bytes or by records", show=False
        ),
        Binding("t", "clock", "UTC/local", id="clock", tooltip="Show times in UTC or local time", show=False),
        Binding("e", "errors", "Errors", id="errors", tooltip="Every error of this run, in full"),
        Binding("o", "order", "Order", id="order", tooltip="Flows by newest arrival or by latest event time"),
    ]

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (150, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]

    def __init__(self, flows_rows: int, slow_every: int = 1) -> None:
        super().__init__(id="dashboard")
        self._flows_rows = flows_rows
        self.slow_every = slow_every  # ticks between renders of the rules, top-N and traffic panels
        self._ticks = slow_every  # the first snapshot renders everything
        self._alarming: tuple[bool, ...] = ()

    def compose(self) -> ComposeResult:
        yield LiveTop(id="live-top")
        with Horizontal(id="panels"):
            with Vertical(id="left"):
                yield RulesPanel(id="rules")
                yield TrafficPanel(id="traffic")
            yield TopPanel(id="top")
        yield FlowsTable(self._flows_rows, id="flows")
        yield FilterBar(id="filter-bar")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.flows.tick_s = self.app.display_config.refresh_s
        self.query_one(FilterBar).display = False
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
        """Render one snapshot (the caller wraps this in ``batch_update``).

        The status line, banners and flows follow every tick; the rules, top-N and traffic panels,
        whose counters move on every tick without changing meaning, every ``slow_every`` ticks, and
        at once when a rule starts or stops alarming (how many of its groups alarm: at the cadence).
        Over a slow link those counters were most of the output."""
        app = self.app
        app.show_live_top()
        alarming = tuple(bool(status.alarming) for status in snapshot.engine.rules)  # OK <-> ALARM
        self._ticks += 1
        if self._ticks >= self.slow_every or alarming != self._alarming:
            self._ticks = 0
            self._alarming = alarming
            self.query_one(RulesPanel).show(snapshot, app.session.engine.rule_defs)
            self.top.show(snapshot)
            self.query_one(TrafficPanel).show(snapshot)
        else:
            self.top.remember(snapshot)  # its keys (n, b) re-render from the newest snapshot
        self.flows.ingest(snapshot, app.session.engine.fmt, self.slow_every)

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
        """The session filters what arrives from now on; the table starts over from its matches, and
        once the records the session held are searched (in a thread), over again with theirs."""
        self.app.session.set_flow_filter(pattern, text)
        self.flows.set_filter(pattern, text)
        self.app.refresh_view()
        if pattern is not None:
            self._search_held(pattern, text)

    @work(thread=True, exclusive=True, group="filter-held", exit_on_error=False)
    def _search_held(self, pattern: Any, text: str) -> None:
        worker = get_current_worker()
        if self.app.session.search_flow_filter(lambda: worker.is_cancelled) is not None:
            self.app.call_from_thread(self._held_searched, pattern, text)

    def _held_searched(self, pattern: Any, text: str) -> None:
        if self.flows.pattern_text == text:
            self.flows.set_filter(pattern, text)
            self.app.refresh_view()

    @on(RulesPanel.RowSelected, "#rules")
    def _rule_selected(self, event: RulesPanel.RowSelected) -> None:
        """enter on a rule: its groups, values and samples (RuleScreen); ``f`` there filters the flows by it."""
        event.stop()
        index = self.query_one(RulesPanel).selected_rule()
        if index is not None:
            self.app.open_rule(index, self._apply_filter_text)

    @on(TopPanel.RowSelected, "#top")
    def _top_selected(self, event: TopPanel.RowSelected) -> None:
        """enter on a top-N row: the flows filtered to that key."""
        event.stop()
        key = self.top.selected_key()
        text = None if key is None else key_filter(self.app.session.engine.fmt, self.top.dimension_name, key)
        if text is None:
            self.notify("This value cannot be used as a filter", markup=False)
            return
        self._apply_filter_text(text)

    def _apply_filter_text(self, text: str | None) -> None:
        """Apply ``text`` as the flows filter, shown in the filter bar as applied."""
        if not text:
            return
        pattern = compile_pattern(text)
        self.query_one(FilterBar).show_applied(text)
        self._set_filter(pattern, text)
        self.flows.focus()
        self.refresh_bindings()

    @on(FlowsTable.DetailRequested)
    def _detail(self, message: FlowsTable.DetailRequested) -> None:
        self.app.open_detail(message.line)

    def action_ack(self) -> None:
        self.app.acknowledge()

    def action_history(self) -> None:
        self.app.open_history()

    def action_investigate(self) -> None:
        """History of what the focused panel's selected row names (the flows table by default)."""
        engine = self.app.session.engine
        focused = self.app.focused
        subject = None
        if focused is self.top:
            key = self.top.selected_key()
            subject = None if key is None else subject_for(self.top.dimension_name, key)
        elif focused is self.query_one(RulesPanel):
            index = self.query_one(RulesPanel).selected_rule()
            snapshot = self.app.snapshot
            top = None if index is None or snapshot is None else snapshot.engine.rules[index].top_group
            if index is not None and top is not None:
                subject = subject_of_group(engine.group_dict(index, top))
        else:
            line = self.flows.selected_line()
            subject = None if line is None else subject_of_line(engine.fmt, line)
        self.app.open_investigation(subject)

    def action_errors(self) -> None:
        self.app.open_errors()

    def action_order(self) -> None:
        self.flows.set_order(not self.flows.by_event_time)

    def action_top_next(self) -> None:
        self.top.cycle()

    def action_top_bytes(self) -> None:
        self.top.toggle_bytes()

    def action_clock(self) -> None:
        self.app.utc = not self.app.utc
        self.flows.set_utc(self.app.utc)
        self.app.refresh_status()
