"""The evidence behind a rule's value: every held record that made it (``enter`` on an alert or on a
rule's group), searched in a thread among the records the session holds, capped, and saying what it
could not see (the cap, records older than the session holds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from tui.app.format import clock_time, human_count, zone_label
from tui.app.held_text import held_scope
from tui.app.safe import safe_text
from tui.app.screens.live_modal import LiveModal
from tui.app.subjects import subject_of_group, subject_of_line
from tui.app.widgets.records_table import RecordsTable
from tui.rules.alerts import Alert

EVIDENCE_CAP = 1000  # records listed; all are counted


@dataclass(frozen=True)
class EvidenceRequest:
    """Which records: rule ``rule_index``'s, of ``group`` (None: every group), with event times in
    (``since_ms``, ``until_ms``]; ``what`` names that window, ``counted`` is the rule's value there."""

    rule_index: int
    rule: str
    group: Mapping[str, Any] | None
    label: str
    since_ms: int | None
    until_ms: int | None
    what: str
    counted: float | None
    measure: str = "count"


def alert_evidence(rule_index: int, alert: Alert) -> EvidenceRequest:
    """An ALARM's evidence is its window when it fired (the records it counted); an OK's is its
    episode, from the window before it started to the clearing."""
    width = int(alert.window_s * 1000)
    if alert.state == "ALARM":
        return EvidenceRequest(rule_index, alert.rule, alert.group, alert.group_label, alert.time_ms - width,
                               alert.time_ms, "alarm window", alert.value, alert.measure)
    start = alert.time_ms if alert.episode_start_ms is None else alert.episode_start_ms
    return EvidenceRequest(rule_index, alert.rule, alert.group, alert.group_label, start - width, alert.time_ms,
                           "episode", None, alert.measure)


class EvidenceScreen(LiveModal[None]):
    """The records, newest arrival first; ``enter`` shows one in full, the History key opens the
    History of the group (or of the selected record's source)."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("i", "investigate", "History", id="investigate", tooltip="History of this group's subject"),
    ]

    def __init__(self, request: EvidenceRequest, utc: bool) -> None:
        super().__init__()
        self.request = request
        self._utc = utc
        self.found: Any = None  # tui.engine.held.Found, once searched

    def compose_body(self) -> ComposeResult:
        request = self.request
        with Vertical(id="evidence-box", classes="modal-box"):
            yield Static(
                Content.assemble(
                    ("Evidence ", "bold"), safe_text(request.rule, 60), "  ", safe_text(request.label, 80)
                ),
                classes="modal-title", markup=False,
            )
            yield Static(Content(f"{self._window()} · searching the held records…"), id="evidence-scope", markup=False)
            yield RecordsTable(id="evidence-records")

    def on_mount(self) -> None:
        self.query_one(RecordsTable).focus()
        self._search()

    def _window(self) -> str:
        request = self.request
        since = "the oldest held" if request.since_ms is None else clock_time(request.since_ms / 1000, self._utc)
        until = "now" if request.until_ms is None else clock_time(request.until_ms / 1000, self._utc)
        return f"{request.what} {since}–{until} {zone_label(self._utc)}"

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _search(self) -> None:
        worker = get_current_worker()
        request = self.request
        found = self.app.session.evidence(
            request.rule_index, request.group, request.since_ms, request.until_ms, EVIDENCE_CAP,
            lambda: worker.is_cancelled,
        )
        if not found.cancelled:
            self.app.call_from_thread(self._show, found)

    def _show(self, found: Any) -> None:
        self.found = found
        self.query_one(RecordsTable).show_records(found.lines, self._utc)
        self.query_one("#evidence-scope", Static).update(self._scope(found))

    def _scope(self, found: Any) -> Content:
        request = self.request
        records = f"{found.total:,} record{'s' if found.total != 1 else ''}"
        parts: list[Any] = [f"{self._window()} · ", (records, "bold")]
        if request.counted is not None:
            unit = "counted" if request.measure == "count" else f"measured {request.measure}"
            parts.append(f" (the rule {unit} {human_count(request.counted)})")
        if found.capped:
            parts.append((f" · newest {len(found.lines):,} shown (cap {found.limit:,})", "bold $warning"))
        held = found.held
        missing = (
            held.complete_since_ms is not None
            and (request.since_ms is None or request.since_ms < held.complete_since_ms)
        )
        if missing:
            before = clock_time(held.complete_since_ms / 1000, self._utc)
            cap = f" (cap {held.cap:,} records)" if held.capped else ""
            parts.append((f" · ⚠ records before {before} not held{cap}", "bold $warning"))
        else:
            parts.append(f" · held: {held_scope(held)}")
        return Content.assemble(*parts)

    @on(DataTable.RowSelected, "#evidence-records")
    def _detail(self, event: DataTable.RowSelected) -> None:
        event.stop()
        selected = self.query_one(RecordsTable).selected()
        if selected is not None:
            self.app.open_detail(*selected)

    def action_investigate(self) -> None:
        subject = subject_of_group(self.request.group or {})
        if subject is None and (selected := self.query_one(RecordsTable).selected()) is not None:
            subject = subject_of_line(selected[1], selected[0])
        self.app.open_investigation(subject)
