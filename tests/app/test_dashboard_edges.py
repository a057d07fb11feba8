"""What a new on-call user tripped over on the dashboard (issue 13), each checked at 80x24 and
120x40, with and without NO_COLOR."""

from __future__ import annotations

import pytest
from rich.color import ColorSystem
from textual.widgets._footer import FooterKey

from tui.app.drill import key_filter
from tui.app.format import human_count
from tui.app.sample import FrozenClock, sample_config
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.detail import DetailScreen
from tui.app.screens.errors import ErrorsScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.history import HistoryScreen
from tui.app.screens.rule import RuleScreen
from tui.app.widgets.filter_bar import FilterBar
from tui.app.widgets.live_top import LiveTop
from tui.app.widgets.rules_panel import RulesPanel, group_label
from tui.app.widgets.top_panel import TopPanel
from tui.sources.follower import FollowerStatus

from tests.app.conftest import (
    ALL_LINES,
    ATTACK_LINES,
    END,
    NORMAL_LINES,
    build_app,
    feed,
    footer_line,
    paste,
    rendered,
    rule,
    screen_lines,
    title_text,
    with_rules,
)

VIEWS = [
    pytest.param(((80, 24), False), id="80x24"),
    pytest.param(((120, 40), False), id="120x40"),
    pytest.param(((80, 24), True), id="80x24-NO_COLOR"),
    pytest.param(((120, 40), True), id="120x40-NO_COLOR"),
]


@pytest.fixture(params=VIEWS)
def view(request, monkeypatch):
    """(size, no_color) for one test run; NO_COLOR is read (and removed) by the App when it is made."""
    size, no_color = request.param
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return size, no_color


def region_lines(app, widget) -> list[str]:
    region = widget.region
    return [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]


def footer_actions(app) -> list[str]:
    return [key.action for key in app.screen.query(FooterKey)]


# -- rules panel -----------------------------------------------------------------------------------


async def test_rules_panel_never_cuts_a_value_and_gives_names_the_free_width(view):
    size, _ = view
    long_name = "accepted-bytes-per-source-address"
    config = with_rules(sample_config(),
                        rule(long_name, "[..., action=ACCEPT, status]", 5e9, measure="sum", field="bytes",
                             window_s=300),
                        rule("rejects", "[..., action=REJECT, status]", 3))
    app = build_app(config)
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        panel = app.screen.query_one(RulesPanel)
        drawn = "\n".join(region_lines(app, panel))
        values = [cells[2].plain for cells in panel._rows.values()]
        assert any(value.endswith("/5.0G") for value in values), values
        for value in values:
            assert value in drawn, (value, drawn)  # whole, never cut
        if size[0] >= 120:
            assert long_name in drawn  # there is room: the whole name
        else:
            assert long_name[:10] in drawn and "…" in drawn  # cut, and visibly so


# -- modals: live status and banners, their own keys, ? everywhere ---------------------------------


async def test_a_tick_before_a_modals_top_has_its_children_waits_for_them(view):
    """A tick (or the dashboard's resume) can reach a modal screen whose LiveTop is in the DOM but not
    composed yet: it skips it (it raised NoMatches, which ends the app), and the top shows on mount."""
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, NORMAL_LINES)
        await pilot.press("h")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        late = LiveTop(id="late-top")
        waiting = screen.mount(late, before=0)  # in the DOM now, its children once the mount is awaited
        app.show_live_top()  # what a tick does on a modal screen
        await waiting
        app.show_live_top()
        await pilot.pause()
        clock = rendered(late.query_one("#status-clock"))
        assert clock.strip() and clock == rendered(screen.query_one("#live-top").query_one("#status-clock"))


