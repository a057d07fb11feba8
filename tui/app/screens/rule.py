"""One rule in depth (``enter`` on the rules panel): its definition, its busiest live groups with their
value now (every alarming one included), and every group that alarmed in this run with its latest
transition and samples; ``f`` filters the flows by it. A rule with ``evaluate: cloudwatch`` also shows
CloudWatch's verdict beside the sliding window's, and why they differ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from tui.app.columns import ColumnSpec
from tui.app.format import clock_time, duration, human_count
from tui.app.safe import plain_text, safe_text
from tui.app.screens.live_modal import TableModal
from tui.app.subjects import subject_of_group
from tui.app.widgets.keyed_table import KeyedTable
from tui.app.widgets.samples_pane import SamplesPane
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


class GroupsTable(KeyedTable):
    """The rule's groups: value, peak and the last alert never cut; the group label takes the rest
    and ends in ``…`` when cut (its samples below name it in full)."""

    BINDINGS = [Binding("enter", "select_cursor", "Evidence", tooltip="Every record behind the group's value")]

    COLUMNS = (
        ColumnSpec("group", "group", 16, grow=100),
        ColumnSpec("now", "state", 8),
        ColumnSpec("value now", "value", 9),
        ColumnSpec("peak", "peak", 4),
        ColumnSpec("last alert", "time", 10),
    )

    def column_specs(self, width: int) -> Sequence[ColumnSpec]:
        return self.specs_fitted_to_rows(exact=("state", "value", "peak", "time"))


def evictions_line(status: Any, utc: bool) -> tuple[Any, ...]:
    """``evicted  12,345 groups (limits.rule_memory); detection degraded since 14:05:09``, as parts of
    the definition's text (a cloudwatch rule names its series cap instead); nothing when the rule
    never evicted a group."""
    if not status.evicted_groups:
        return ()
    since = status.degraded_since_ms
    degraded = (
        "" if since is None
        else f"; detection degraded since {clock_time(since / 1000, utc)} ({status.degraded_evicted:,} since then)"
    )
    evicted = f"{status.evicted_groups:,} groups ({status.evicted_by}){degraded}"
    return ("\n", ("evicted  ", "bold"), (evicted, "$warning"))


class RuleScreen(TableModal[str]):
    """Dismissed with the rule's pattern text when the user asks to filter the flows by it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("f", "filter_flows", "Filter flows", id="filter_rule", tooltip="Show only the flows this rule matches"),
        Binding("i", "investigate", "History", id="investigate", tooltip="History of the selected group"),
    ]

    def __init__(
        self, rule: Any, status: Any, top_group: str, live: Sequence[tuple[str, float, bool]],
        alerts: Sequence[Alert], utc: bool, verdict: Any = None, fmt: Any = None,
    ) -> None:
        """``live``: (group label, value now, alarming) of the busiest live groups, busiest first;
        ``verdict``: the rule's tui.rules.cloudwatch_alarm.Verdict when it has ``evaluate: cloudwatch``."""
        super().__init__()
        self._verdict = verdict
        self._rule = rule  # a tui.config RuleConfig
        self._status = status  # its RuleStatus in the last snapshot
        self._top_group = top_group
        self._groups = group_rows(live, alerts, rule.name)
        self._utc = utc
        self._fmt = fmt  # the records' format, to decode the samples

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
                    *((("\n", ("about    ", "bold"), safe_text(rule.description, 1000))) if rule.description else ()),
                    *evictions_line(status, self._utc),
                ),
                id="rule-definition",
                markup=False,
            )
            if self._verdict is not None:
                yield Static(verdict_content(self._verdict), id="rule-verdicts", markup=False)
            yield GroupsTable(id="rule-groups")
            yield SamplesPane("rule-samples", id="rule-samples-pane")

    def on_mount(self) -> None:
        table = self.query_one(GroupsTable)
        rows = {}
        for index, row in enumerate(self._groups):
            alert = row.alert
            rows[str(index)] = (
                plain_text(row.label, limit=120),
                Text("▲ ALARM" if row.alarming else ("ok" if row.value is not None else "not live")),
                Text("-" if row.value is None else human_count(row.value), justify="right"),
                Text("-" if (peak := row.peak) is None else human_count(peak), justify="right"),
                Text("-" if alert is None else f"{alert.state} {clock_time(alert.time_ms / 1000, self._utc)}"),
            )
        table.sync(rows)
        table.focus()
        self.show_row(0)

    def show_row(self, index: int) -> None:
        """The samples of the highlighted group's latest alert."""
        pane = self.query_one(SamplesPane)
        if not self._groups:
            pane.show_message(Content.styled("No live group and no alert of this rule in this run.", "$text-muted"))
            return
        row = self._groups[index]
        if row.alert is None:
            pane.show_message(Content.styled("No alert for this group in this run.", "$text-muted"))
            return
        pane.show_alert(row.alert, self._fmt, self._utc, row.label, describe=False)  # the definition has it

    # group label -> ({field: value}, where its window ends), for the live groups (set by the app)
    group_values: dict[str, tuple[Any, int | None]] = {}

    def _group(self, row: GroupRow) -> Any:
        live = self.group_values.get(row.label)
        return live[0] if live is not None else (row.alert.group if row.alert is not None else None)

    @on(DataTable.RowSelected, "#rule-groups")
    def _evidence(self, event: DataTable.RowSelected) -> None:
        """enter on a group: every held record behind its value."""
        event.stop()
        if self._groups:
            row = self._groups[event.cursor_row]
            end = self.group_values.get(row.label, (None, None))[1]
            self.app.open_group_evidence(self._rule.name, row.label, self._group(row), end, row.value, row.alert)

    def action_investigate(self) -> None:
        table = self.query_one(DataTable)
        group = self._group(self._groups[table.cursor_row]) if self._groups else None
        self.app.open_investigation(subject_of_group(group or {}))

    def action_filter_flows(self) -> None:
        self.dismiss(self._rule.pattern_text)


def verdict_content(verdict: Any) -> Content:
    """CloudWatch's verdict and the sliding window's, one line each, then each disagreement's why."""
    parts: list[Any] = [
        ("CloudWatch ", "bold"), safe_text(verdict.setting, 200), ": ", safe_text(verdict.cloudwatch, 300), "\n",
        ("sliding    ", "bold"), safe_text(verdict.sliding, 300),
    ]
    for reason in verdict.reasons[-5:]:
        parts += ["\n", ("differ     ", "bold"), safe_text(reason, 400)]
    if not verdict.reasons and verdict.comparable:
        parts += ["\n", ("differ     ", "bold"), "no disagreement in this run"]
    parts += ["\n", Content.styled("(metric-math and composite alarms are not simulated)", "$text-muted")]
    return Content.assemble(*parts)
