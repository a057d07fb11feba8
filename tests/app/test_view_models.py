"""The UI's plain-Python parts: the flows buffer (which lines are new), text sanitising, formatting."""

from __future__ import annotations

import pytest

from tui.app.flows import FlowBuffer, flow_row, port_label, protocol_label
from tui.app.format import duration, human_bytes, human_count, severity
from tui.app.safe import REPLACEMENT, plain_text, safe_text
from tui.app.sample import BRUTE, T0, WEB, record
from tui.flowlog import DEFAULT_FORMAT


def numbered(buffer: FlowBuffer) -> list[tuple[int, str]]:
    return list(buffer.rows)


def test_flow_buffer_numbers_only_the_new_lines():
    buffer = FlowBuffer(5)
    assert buffer.update(("a", "b", "c"), 3) == 3
    assert numbered(buffer) == [(0, "a"), (1, "b"), (2, "c")]
    assert buffer.update(("a", "b", "c"), 3) == 0
    assert buffer.update(("b", "c", "d", "e"), 5) == 2  # the engine dropped "a" (its window is 4)
    assert numbered(buffer) == [(0, "a"), (1, "b"), (2, "c"), (3, "d"), (4, "e")]
    assert [seq for seq, _ in buffer.newest_first()] == [4, 3, 2, 1, 0]


def test_flow_buffer_repeated_lines_are_new_lines():
    buffer = FlowBuffer(10)
    buffer.update(("x", "x"), 2)
    assert buffer.update(("x", "x", "x"), 3) == 1
    assert [line for _, line in buffer.rows] == ["x", "x", "x"]


def test_flow_buffer_counts_lines_that_came_and_went_between_two_updates():
    """More lines than the engine keeps arrived since the last update: all of them are new (the
    paused flows table counts them), though only the kept ones can be shown."""
    buffer = FlowBuffer(3)
    buffer.update(("a", "b", "c"), 3)
    assert buffer.update(("h", "i", "j"), 10) == 7
    assert [line for _, line in buffer.rows] == ["h", "i", "j"]
    assert buffer.update(("i", "j", "k"), 11) == 1


def test_safe_text_replaces_control_characters_and_keeps_markup():
    text = "[red]a\x1b[31mb\x07c\x00d\x7fe\x9bf\tg\nh[/] [$accent]"
    safe = safe_text(text)
    assert safe == "[red]a" + REPLACEMENT + "[31mb" + REPLACEMENT + "c" + REPLACEMENT + "d" + REPLACEMENT + "e" \
        + REPLACEMENT + "f" + REPLACEMENT + "g" + REPLACEMENT + "h[/] [$accent]"
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in safe)
    assert safe_text(None) == "-"
    assert safe_text("x" * 10, limit=5) == "xxxx…"
    cell = plain_text("[bold]x\x1b")
    assert cell.plain == "[bold]x" + REPLACEMENT
    assert cell.spans == []


def test_flow_row_cells_for_a_default_record():
    row = flow_row(DEFAULT_FORMAT, record(T0, BRUTE, WEB, 50000, 22, 6, 2, 1500, "REJECT"), utc=True)
    cells = [cell.plain for cell in row.cells]
    assert row.reject
    assert "22:13:20" in cells
    assert BRUTE in cells and WEB in cells
    assert "22 ssh" in cells and "TCP" in cells and "1.5 kB" in cells
    assert any("REJECT" in cell for cell in cells)


def test_flow_row_of_a_malformed_line_keeps_the_line():
    row = flow_row(DEFAULT_FORMAT, "not a record [red]", utc=True)
    assert not row.reject
    assert any("not a record [red]" in cell.plain for cell in row.cells)


@pytest.mark.parametrize("port, protocol, label", [(22, 6, "22 ssh"), (443, 6, "443 https"), (3306, 6, "3306 mysql"),
                                                   (51234, 6, "51234"), (None, 6, "-")])
def test_port_label(port, protocol, label):
    assert port_label(port, protocol) == label


def test_protocol_and_number_formatting():
    assert protocol_label(6) == "TCP" and protocol_label(17) == "UDP" and protocol_label(1) == "ICMP"
    assert protocol_label(None) == "-"
    assert human_bytes(999) == "999 B" and human_bytes(1500) == "1.5 kB" and human_bytes(None) == "-"
    assert human_count(9999) == "9,999" and human_count(12_345) == "12.3k"
    assert duration(45) == "45s" and duration(300) == "5m" and duration(5400) == "1h30m"
    for name in ("critical", "high", "medium", "low", "info"):
        glyph, label, _ = severity(name)
        assert glyph and label == name.upper()