async def test_a_modal_keeps_the_status_line_and_banners_live(view):
    size, _ = view
    clock = FrozenClock(END)
    app = build_app(clock=clock)
    async with app.run_test(size=size) as pilot:
        await feed(pilot, NORMAL_LINES)
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        top = app.screen.query_one(LiveTop)
        before = rendered(top.query_one("#status-clock"))
        assert not top.query_one("#alert-banner").display
        clock.now += 65
        await feed(pilot, ATTACK_LINES)  # a tick while the history covers the dashboard
        assert isinstance(app.screen, HistoryScreen)
        assert rendered(top.query_one("#status-clock")) != before  # the clock moved
        banner = top.query_one("#alert-banner")
        assert banner.display and "ALARM" in rendered(banner)  # the new alarm is seen at once
        assert any("ALARM" in line for line in screen_lines(app)[:4])


MODALS = [
    ("h", HistoryScreen, {"ack_selected", "snooze_selected", "dismiss"}),
    ("e", ErrorsScreen, {"dismiss"}),
    ("enter", DetailScreen, {"dismiss"}),
]


@pytest.mark.parametrize(("key", "screen", "own"), MODALS, ids=[m[1].__name__ for m in MODALS])
async def test_every_modal_shows_its_own_keys_and_question_mark_works_there(view, key, screen, own):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        await pilot.press(key)
        assert isinstance(app.screen, screen)
        actions = set(footer_actions(app))
        assert own <= actions, actions
        assert "pause" not in actions and "filter" not in actions  # not the dashboard's keys
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        listed = rendered_table(app.screen.query_one("#help-table"))
        assert "Close" in listed
        await pilot.press("question_mark")
        assert isinstance(app.screen, screen)


async def fed_with_filter_typed(pilot, text: str) -> None:
    """Feed the sample, open the filter bar and paste ``text`` into it (not applied yet)."""
    await feed(pilot, ALL_LINES)
    await pilot.press("slash")
    await paste(pilot, text)


def rendered_table(table) -> str:
    return "\n".join(" ".join(cell.plain for cell in table.get_row_at(i)) for i in range(table.row_count))


