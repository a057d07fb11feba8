"""One record in full: every field of its format, decoded values, and which rules it matches."""

from __future__ import annotations

from typing import Any, Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.app.columns import ColumnSpec
from tui.app.flows import port_label, protocol_label, record_matches
from tui.app.format import clock_time, human_bytes, zone_label
from tui.app.safe import plain_text, safe_text
from tui.app.screens.live_modal import LiveModal
from tui.app.subjects import subject_for, subject_of_line
from tui.app.widgets.keyed_table import KeyedTable
from tui.flowlog import FlowRecord, parse_record


def decoded(record: FlowRecord, name: str, utc: bool) -> str:
    """What a field's value means, where there is more to say than the value itself."""
    value = record.get(name)
    if value is None:
        return ""
    protocol = record.get("protocol")
    if name in ("srcport", "dstport"):
        label = port_label(value, protocol if isinstance(protocol, int) else None)
        return label.partition(" ")[2]
    if name == "protocol":
        return protocol_label(value)
    if name == "tcp-flags":
        return record.tcp_flags_label
    if name in ("start", "end") and isinstance(value, int):
        return f"{clock_time(value, utc, with_date=True)} {zone_label(utc)}"
    if name == "bytes" and isinstance(value, int):
        return human_bytes(value)
    if name == "action":
        return {"REJECT": "✖ rejected by a security group or network ACL", "ACCEPT": "accepted"}.get(str(value), "")
    return ""


class FieldsTable(KeyedTable):
    """Field, value, meaning: the name and the value as wide as they need; the meaning takes the
    rest and ends in ``…`` when cut."""

    COLUMNS = (
        ColumnSpec("field", "field", 5),
        ColumnSpec("value", "value", 5),
        ColumnSpec("meaning", "meaning", 10, grow=200),
    )

    def column_specs(self, width: int) -> Sequence[ColumnSpec]:
        return self.specs_fitted_to_rows(exact=("field", "value"))


class DetailScreen(LiveModal[None]):
    """Opened with ``enter`` on a flow row; ``escape`` or ``q`` closes it."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="close"),
        Binding("i", "investigate", "Investigate", id="investigate", tooltip="History of this record's source"),
    ]

    def __init__(self, line: str, fmt: Any, rules: Sequence[Any], utc: bool) -> None:
        super().__init__()
        self._line = line
        self._fmt = fmt
        self._rules = rules
        self._utc = utc

    def compose_body(self) -> ComposeResult:
        record = parse_record(self._fmt, self._line)
        with Vertical(id="detail-box", classes="modal-box"):
            yield Static(Content("Flow record"), classes="modal-title", markup=False)
            with VerticalScroll(id="detail-scroll"):
                if record is None:
                    yield Static(Content.styled(
                        f"? malformed: {len(self._line.split())} fields, the format has {self._fmt.nfields}",
                        "bold $warning",
                    ), markup=False)
                else:
                    yield FieldsTable(id="detail-fields")
                yield Static(self._rules_content(), id="detail-rules", markup=False)
                yield Static(id="detail-context", markup=False)
                yield Static(
                    Content.assemble(("raw  ", "bold"), safe_text(self._line, 2000)), id="detail-raw", markup=False
                )

    def on_mount(self) -> None:
        record = parse_record(self._fmt, self._line)
        self.query_one("#detail-context").display = False
        if record is None:
            return
        if self.app.history is not None:
            self._look_up_context(record)
        table = self.query_one("#detail-fields", FieldsTable)
        table.show_cursor = False
        table.sync({
            str(index): (
                Text(name, style="bold"), plain_text(token, limit=200), plain_text(decoded(record, name, self._utc))
            )
            for index, (name, token) in enumerate(zip(record.fmt.names, record.fields))
        })
        table.focus()

    @work(thread=True, exit_on_error=False)
    def _look_up_context(self, record: FlowRecord) -> None:
        """Who the record's interface and addresses are (EC2, through run/'s History access): shown
        under the rules when EC2 knows any of them."""
        lines = []
        for field in ("interface-id", "srcaddr", "dstaddr"):
            subject = subject_for(field, record.get(field))
            about = None if subject is None else self.app.history.about(subject)
            if about:
                lines.append(Content.assemble((f"{field:<13}", "bold"), safe_text(str(subject), 45), "  ",
                                              safe_text(about, 200)))
        if lines:
            self.app.call_from_thread(self._show_context, Content("\n").join([Content.styled("who", "bold"), *lines]))

    def _show_context(self, content: Content) -> None:
        box = self.query_one("#detail-context", Static)
        box.update(content)
        box.display = True

    def action_investigate(self) -> None:
        self.app.open_investigation(subject_of_line(self._fmt, self._line))

    def _rules_content(self) -> Content:
        verdicts = record_matches(self._rules, self._line)
        lines = [Content.styled("rules", "bold")]
        if not verdicts:
            lines.append(Content.styled("  none configured", "$text-muted"))
        for name, hit in verdicts:
            mark = ("  ✔ matches   ", "bold $error") if hit else ("  · no match  ", "$text-muted")
            lines.append(Content.assemble(mark, safe_text(name, 60)))
        return Content("\n").join(lines)
