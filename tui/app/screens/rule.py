"""One rule in depth (``enter`` on the rules panel): its definition, its busiest live groups with their
value now (every alarming one included), and every group that alarmed in this run with its latest
transition and samples; ``f`` filters the flows by it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from tui.rules.alerts import DEGRADED, Alert


@dataclass(frozen=True)
class GroupRow:
    """One line of the rule's groups: its value now (None when not live) and its latest alert."""

    label: str
    value: float | None
    alarming: bool
    alert: Alert | None

    @property
    def peak(self) -> float | None:
        """The highest value of the group's latest episode: its alert's, or the value now while that
        episode is still open and has grown since."""
        alert = self.alert
        if alert is None or alert.peak is None:
            return None
        if self.alarming and alert.state == "ALARM" and self.value is not None:
            return max(alert.peak, self.value)
        return alert.peak


def group_rows(live: Sequence[tuple[str, float, bool]], alerts: Sequence[Alert], rule: str) -> list[GroupRow]:
    """The live groups (busiest first, as the engine ranked them), then the groups that alarmed in
    this run and are not live any more, the most recent first."""
    latest: dict[str, Alert] = {}
    for alert in alerts:
        if alert.rule == rule and alert.state != DEGRADED:  # the rule's, not a group's
            latest[alert.group_label] = alert
    rows = [GroupRow(label, value, alarming, latest.get(label)) for label, value, alarming in live]
    shown = {row.label for row in rows}
    past = sorted((a for label, a in latest.items() if label not in shown), key=lambda a: a.time_ms, reverse=True)
    return rows + [GroupRow(alert.group_label, None, False, alert) for alert in past]


def evictions_line(status: Any, utc: bool) -> tuple[Any, ...]:
    """``evicted  12,345 groups (limits.rule_memory); detection degraded since 14:05:09``, as parts of
    the definition's text; nothing when the rule never evicted a group."""
    if not status.evicted_groups:
        return ()
    since = status.degraded_since_ms
    degraded = (
        "" if since is None
        else f"; detection degraded since {clock_time(since / 1000, utc)} ({status.degraded_evicted:,} since then)"
    )
    evicted = f"{status.evicted_groups:,} groups (limits.rule_memory){degraded}"
    return ("\n", ("evicted  ", "bold"), (evicted, "$warning"))


class RuleScreen(TableModal[str]):
    """Dismissed with the rule's pattern text when the user asks to filter the flows by it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("f", "filter_flows", "Filter flows", id="filter_rule", tooltip="Show only the flows this rule matches"),
    ]

    def __init__(
        self, rule: Any, status: Any, top_group: str, live: Sequence[tuple[str, float, bool]],
        alerts: Sequence[Alert], utc: bool,
    ) -> None:
        """``live``: (group label, value now, alarming) of the busiest live groups, busiest first."""
        super().__init__()
        self._rule = rule  # a tui.config RuleConfig
        self._status = status  # its RuleStatus in the last snapshot
        self._top_group = top_group
        self._groups = group_rows(live, alerts, rule.name)
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
                    *evictions_line(status, self._utc),
                ),
                id="rule-definition",
                markup=False,
            )
            yield DataTable(id="rule-groups", cursor_type="row")
            yield Static(id="rule-samples", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("group", "group"), ("now", "state"), ("value now", "value"), ("peak", "peak"),
                           ("last alert", "time")):
            table.add_column(label, key=key)
        for index, row in enumerate(self._groups):
            alert = row.alert
            table.add_row(
                plain_text(row.label, limit=80),
                Text("▲ ALARM" if row.alarming else ("ok" if row.value is not None else "not live")),
                Text("-" if row.value is None else human_count(row.value), justify="right"),
                Text("-" if (peak := row.peak) is None else human_count(peak), justify="right"),
                Text("-" if alert is None else f"{alert.state} {clock_time(alert.time_ms / 1000, self._utc)}"),
                key=str(index),
            )
        table.focus()
        self.show_row(0)

    def show_row(self, index: int) -> None:
        """The samples of the highlighted group's latest alert."""
        box = self.query_one("#rule-samples", Static)
        if not self._groups:
            box.update(Content.styled("No live group and no alert of this rule in this run.", "$text-muted"))
            return
        row = self._groups[index]
        if row.alert is None:
            box.update(Content.styled("No alert for this group in this run.", "$text-muted"))
            return
        box.update(samples_content(row.alert, row.label))

    def action_filter_flows(self) -> None:
        self.dismiss(self._rule.pattern_text)
