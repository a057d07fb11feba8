"""The dashboard's layout at 80x24 (the smallest supported terminal) and at 160x48."""

from __future__ import annotations

from itertools import combinations

import pytest
from textual.widgets import Footer

from tests.app.conftest import ATTACK_LINES, NORMAL_LINES, build_app, feed, row_dict, screen_lines, visible_rows

MAIN = ("#status", "#rules", "#top", "#flows")


def main_widgets(app):
    screen = app.screen
    widgets = {selector: screen.query_one(selector) for selector in MAIN}
    widgets["footer"] = screen.query_one(Footer)
    for optional in ("#alert-banner", "#error-banner", "#traffic", "#filter-bar"):
        widget = screen.query_one(optional)
        if widget.display:
            widgets[optional] = widget
    return widgets


def shown_columns(table) -> list[str]:
    if hasattr(table, "shown_columns"):
        return list(table.shown_columns())
    return [column.key.value for column in table.ordered_columns]


def check_layout(app, size):
    width, height = size
    screen_region = app.screen.region
    assert (screen_region.width, screen_region.height) == size
    widgets = main_widgets(app)
    for name, widget in widgets.items():
        assert widget.display, name
        region = widget.region
        assert region.width > 0 and region.height > 0, (name, region)
        assert screen_region.contains_region(region), (name, region, size)
    for (name_a, a), (name_b, b) in combinations(widgets.items(), 2):
        assert not a.region.overlaps(b.region), (name_a, a.region, name_b, b.region)
    flows = widgets["#flows"]
    body = visible_rows(flows)
    assert body >= 3, (flows.region, body)
    assert flows.row_count >= body
    assert widgets["footer"].region.bottom == height
    # the newest row is actually drawn inside the flows table's region
    lines = screen_lines(app)
    newest = row_dict(flows, 0)
    region = flows.region
    drawn = lines[region.y:region.bottom]
    assert any(newest["time"] in line and newest["source"][:8] in line for line in drawn), drawn
    return body


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_main_widget_is_shown_without_overlap(size):
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, NORMAL_LINES)
        check_layout(app, size)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_layout_with_the_alert_banner_and_the_filter_bar(size):
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        await pilot.press("slash")
        widgets = main_widgets(app)
        assert "#alert-banner" in widgets and "#filter-bar" in widgets
        check_layout(app, size)


async def test_layout_with_the_error_banner_at_80x24():
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.error = "RuntimeError: the feeder stopped"
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        assert "#error-banner" in main_widgets(app)
        check_layout(app, (80, 24))


async def test_resizing_from_large_to_80x24_keeps_the_layout():
    app = build_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        flows = app.screen.query_one("#flows")
        rows_large = check_layout(app, (160, 48))
        columns_large = shown_columns(flows)
        assert flows.region.width == 160
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        rows_small = check_layout(app, (80, 24))
        columns_small = shown_columns(flows)
        # the large terminal's space goes to the flows table: more rows, more columns
        assert rows_large >= rows_small + 15
        assert set(columns_small) < set(columns_large)
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert check_layout(app, (160, 48)) == rows_large
        assert shown_columns(flows) == columns_large
