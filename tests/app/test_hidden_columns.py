"""A table too narrow for all its columns says so: the last shown column's header ends with ``+N``
where the width allows, never at the cost of a column; tables leave their scrollbar's cell free, so
no horizontal scrollbar takes a row at 80x24. Read from the rendered cells as well as the layouts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.app.columns import CELL_PADDING, ColumnSpec, fit_columns, fit_marked
from tui.app.sample import BRUTE, sample_config

from tests.app.conftest import ALL_LINES, build_app, feed, screen_lines, select_flow_from, settle

SPECS = (
    ColumnSpec("action", "action", 8),
    ColumnSpec("peer", "peer", 15, grow=24),
    ColumnSpec("bytes", "bytes", 8, priority=2),
    ColumnSpec("pkts", "pkts", 6, priority=3),
    ColumnSpec("last", "last", 8, priority=4),
)


def cells(layout) -> int:
    return sum(width + 2 * CELL_PADDING for _, width in layout)


def test_every_column_shown_has_no_mark():
    layout = fit_marked(SPECS, 200)
    assert [spec.label for spec, _ in layout] == [spec.label for spec in SPECS]


def test_the_mark_fits_in_the_last_columns_own_width():
    layout = fit_marked(SPECS, 10 + 17 + 10)  # action, peer, bytes at their narrowest
    assert [spec.label for spec, _ in layout] == ["action", "peer", "bytes +2"]
    assert layout == (*fit_columns(SPECS, 37)[:-1], (SPECS[2]._replace(label="bytes +2"), 8))


def test_the_mark_takes_width_a_growable_column_had_spare_not_a_column():
    specs = (ColumnSpec("peer", "peer", 15, grow=24), ColumnSpec("b", "b", 1), ColumnSpec("x", "x", 30, priority=2))
    layout = fit_marked(specs, 17 + 3 + 10)  # 10 cells no column needs: the peer column took them
    assert [(spec.label, width) for spec, width in layout] == [("peer", 22), ("b +1", 4)]
    assert cells(layout) == 30


def test_a_table_too_tight_for_the_mark_keeps_its_columns_unmarked():
    specs = (ColumnSpec("peer", "peer", 15), ColumnSpec("b", "b", 1), ColumnSpec("x", "x", 30, priority=2))
    assert fit_marked(specs, 17 + 3 + 1) == fit_columns(specs, 21)


@given(
    st.lists(st.tuples(st.integers(1, 20), st.integers(0, 5), st.integers(0, 30)), min_size=1, max_size=8),
    st.integers(1, 160),
)
def test_the_mark_never_costs_a_column_nor_the_width(columns, width):
    specs = [ColumnSpec(f"c{index}", f"c{index}", size, priority, grow) for index, (size, priority, grow) in enumerate(columns)]
    plain, marked = fit_columns(specs, width), fit_marked(specs, width)
    assert [spec.key for spec, _ in marked] == [spec.key for spec, _ in plain]
    hidden = len(specs) - len(plain)
    labels = [spec.label for spec, _ in marked]
    assert labels[:-1] == [spec.label for spec, _ in plain][:-1]
    assert labels[-1] in (plain[-1][0].label, f"{plain[-1][0].label} +{hidden}")
    if labels[-1] != plain[-1][0].label:
        assert hidden and cells(marked) <= max(width, cells(plain)) and marked[-1][1] >= len(labels[-1])


def header_line(app, first: str) -> str:
    return next(line for line in screen_lines(app) if first in line.split())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_historys_peers_keep_when_and_say_what_is_hidden(local_app, size, no_color):
    app = local_app
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        await select_flow_from(pilot, BRUTE)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one("#investigate-peers")
        header = header_line(app, "action")
        last_times = {peer.last.strftime("%H:%M:%S") for peer in app.screen.answer.peers}
        shown = [line for line in screen_lines(app) if "REJECT" in line and " out " in line]
        assert shown and all(any(time in line for time in last_times) for line in shown)  # "last" on screen
        if size[0] == 80:
            assert "last +2" in header and "proto" not in header and "pkts" not in header
        else:
            assert "+" not in header and "proto" in header and "pkts" in header
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no horizontal scrollbar
        assert table.scrollable_content_region.height == table.content_region.height  # its row is the table's


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_flows_header_says_how_many_columns_are_hidden(size, no_color):
    app = build_app(sample_config())
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        await pilot.pause()
        header = header_line(app, "time")
        if size[0] == 80:  # time, action, addresses, port and bytes kept; the other four counted
            assert "bytes +4" in header and "proto" not in header
        else:
            assert "src port +1" in header and "interface" not in header
