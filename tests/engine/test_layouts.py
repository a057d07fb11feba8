"""The engine follows S3 header lines: a file's records are read in the layout of the header before
them, whether the lines come as a chunk of text (replay) or as a batch of lines (the paced TUI)."""

from __future__ import annotations

from tui.engine.engine import Engine, RuleDef
from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.patterns import compile_pattern

from tests.engine.conftest import BASE, flow_lines

CUSTOM = FlowFormat.parse("${srcaddr} ${dstport} ${action} ${start} ${bytes}")


def custom(t: int, src: str = "10.0.0.155") -> str:
    return f"{src} 22 REJECT {t} 100"


def engine() -> Engine:
    """Three REJECTs to port 22 from one source within 300 s raise an alarm, whatever the layout."""
    rule = RuleDef("ssh", compile_pattern("REJECT"), 3, 300, ("srcaddr",))
    return Engine(DEFAULT_FORMAT, [rule], recent_rows=50)


def mixed() -> list[str]:
    return [
        " ".join(DEFAULT_FORMAT.names), *flow_lines(30),
        " ".join(CUSTOM.names), custom(BASE + 10), custom(BASE + 20),
        " ".join(CUSTOM.names), custom(BASE + 30),
        " ".join(DEFAULT_FORMAT.names), *flow_lines(5, seed=4, start=BASE + 40),
    ]


def test_text_and_lines_follow_the_headers_alike():
    by_text, by_lines = engine(), engine()
    lines = mixed()
    alerts_text = by_text.ingest_text("\n".join(lines) + "\n")
    alerts_lines = by_lines.ingest(lines)
    for eng in (by_text, by_lines):
        assert (eng.records, eng.malformed, eng.fmt) == (38, 0, DEFAULT_FORMAT)
    for alerts in (alerts_text, alerts_lines):
        alarms = [alert for alert in alerts if alert.group == {"srcaddr": "10.0.0.155"}]
        assert [alert.state for alert in alarms][:1] == ["ALARM"]
        assert custom(BASE + 30) in alarms[0].samples
    assert [a.to_json() for a in alerts_text] == [a.to_json() for a in alerts_lines]
    assert by_text.snapshot().recent == by_lines.snapshot().recent


def test_the_flows_rows_are_the_current_layouts_records_and_no_header():
    """The flows view reads its rows with the engine's current layout: a switch starts them afresh,
    and a header line is no row."""
    for feed in (lambda eng, lines: eng.ingest_text("\n".join(lines) + "\n"), lambda eng, lines: eng.ingest(lines)):
        eng = engine()
        feed(eng, [" ".join(CUSTOM.names), custom(BASE + 10), custom(BASE + 20)])
        assert eng.snapshot().recent == (custom(BASE + 10), custom(BASE + 20))
        feed(eng, mixed())
        assert eng.fmt == DEFAULT_FORMAT
        assert eng.snapshot().recent == tuple(flow_lines(5, seed=4, start=BASE + 40))
