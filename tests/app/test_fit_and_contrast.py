"""Nothing misread at 80x24 or without colour (issue 20, points 1 to 4), read from the rendered cells:
no address cut without ``…`` on any screen, severity and state words readable with and without
NO_COLOR, labels and values that never run together, the traffic panel's borders, the "terminal too
small" screen, the alert history's order, and the rules cursor that stays on its rule."""

from __future__ import annotations

import re

import pytest
from rich.color import ColorSystem

from tui.app.errorlog import ErrorLog
from tui.app.sample import record, sample_config
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.detail import DetailScreen
from tui.app.screens.errors import ErrorsScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.history import HistoryScreen
from tui.app.screens.rule import RuleScreen
from tui.app.screens.too_small import TooSmallScreen
from tui.app.widgets.rules_panel import RulesPanel
from tui.app.widgets.traffic_panel import TrafficPanel

from tests.app.conftest import (
    ALL_LINES,
    END,
    build_app,
    feed,
    footer_line,
    row_dict,
    rule,
    screen_lines,
    with_rules,
)

ADDRESSES = ("10.0.0.155", "203.0.113.250", "2001:db8:85a3::8a2e:370:7334")
VIEWS = [
    pytest.param(((80, 24), False), id="80x24"),
    pytest.param(((120, 40), False), id="120x40"),
    pytest.param(((80, 24), True), id="80x24-NO_COLOR"),
    pytest.param(((120, 40), True), id="120x40-NO_COLOR"),
]
SEVERITY_WORDS = ("CRITICAL", "HIGH", "MEDIUM", "ALARM")
ADDRESS_RUN = re.compile(r"[0-9a-fA-F.:]{4,}")


@pytest.fixture(params=VIEWS)
def view(request, monkeypatch):
    size, no_color = request.param
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
        monkeypatch.setenv("TERM", "xterm")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return size, no_color


def address_lines(count: int = 4) -> list[str]:
    """``count`` REJECTs from each address, one a second, ending at the sample's last second."""
    lines = []
    for address in ADDRESSES:
        destination = "2001:db8::1" if ":" in address else "10.0.3.10"
        lines += [record(END - 30 + i, address, destination, 50000 + i, 22, 6, 2, 120, "REJECT") for i in range(count)]
    return sorted(lines, key=lambda line: int(line.split()[10]))


def address_app():
    """An app whose one rule groups REJECTs by source and alarms at 3 in a minute (every address)."""
    config = with_rules(sample_config(), rule("rejects-by-source", "REJECT", 3, severity="critical"))
    return build_app(config)


def cut_addresses(lines: list[str]) -> list[tuple[str, str]]:
    """(run, line) for every run of address characters that is a proper prefix of a known address
    and does not end in ``…``: an address that reads as another one."""
    found = []
    for line in lines:
        for match in ADDRESS_RUN.finditer(line):
            run = match.group()
            prefix = any(address != run and address.startswith(run) for address in ADDRESSES)
            if prefix and not line[match.end():].startswith("…"):
                found.append((run, line))
    return found


async def test_no_address_is_cut_without_an_ellipsis_on_any_screen(view):
    size, _ = view
    app = address_app()
    long_error = "cannot publish the alarm for 2001:db8:85a3::8a2e:370:7334 to SNS: " + "timed out " * 20
    app.error_log = ErrorLog(feeds=[lambda snapshot: [("SNS 203.0.113.250", long_error)]])
    async with app.run_test(size=size) as pilot:
        await feed(pilot, address_lines())
        assert {a.group["srcaddr"] for a in app.snapshot.engine.alerts} == set(ADDRESSES)
        seen = {}
        for key, screen in (("", DashboardScreen), ("h", HistoryScreen), ("e", ErrorsScreen),
                            ("question_mark", HelpScreen)):
            if key:
                await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)
            lines = screen_lines(app)
            assert not cut_addresses(lines), (screen.__name__, cut_addresses(lines))
            seen[screen] = "\n".join(lines)
            if key:
                await pilot.press("escape")
        app.screen.query_one(RulesPanel).focus()
        await pilot.press("enter")  # the rule's groups: every address
        assert isinstance(app.screen, RuleScreen)
        await pilot.pause()
        assert not cut_addresses(screen_lines(app)), cut_addresses(screen_lines(app))
        await pilot.press("escape")
        flows = app.screen.query_one("#flows")
        flows.focus()
        flows.move_cursor(next(i for i in range(flows.row_count) if ":" in flows.row_cells(i)["source"]))
        await pilot.press("enter")  # a record from the IPv6 source in detail
        assert isinstance(app.screen, DetailScreen)
        await pilot.pause()
        lines = screen_lines(app)
        assert not cut_addresses(lines), cut_addresses(lines)
        assert any(ADDRESSES[2] in line for line in lines)
        history = seen[HistoryScreen]
        for address in ADDRESSES:  # whole, or cut with … (the check above); never missing
            assert f"srcaddr={address}" in history or f"srcaddr={address[:6]}" in history
        assert "…" in seen[ErrorsScreen]  # the long error is cut with an ellipsis, not silently


async def test_history_keeps_value_and_window_on_screen(view):
    size, _ = view
    app = address_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, address_lines())
        await pilot.press("h")
        table = app.screen.query_one("#history-table")
        shown = {spec.key for spec, _ in table._layout}
        assert {"time", "state", "value", "window", "rule", "group"} <= shown
        text = "\n".join(screen_lines(app))
        for index in range(table.row_count):
            row = row_dict(table, index)
            assert row["value"] in text and row["window"] == "1m"
        assert text.count("3/3") == len(ADDRESSES)