async def test_the_80_column_footer_keeps_quit_with_a_filter_set(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await fed_with_filter_typed(pilot, "REJECT")
        await pilot.press("enter")
        assert app.screen.query_one("#flows").pattern_text == "REJECT"
        [quit_key] = [key for key in app.screen.query(FooterKey) if key.action == "quit"]
        assert app.screen.region.contains_region(quit_key.region)
        assert "q Quit" in await footer_line(pilot, "q Quit")


@pytest.mark.parametrize("where", ["dashboard", "history", "filter input"])
async def test_ctrl_c_quits_through_the_same_path_as_q(view, where):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        if where == "history":
            await pilot.press("h")
        elif where == "filter input":
            await pilot.press("slash")
        exits = []
        app.exit = lambda *args, **kwargs: exits.append(args)  # action_quit's one call
        await pilot.press("ctrl+c")
        assert exits == [()]


# -- errors: a place to read them in full ----------------------------------------------------------


LONG_ERROR = ("log group /vpc/flow-logs/production-eu-west-1/all-interfaces not found in eu-west-1: "
              "check the name, the region (--region) and the account of the credentials in use")


async def test_a_cut_status_error_can_be_read_in_full(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        status = FollowerStatus("/vpc/flow-logs/production-eu-west-1/all-interfaces", "error", None, 0.0, None, None,
                                0, 3, 0.0, LONG_ERROR, 0, 3)
        app.session.set_sources([status])
        await feed(pilot)
        assert "1 error: e" in screen_lines(app)[0]  # the hint is never cut (right-hand side)
        assert LONG_ERROR not in screen_lines(app)[0]  # ...while the error itself is
        await pilot.press("e")
        assert isinstance(app.screen, ErrorsScreen)
        assert LONG_ERROR in rendered(app.screen.query_one("#errors-text")).replace("\n", " ")
        app.session.set_sources([status.__class__(**{**status.__dict__, "state": "ok", "last_error": None})])
        await feed(pilot)
        assert "error" not in screen_lines(app)[0].split("│")[-1]  # healed: the hint goes


def test_more_error_sources_can_feed_the_errors_screen():
    app = build_app()
    app.error_log.feeds.append(lambda snapshot: [("sns", "publish denied: the IAM principal needs sns:Publish")])
    app.refresh_view.__func__  # noqa: B018  (the app is not running: feed the log directly)
    snapshot = app.session.snapshot()
    app.error_log.update(snapshot, END)
    assert [(entry.where, entry.text) for entry in app.error_log.entries] == [
        ("sns", "publish denied: the IAM principal needs sns:Publish")
    ]


# -- NO_COLOR: borders and empty sparkline bars stay visible ---------------------------------------


async def test_borders_and_empty_bars_are_never_drawn_in_the_background_colour(view):
    """As a 16-colour terminal (TERM=xterm) shows them: NO_COLOR drew borders SGR 30 on 40."""
    size, no_color = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, NORMAL_LINES[-200:])
        screen_background = app.screen.styles.background.rich_color
        checked = 0
        for strip in app.screen._compositor.render_strips():  # the line filters (NO_COLOR) applied
            for segment in strip:
                style = segment.style
                if style is None or style.color is None or segment.text[:1] not in set("╭╮╰╯│─┏┓┗┛┃━▁"):
                    continue
                if no_color:  # the terminal's own colours, which read on any theme
                    assert style.color.is_default and (style.bgcolor is None or style.bgcolor.is_default)
                    checked += 1
                    continue
                fg = style.color.downgrade(ColorSystem.STANDARD).number  # the 16-colour index
                bg = (style.bgcolor or screen_background).downgrade(ColorSystem.STANDARD).number
                assert fg != bg, (segment.text, style, no_color)
                checked += 1
        assert checked > 50


# -- flows order, sparkline horizon, focus, filter wording, palette --------------------------------


async def test_flows_order_is_stated_and_event_time_order_is_a_toggle(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, list(reversed(NORMAL_LINES[-60:])))  # arrival order is not event-time order
        flows = app.screen.query_one("#flows")
        assert "newest arrival first" in title_text(flows)
        await pilot.press("o")
        assert "latest event time first" in title_text(flows)
        times = [flows._event_times[seq] for seq, _ in flows._shown]
        assert times == sorted(times, reverse=True) and len(set(times)) > 1
        await pilot.press("o")
        assert "newest arrival first" in title_text(flows)


async def test_sparklines_show_one_minute_a_bar_and_say_so(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        traffic = app.screen.query_one("#traffic")
        title = title_text(traffic)
        assert "totals since start" in title
        sparks = list(traffic.query("Sparkline"))
        if sparks[0].display and sparks[0].content_region.width:
            width = sparks[0].content_region.width
            assert f"one a minute, last {width}m" in title
            assert all(len(spark.data) == width for spark in sparks)
        panel = app.screen.query_one(RulesPanel)
        spark = next((w for spec, w in panel._layout if spec.key == "spark"), 0)
        if spark:
            assert f"matches per minute, last {spark}m" in title_text(panel)


async def test_tab_moves_a_focus_that_shows_without_colour(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        panels = [app.screen.query_one(selector) for selector in ("#rules", "#top", "#flows")]
        for _ in range(3):
            await pilot.press("tab")
            focused = app.focused
            assert focused in panels
            for panel in panels:
                edge = panel.styles.border_top[0]
                assert edge == ("heavy" if panel is focused else "round"), (panel.id, edge)


async def test_filter_bar_says_when_the_filter_is_applied(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await fed_with_filter_typed(pilot, "REJECT")
        hint = app.screen.query_one("#filter-error")
        assert "enter applies it" in rendered(hint)
        await pilot.press("enter")
        assert "applied" in rendered(hint) and "enter applies" not in rendered(hint)
        await pilot.press("slash")
        await paste(pilot, " -NODATA")
        assert "enter applies it" in rendered(hint)


async def test_the_palette_lists_keys_once(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles.count("Keys") == 1 and "Keys and help" not in titles


# -- enter drills down -----------------------------------------------------------------------------


async def focus_fed(pilot, panel_type):
    """Feed the sample, focus the dashboard's ``panel_type`` panel, return it."""
    await feed(pilot, ALL_LINES)
    panel = pilot.app.screen.query_one(panel_type)
    panel.focus()
    await pilot.pause()
    return panel


async def test_enter_on_a_rule_shows_its_groups_and_f_filters_the_flows_by_it(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        panel = await focus_fed(pilot, RulesPanel)
        index = panel.selected_rule()
        name = app.config.rules[index].name
        await pilot.press("enter")
        assert isinstance(app.screen, RuleScreen)
        groups = app.screen.query_one("#rule-groups")
        alarmed = {a.group_label for a in app.snapshot.engine.alerts if a.rule == name}
        rule = app.config.rules[index]
        live = {group_label(rule.group_by, key): value for key, value, _ in app.session.busiest_groups(index)}
        rows = [groups.get_row_at(i) for i in range(groups.row_count)]
        labels = [str(row[0]) for row in rows]
        assert len(labels) == len(set(labels)) and set(labels) == set(live) | alarmed and alarmed
        for row in rows:  # a live group shows its value now
            if str(row[0]) in live:
                assert str(row[2]) == human_count(live[str(row[0])])
        first = app.screen._groups[0]
        expected = "REJECT 203.0.113.7" if first.alert is not None else "No alert for this group"
        assert expected in rendered(app.screen.query_one("#rule-samples"))
        await pilot.press("f")
        assert isinstance(app.screen, DashboardScreen)
        flows = app.screen.query_one("#flows")
        assert flows.pattern_text == app.config.rules[index].pattern_text
        assert app.screen.query_one(FilterBar).applied == flows.pattern_text


async def test_enter_on_a_top_row_filters_the_flows_to_that_key(view):
    size, _ = view
    app = build_app()
    async with app.run_test(size=size) as pilot:
        top = await focus_fed(pilot, TopPanel)
        key = top.selected_key()
        await pilot.press("enter")
        flows = app.screen.query_one("#flows")
        assert flows.pattern_text == key_filter(app.session.engine.fmt, top.dimension_name, key)
        await feed(pilot, ALL_LINES[-500:])
        assert flows.row_count > 0
        assert {flows.row_cells(i)["source"] for i in range(flows.row_count)} == {key}


@pytest.mark.parametrize(("setting", "inherited", "expected"), [
    ("never", False, True), ("always", True, False), ("auto", True, True), ("auto", False, False),
])
def test_display_color_decides_no_color(monkeypatch, setting, inherited, expected):
    import dataclasses

    monkeypatch.setenv("NO_COLOR", "1")  # recorded, so whatever the app sets is undone after the test
    if not inherited:
        monkeypatch.delenv("NO_COLOR")
    base = sample_config()
    config = dataclasses.replace(base, display=dataclasses.replace(base.display, color=setting))
    assert build_app(config).no_color is expected


def test_a_rule_views_peak_includes_the_open_episodes_value_now():
    from tui.app.screens.rule import GroupRow
    from tui.rules.alerts import Alert

    alarm = Alert(rule="r", state="ALARM", group={"srcaddr": "a"}, value=20, threshold=20, window_s=60,
                  measure="count", time_ms=0, first_ms=0, last_ms=0, peak=20, episode_start_ms=0)
    assert GroupRow("srcaddr=a", 23, True, alarm).peak == 23  # still alarming: it has grown
    assert GroupRow("srcaddr=a", 5, False, alarm).peak == 20  # cleared since: the alert's peak
    assert GroupRow("srcaddr=a", None, False, None).peak is None
