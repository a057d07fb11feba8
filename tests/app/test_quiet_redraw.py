"""Over a slow link, redraw what changed in meaning (issue 20, point 15): unchanged status and
banner text is not repainted, rates are rounded, the slower panels follow every few ticks and at once
when a rule starts or stops alarming, and the flows table shows a new page every few ticks while
rows arrive faster than a screenful a tick. (The bytes per second: benchmarks/bench_tui.py.)"""

from __future__ import annotations

from tui.app.format import rounded_rate
from tui.app.sample import record
from tui.app.widgets.banners import AlertBanner
from tui.app.widgets.top_panel import TopPanel

from tests.app.conftest import ALL_LINES, ATTACK_LINES, END, NORMAL_LINES, SIZE, build_app, feed, title_text


def count_repaints(widget) -> list[int]:
    """A list whose length grows each time ``widget`` asks to be repainted."""
    calls: list[int] = []
    original = widget.refresh

    def refresh(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    widget.refresh = refresh
    return calls


def test_rates_keep_two_significant_digits():
    assert [rounded_rate(v) for v in (46_250.3, 46_749, 1_234, 85.4, 9.64, None)] == [
        "46.0k", "47.0k", "1,200", "85", "9.6", "-"]


async def test_unchanged_banner_and_status_are_not_repainted():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, ALL_LINES)
        banner = app.screen.query_one(AlertBanner)
        sources = app.screen.query_one("#status-sources")
        banner_paints, source_paints = count_repaints(banner), count_repaints(sources)
        for _ in range(3):
            await feed(pilot)  # nothing new: the same text
        assert banner_paints == [] and source_paints == []
        await feed(pilot, NORMAL_LINES[:5])  # new records: the status line's count changes
        assert source_paints


async def test_slow_panels_every_few_ticks_and_at_once_on_a_new_alarm():
    """The rules panel shows a new alarm on the tick that finds it, whatever the count."""
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        dashboard = app.dashboard
        normal = NORMAL_LINES  # no alarm among them
        await feed(pilot, normal[:-400])
        dashboard.slow_every = 5
        await feed(pilot, normal[-400:-300])  # renders the slow panels if the count is due, then counts anew
        top = app.screen.query_one(TopPanel)
        renders = []
        for index in range(1, 4):
            shown = list(top._rows.values())
            await feed(pilot, normal[-300 + 100 * index - 100:len(normal) - 200 + 100 * index - 100])
            renders.append(list(top._rows.values()) != shown)
        for _ in range(5):
            shown = list(top._rows.values())
            await feed(pilot, normal[-1:])
            renders.append(list(top._rows.values()) != shown)
        assert renders.count(True) in (1, 2) and renders.index(True) >= 3  # once in five ticks, not every tick
        dashboard.slow_every = 1000  # not due for a long time: only the new alarm can make it render
        await feed(pilot, [line for line in ATTACK_LINES if "203.0.113.7" in line])  # ssh-brute-force alarms
        assert "‼ 1 ALARM" in [cells[1].plain for cells in app.screen.query_one("#rules")._rows.values()]


async def test_flows_show_a_new_page_every_few_ticks_while_rows_outrun_the_screen():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        app.dashboard.slow_every = 3
        flows = app.dashboard.flows
        t = END
        await feed(pilot, [record(t, "10.0.0.1", "10.0.0.2", 40000, 443, 6, 1, 60, "ACCEPT")])
        page = flows.selected_line()

        def burst(n: int) -> list[str]:
            nonlocal t
            t += 1
            return [record(t, "10.0.0.1", "10.0.0.2", 40000 + i, 443, 6, 1, 60, "ACCEPT") for i in range(n)]

        await feed(pilot, burst(100))  # a screenful and more: the page stays
        await feed(pilot, burst(100))
        assert flows.selected_line() == page
        await feed(pilot, burst(100))  # the third tick: a new page, and the title says so
        assert flows.selected_line() != page
        assert "a new page every 3s" in title_text(flows)
        page = flows.selected_line()
        await feed(pilot, burst(2))  # a trickle: shown at once
        assert flows.selected_line() != page
        assert "new page" not in title_text(flows)
