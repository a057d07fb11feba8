"""History of one subject (an address, an ENI, a port) over a range, from the engine that holds the
data: the timeline as a chart (ACCEPT and REJECT per bin), the ACCEPTed peers called out first ("did
anything get in"), the peers table and the newest records.

The question runs in a thread worker through the :class:`tui.run.history.HistoryAccess` that run/
handed the app; partial answers are shown as they come; ``esc`` (or a range or engine key) cancels
it. The dashboard's ingestion and alerting never wait on it.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tui.app.columns import ColumnSpec
from tui.app.flows import port_label, protocol_label
from tui.app.format import clock_time, duration, human_bytes, human_count, zone_label
from tui.app.safe import plain_text, safe_text
from tui.app.screens.live_modal import LiveModal
from tui.app.timeline_chart import ACCEPT_GLYPH, REJECT_GLYPH, chart_rows, columns_for
from tui.app.widgets.keyed_table import KeyedTable
from tui.app.widgets.records_table import RecordsTable
from tui.flowlog import FlowFormat, FormatError
from tui.history.model import (
    Answer,
    HistoryCancelled,
    HistoryError,
    Peer,
    Question,
    Subject,
    TimeRange,
    bin_start,
)

# range key -> (seconds, bin seconds): 60 to 96 bins, about a column each at 80 to 120 columns
RANGES = {"1h": (3600, 60), "6h": (6 * 3600, 300), "24h": (24 * 3600, 900), "7d": (7 * 24 * 3600, 7200)}
ACCEPTED_LISTED = 4  # ACCEPTed peers named on the call-out line


class TimelineChart(Widget):
    """ACCEPT (█) stacked on REJECT (░) flows per bin, its legend and peak on the first line, the
    range's start and end under it."""

    DEFAULT_CSS = """
    TimelineChart { height: 10; }
    TimelineChart > .chart--accept { color: $success; }
    TimelineChart > .chart--reject { color: $error; }
    """
    COMPONENT_CLASSES = {"chart--accept", "chart--reject"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: list[tuple[int, int]] = []  # (ACCEPT, REJECT) flows per bin, every bin of the range
        self.bin_seconds = 60
        self.labels = ("", "")

    def show(self, counts: list[tuple[int, int]], bin_seconds: int, labels: tuple[str, str]) -> None:
        self.counts, self.bin_seconds, self.labels = counts, bin_seconds, labels
        self.refresh()

    def render(self) -> RenderResult:
        width = max(1, self.size.width)
        height = max(1, self.size.height - 2)
        columns, per = columns_for(self.counts, width)
        peak = max((c.accept + c.reject for c in columns), default=0)
        accept_style = self.get_component_rich_style("chart--accept")
        reject_style = self.get_component_rich_style("chart--reject")
        text = Text(no_wrap=True, overflow="crop")
        text.append(f"{ACCEPT_GLYPH} ACCEPT", accept_style)
        text.append("  ")
        text.append(f"{REJECT_GLYPH} REJECT", reject_style)
        text.append(f"  flows per {duration(self.bin_seconds * per)}, peak {human_count(peak)}\n")
        for row in chart_rows(columns, height):
            for glyph in row:
                style = accept_style if glyph == ACCEPT_GLYPH else reject_style if glyph == REJECT_GLYPH else None
                text.append(glyph, style)
            text.append("\n")
        start, end = self.labels  # under the bars: the end label ends where the last bin's column does
        span = max(len(columns), len(start) + len(end) + 1)
        text.append(start + " " * max(1, span - len(start) - len(end)) + end)
        return text


class PeersTable(KeyedTable):
    """The other side of the subject's flows: ACCEPT first, then by flows."""

    COLUMNS = (
        ColumnSpec("action", "action", 8),
        ColumnSpec("dir", "direction", 3),
        ColumnSpec("peer", "address", 15, grow=24),
        ColumnSpec("port", "port", 10, priority=2, grow=4),
        ColumnSpec("proto", "protocol", 5, priority=4),  # the port's service name mostly implies it
        ColumnSpec("flows", "flows", 6),
        ColumnSpec("bytes", "bytes", 8, priority=2),
        ColumnSpec("pkts", "packets", 6, priority=5),
        ColumnSpec("last", "last", 8, priority=3),  # when: kept at 80 columns
    )

    def show_peers(self, peers: tuple[Peer, ...], utc: bool) -> None:
        self.sync({str(index): peer_cells(peer, utc) for index, peer in enumerate(peers)})


def peer_cells(peer: Peer, utc: bool) -> tuple[Text, ...]:
    accepted = peer.action == "ACCEPT"
    return (
        Text("▲ ACCEPT" if accepted else "✖ REJECT" if peer.action == "REJECT" else (peer.action or "-"),
             style="bold" if accepted else ""),
        Text(peer.direction),
        plain_text(peer.address or "-", limit=45),
        plain_text(port_label(peer.port, peer.protocol), limit=20),
        Text(protocol_label(peer.protocol)),
        Text(human_count(peer.flows), justify="right"),
        Text(human_bytes(peer.bytes), justify="right"),
        Text(human_count(peer.packets), justify="right"),
        Text(clock_time(peer.last.timestamp(), utc)),
    )


def timeline_counts(answer: Answer) -> list[tuple[int, int]]:
    """(ACCEPT, REJECT) flows for every bin of the question's range, empty bins included."""
    question = answer.question
    size = question.bin_seconds
    first = bin_start(question.time_range.start_s, size)
    bins = max(1, -(-(question.time_range.end_s - first) // size))
    counts = [[0, 0] for _ in range(bins)]
    for row in answer.timeline:
        index = (int(row.start.timestamp()) - first) // size
        if 0 <= index < bins and row.action in ("ACCEPT", "REJECT"):
            counts[index][0 if row.action == "ACCEPT" else 1] += row.flows
    return [(accept, reject) for accept, reject in counts]


def accepted_line(answer: Answer) -> Content:
    """"Did anything get in": the ACCEPTed flows counted from the timeline (exact, whatever the
    peers cap), and the first ACCEPTed peers by name."""
    flows = sum(row.flows for row in answer.timeline if row.action == "ACCEPT")
    if not flows:
        return Content.assemble(("✔ 0 ACCEPTed", "bold"), " · every flow of this subject in the range was rejected"
                                if answer.timeline else " · no flow of this subject in the range")
    peers = answer.accepted_peers
    named = [
        f"{safe_text(peer.address or '-', 45)} {port_label(peer.port, peer.protocol)} {peer.direction} "
        f"({human_count(peer.flows)})"
        for peer in peers[:ACCEPTED_LISTED]
    ]
    more = f" +{len(peers) - ACCEPTED_LISTED} more" if len(peers) > ACCEPTED_LISTED else ""
    return Content.assemble(
        (f"▲ {human_count(flows)} ACCEPTed flow{'s' if flows != 1 else ''}", "bold $warning"),
        f" with {len(peers)} peer{'s' if len(peers) != 1 else ''}: " if peers else "",
        " · ".join(named), more,
    )


def peers_shown(answer: Answer) -> str:
    """``12 peers``, or, when the list reached the question's cap (no engine says how many there
    were: they stop at it), that only the first of them are listed."""
    count, limit = len(answer.peers), answer.question.peers_limit
    if count >= limit:
        return f"only the first {limit} peers listed (the cap)"
    return f"{count} peer{'s' if count != 1 else ''}"


def record_layout(fields: Any, fallback: FlowFormat) -> FlowFormat:
    """The layout of a History record, from its field names (in record order), for the decoded
    columns and the detail view; ``fallback`` (the session's) when they name none."""
    try:
        return FlowFormat.from_names(fields) if fields else fallback
    except FormatError:
        return fallback


class InvestigateScreen(LiveModal[None]):
    """History of one subject. The question in force is answered in a worker; keys change it."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="close", tooltip="Cancel the query and close"),
        Binding("1", "range('1h')", "1h", id="range_1h", tooltip="The last hour"),
        Binding("6", "range('6h')", "6h", id="range_6h", tooltip="The last 6 hours"),
        Binding("2", "range('24h')", "24h", id="range_24h", tooltip="The last 24 hours"),
        Binding("7", "range('7d')", "7d", id="range_7d", tooltip="The last 7 days"),
        Binding("e", "engine", "Engine", id="engine", tooltip="Ask the next configured History engine"),
        Binding("r", "toggle_records", "Records", id="toggle_records", tooltip="Peers or the newest records"),
        Binding("y", "approve", "Run scan", id="approve", tooltip="Run the query above history.max_scan"),
    ]

    def __init__(self, access: Any, subject: Subject, end: datetime, utc: bool, range_key: str = "1h") -> None:
        super().__init__()
        self.access = access  # tui.run.history.HistoryAccess
        self.subject = subject
        self.end = end
        self._utc = utc
        self.range_key = range_key
        self.engine_name: str = access.names[0]
        self.answer: Answer | None = None
        self.error: str | None = None
        self.about: str | None = None
        self.needs_approval = False
        self.showing_records = False
        self._cancel = threading.Event()

    # -- layout ----------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Vertical(id="investigate-box", classes="modal-box"):
            yield Static(self._title(), id="investigate-title", classes="modal-title", markup=False)
            yield Static(id="investigate-about", markup=False)
            yield Static(id="investigate-status", markup=False)
            yield Static(id="investigate-accepted", markup=False)
            yield TimelineChart(id="investigate-chart")
            yield PeersTable(id="investigate-peers")
            yield RecordsTable(id="investigate-records")

    def on_mount(self) -> None:
        self.query_one(RecordsTable).display = False
        self.query_one("#investigate-about").display = False
        self.query_one(PeersTable).focus()
        self._ask()

    def on_unmount(self) -> None:
        self._cancel.set()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < 34, "-short")

    def _title(self) -> Content:
        subject = safe_text(str(self.subject), 60)
        scope = f" · last {self.range_key} · {self.engine_name}"
        return Content.assemble(("History ", "bold"), (subject, "bold"), scope)

    @property
    def question(self) -> Question:
        seconds, bin_seconds = RANGES[self.range_key]
        return Question(self.subject, TimeRange.last(seconds, self.end), bin_seconds=bin_seconds)

    # -- running ---------------------------------------------------------------------------------

    def _ask(self, approved: bool = False) -> None:
        """Cancel the running question and ask the one in force."""
        self._cancel.set()
        self._cancel = threading.Event()
        self.answer, self.error, self.needs_approval = None, None, False
        self.query_one("#investigate-title", Static).update(self._title())
        self._render_answer()
        self._set_status(Content.styled(f"⟳ asking {self.engine_name}…", "bold"))
        self._run(self.engine_name, self.question, self._cancel, approved)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _run(self, engine: str, question: Question, cancel: threading.Event, approved: bool) -> None:
        if self.about is None:
            about = self.access.about(self.subject)
            if about:
                self._from_thread(self._show_about, about, cancel)
        try:
            if approved:
                self.access.approve(engine, question)
            answer = self.access.run(engine, question, lambda partial: self._from_thread(self._show, partial, cancel),
                                     cancel)
        except HistoryCancelled:
            return
        except HistoryError as error:
            self._from_thread(self._failed, error, cancel)
            return
        except Exception as error:  # noqa: BLE001 - shown in the status line, never a crash
            self._from_thread(self._failed, HistoryError(f"{type(error).__name__}: {error}"), cancel)
            return
        self._from_thread(self._show, answer, cancel)
        self.access.fill_cache(engine, cancel)  # the next question reads the cache (stops with the screen)

    def _from_thread(self, callback: Any, value: Any, cancel: threading.Event) -> None:
        """Run ``callback(value)`` on the UI thread unless the question was replaced or closed."""
        if cancel.is_set():
            return
        try:
            self.app.call_from_thread(lambda: None if cancel.is_set() else callback(value))
        except RuntimeError:  # the app is shutting down
            cancel.set()

    def _show_about(self, about: str) -> None:
        """Who the subject is, on its own line under the title (cut with … when too long)."""
        self.about = about
        line = self.query_one("#investigate-about", Static)
        line.update(Content.assemble(("who ", "bold"), safe_text(about, 300)))
        line.display = True

    def _show(self, answer: Answer) -> None:
        self.answer = answer
        self._render_answer()
        self._set_status(self._status(answer))

    def _failed(self, error: HistoryError) -> None:
        self.needs_approval = hasattr(error, "estimated_bytes")
        self.error = str(error).splitlines()[0] if str(error) else type(error).__name__
        hint = " · y runs it" if self.needs_approval else ""
        self._set_status(Content.assemble(("✖ ", "bold $error"), safe_text(self.error, 300), hint))
        self.refresh_bindings()

    # -- rendering -------------------------------------------------------------------------------

    def _set_status(self, content: Content) -> None:
        self.query_one("#investigate-status", Static).update(content)

    def _status(self, answer: Answer) -> Content:
        parts: list[Any] = []
        if answer.complete:
            parts.append((f"{answer.records_matched:,} records", "bold"))
        else:
            parts.append((f"⟳ running · {answer.records_matched:,} records so far", "bold"))
        if answer.bytes_scanned is not None:
            parts.append(f" · {human_bytes(answer.bytes_scanned)} scanned")
        if answer.cost_usd is not None:
            parts.append(f" · ${answer.cost_usd:.4f}" if answer.cost_usd < 0.01 else f" · ${answer.cost_usd:.2f}")
        parts.append(f" · {duration(answer.elapsed_ms / 1000)}" if answer.elapsed_ms >= 1000
                     else f" · {answer.elapsed_ms} ms")
        parts.append(f" · {peers_shown(answer)}")
        for note in answer.notes:
            parts.append(f" · {safe_text(note, 120)}")
        return Content.assemble(*parts)

    def _render_answer(self) -> None:
        answer = self.answer
        question = self.question if answer is None else answer.question
        start, end = question.time_range.start, question.time_range.end
        with_date = start.date() != end.date()  # 24 h apart read alike without it
        labels = (clock_time(start.timestamp(), self._utc, with_date),
                  f"{clock_time(end.timestamp(), self._utc, with_date)} {zone_label(self._utc)}")
        chart = self.query_one(TimelineChart)
        if answer is None:
            chart.show([], question.bin_seconds, labels)
            self.query_one("#investigate-accepted", Static).update("")
            self.query_one(PeersTable).show_peers((), self._utc)
            self.query_one(RecordsTable).show_records((), self._utc)
            return
        chart.show(timeline_counts(answer), question.bin_seconds, labels)
        self.query_one("#investigate-accepted", Static).update(accepted_line(answer))
        self.query_one(PeersTable).show_peers(answer.peers, self._utc)
        fallback = self.app.session.engine.fmt
        records = [(row.message, record_layout(tuple(row.fields), fallback)) for row in answer.records]
        self.query_one(RecordsTable).show_records(records, self._utc)

    # -- keys ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "engine":
            return len(self.access.names) > 1
        if action == "approve":
            return self.needs_approval
        return True

    def action_close(self) -> None:
        self._cancel.set()
        self.dismiss()

    def action_range(self, key: str) -> None:
        if key in RANGES and key != self.range_key:
            self.range_key = key
            self.end = self.app.history_end()  # the range ends now (live), or at the data's end (replay)
            self._ask()

    def action_engine(self) -> None:
        names = self.access.names
        self.engine_name = names[(names.index(self.engine_name) + 1) % len(names)]
        self._ask()

    def action_approve(self) -> None:
        if self.needs_approval:
            self._ask(approved=True)

    def action_toggle_records(self) -> None:
        self.showing_records = not self.showing_records
        peers, records = self.query_one(PeersTable), self.query_one(RecordsTable)
        peers.display, records.display = not self.showing_records, self.showing_records
        (records if self.showing_records else peers).focus()

    @on(DataTable.RowSelected, "#investigate-records")
    def _detail(self, event: DataTable.RowSelected) -> None:
        event.stop()
        selected = self.query_one(RecordsTable).selected()
        if selected is not None:
            self.app.open_detail(*selected)