def colour_pairs(app, words):
    """(word, fg, bg, style) of every rendered segment holding one of ``words`` (filters applied)."""
    background = app.screen.styles.background.rich_color
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if segment.style is None or not any(word in segment.text for word in words):
                continue
            yield segment.text, segment.style.color, segment.style.bgcolor or background, segment.style


async def test_severity_and_state_words_read_with_and_without_colour(view):
    size, no_color = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        checked = set()
        for key in ("", "h"):
            if key:
                await pilot.press(key)
                await pilot.pause()
            for text, fg, bg, style in colour_pairs(app, SEVERITY_WORDS):
                checked.update(word for word in SEVERITY_WORDS if word in text)
                if no_color:  # the terminal's own colours (bold and reverse allowed): read on dark and light
                    assert fg is None or fg.is_default, (text, style)
                    assert bg.is_default, (text, style)
                    continue
                fg_index = fg.downgrade(ColorSystem.STANDARD).number if fg is not None else None
                bg_index = bg.downgrade(ColorSystem.STANDARD).number
                assert fg_index != bg_index, (text, style)
                assert {fg_index, bg_index} != {8, 7}, (text, style)  # never grey on grey
        assert {"CRITICAL", "ALARM"} <= checked


async def test_labels_and_values_are_one_span_each(view):
    """A reader that trims each styled span (an SVG screenshot read as text) still sees a space."""
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        texts = [segment.text for strip in app.screen._compositor.render_strips() for segment in strip]
        assert any(re.search(r"ALARM [a-z]", text) for text in texts)
        assert any(re.search(r"ACCEPT \d", text) for text in texts)
        assert any(re.search(r"REJECT \d", text) for text in texts)
        assert any("Flows · newest arrival first" in text for text in texts)
        assert not any(re.search(r"(ALARM|ACCEPT|REJECT|Flows)$", text.rstrip("…")) for text in texts
                       if text.strip() in ("ALARM", "ACCEPT", "REJECT", "Flows"))


async def test_the_traffic_panel_keeps_its_borders_at_80x24(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        panel = app.screen.query_one(TrafficPanel)
        region = panel.region
        lines = [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]
        assert lines[0][0] == "╭" and lines[0][-1] == "╮" and "Traffic" in lines[0]
        assert lines[-1][0] == "╰" and lines[-1][-1] == "╯"
        assert all(line[0] == "│" and line[-1] == "│" for line in lines[1:-1])
        assert "ACCEPT" in "\n".join(lines) and "packets" in "\n".join(lines)


async def test_below_80x24_the_screen_says_the_terminal_is_too_small():
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await feed(pilot, ALL_LINES)
        await pilot.press("h")
        for size in ((60, 18), (79, 24), (80, 23)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert isinstance(app.screen, TooSmallScreen)
            text = "\n".join(screen_lines(app))
            assert f"terminal too small (need 80×24, now {size[0]}×{size[1]})" in text
            assert "bytes 10" not in text
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)  # back where the user was
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_history_says_its_order_and_o_switches_it():
    """Transitions found late (a straggler's alarm) come after newer ones in arrival order."""
    app = address_app()
    late = [record(END - 300 + i, "10.0.0.7", "10.0.3.10", 40000 + i, 22, 6, 2, 120, "REJECT") for i in range(3)]
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, address_lines())
        await feed(pilot, late)  # arrives last, happened first
        await pilot.press("h")
        screen = app.screen
        assert "newest arrival first" in "\n".join(screen_lines(app))
        arrival = [a.group_label for a in screen._alerts]
        assert arrival[0] == "srcaddr=10.0.0.7"
        table = screen.query_one("#history-table")
        table.move_cursor(row=2)
        await pilot.pause()
        chosen = screen.selected
        await pilot.press("o")
        text = "\n".join(screen_lines(app))
        assert "newest event time first" in text
        times = [a.time_ms for a in screen._alerts]
        assert times == sorted(times, reverse=True) and screen._alerts[-1].group_label == "srcaddr=10.0.0.7"
        assert screen.selected is chosen  # the cursor stays on its transition
        assert [row_dict(table, i)["group"] for i in range(table.row_count)] == [a.group_label for a in screen._alerts]
        await pilot.press("o")
        assert [a.group_label for a in screen._alerts] == arrival


async def test_the_rules_cursor_stays_on_its_rule_when_they_re_sort():
    app = build_app()
    normal_then_attack = [line for line in ALL_LINES if "203.0.113.7" not in line]
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, normal_then_attack)
        panel = app.screen.query_one(RulesPanel)
        panel.focus()
        names = [app.config.rules[i].name for i in panel.order]
        target = names.index("reject-storm")
        panel.move_cursor(row=target)
        await pilot.pause()
        await feed(pilot, [line for line in ALL_LINES if "203.0.113.7" in line])  # ssh-brute-force alarms: re-sort
        assert [app.config.rules[i].name for i in panel.order] != names
        assert app.config.rules[panel.selected_rule()].name == "reject-storm"
        await pilot.press("enter")
        assert isinstance(app.screen, RuleScreen)
        assert app.screen._rule.name == "reject-storm"


async def test_the_dashboard_footer_shows_every_key_whole(view):
    """Every key of the dashboard's footer reads whole at 80x24 as at 120x40: `o Order` and `? Keys`
    are never cut into `o Orde? Keys` by one key too many."""
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        footer = await footer_line(pilot, "? Keys")
        for key in ("q Quit", "/ Filter", "h Alerts", "i History", "e Errors", "o Order", "? Keys"):
            assert key in footer, (key, footer)
        assert footer.rstrip().endswith("? Keys")
