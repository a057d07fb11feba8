"""One rule in depth (``enter`` on the rules panel): its definition, its busiest group now, and every
group that alarmed in this run with its latest value and samples; ``f`` filters the flows by it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from tui.app.format import clock_time, duration, human_count
from tui.app.safe import plain_text, safe_text
from tui.app.screens.live_modal import TableModal, samples_content
from tui.rules.alerts import Alert


def latest_per_group(alerts: Sequence[Alert], rule: str) -> list[Alert]:
    """The newest transition of each group of ``rule``, the most recent first."""
    latest: dict[str, Alert] = {}
    for alert in alerts:
        if alert.rule == rule:
            latest[alert.group_label] = alert
    return sorted(latest.values(), key=lambda alert: alert.time_ms, reverse=True)


class RuleScreen(TableModal[str]):
    """Dismissed with the rule's pattern text when the user asks to filter the flows by it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("f", "filter_flows", "Filter flows", id="filter_rule", tooltip="Show only the flows this rule matches"),
    ]

    def __init__(self, rule: Any, status: Any, top_group: str, alerts: Sequence[Alert], utc: bool) -> None:
        super().__init__()
        self._rule = rule  # a tui.config RuleConfig
        self._status = status  # its RuleStatus in the last snapshot
        self._top_group = top_group
        self._groups = latest_per_group(alerts, rule.name)
        self._utc = utc

    def compose_body(self) -> ComposeResult:
        rule, status = self._rule, self._status
        with Vertical(id="rule-box", classes="modal-box"):
            title = Content.assemble(("Rule ", "bold"), safe_text(rule.name, 80))
            yield Static(title, classes="modal-title", markup=False)
            by = f"per {', '.join(rule.group_by)}" if rule.group_by else "over all records (no group_by)"
            yield Static(
                Content.assemble(
                    ("pattern  ", "bold"), safe_text(rule.pattern_text, 1000), "\n",
                    ("alarm    ", "bold"),
                    f"{rule.measure_text} ≥ {human_count(rule.threshold)} within {duration(rule.window_s)}, {by}",
                    "\n",
                    ("now      ", "bold"),
                    f"{status.alarming} alarming of {status.groups} live groups; busiest ",
                    safe_text(self._top_group, 120), f" at {human_count(status.top_value)}",
                ),
                id="rule-definition",
                markup=False,
            )
            yield DataTable(id="rule-groups", cursor_type="row")
            yield Static(id="rule-samples", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("group", "group"), ("state", "state"), ("value", "value"), ("peak", "peak"),
                           ("since", "time")):
            table.add_column(label, key=key)
        for index, alert in enumerate(self._groups):
            table.add_row(
                plain_text(alert.group_label, limit=80),
                Text("▲ ALARM" if alert.state == "ALARM" else "✔ OK"),
                Text(human_count(alert.value), justify="right"),
                Text(human_count(alert.peak) if alert.peak is not None else "-", justify="right"),
                Text(clock_time(alert.time_ms / 1000, self._utc)),
                key=str(index),
            )
        table.focus()
        self.show_row(0)

    def show_row(self, index: int) -> None:
        """The samples of the highlighted group's latest transition."""
        box = self.query_one("#rule-samples", Static)
        if not self._groups:
            box.update(Content.styled("No group of this rule has alarmed in this run.", "$text-muted"))
            return
        box.update(samples_content(self._groups[index], self._groups[index].group_label))

    def action_filter_flows(self) -> None:
        self.dismiss(self._rule.pattern_text)
