"""The mutes view (issue 20, point 11): every running mute listed (rule, group, until, time left) at
80x24 and 120x40, with and without NO_COLOR, and lifted from there: on screen, in the notifiers and
in the alert journal, so a restart does not bring it back."""

from __future__ import annotations

from tui.app.app import FlowtailApp
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.help import binding_rows
from tui.app.screens.mutes import MutesScreen
from tui.sinks.delivery import Delivery
from tui.sinks.journal import Journal

from tests.app.conftest import END, build_app, feed, row_dict, screen_lines, screen_text
from tests.app.test_fit_and_contrast import ADDRESSES, cut_addresses, view  # noqa: F401 - fixture

LONG = ("rejects-by-source", f"srcaddr={ADDRESSES[2]}")  # the IPv6 address: the longest group
SHORT = ("port-scan", f"srcaddr={ADDRESSES[0]}")


def journaled_app(path) -> tuple[FlowtailApp, Delivery]:
    """An app over a delivery (no notifiers) whose journal is ``path``, as a restart would build it."""
    base = build_app()
    delivery = Delivery(Journal(path, clock=base.now), {}, clock=base.now)
    return FlowtailApp(base.session, base.config, clock=base.now, live=False, delivery=delivery), delivery


async def test_m_lists_every_mute_and_u_and_enter_lift_them_for_good(view, tmp_path):  # noqa: F811
    size, _ = view
    path = tmp_path / "alerts.jsonl"
    Journal(path).mute(*LONG, END + 4 * 3600)  # an earlier run's mute
    app, delivery = journaled_app(path)
    assert Journal(path, clock=app.now).mutes() == {LONG: END + 4 * 3600}
    async with app.run_test(size=size) as pilot:
        await feed(pilot)
        app.mute(SHORT, 600)  # this run's: ends first
        described = {row.key: row.description for row in binding_rows(app.screen)}
        assert "Every running mute" in described["m"]  # on the keys screen (not in the footer)
        await pilot.press("m")
        assert isinstance(app.screen, MutesScreen)
        await pilot.pause()
        table = app.screen.query_one("#mutes-table")
        assert [row_dict(table, i)["rule"] for i in range(table.row_count)] == ["port-scan", "rejects-by-source"]
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert "Mutes: 2 running" in text
        assert not cut_addresses(lines), cut_addresses(lines)
        for address in ADDRESSES[0], ADDRESSES[2]:  # whole, or cut with … (checked above)
            assert address in text or f"srcaddr={address[:6]}" in text
        assert "10m" in text and "4h" in text  # time left, never cut
        until = row_dict(table, 1)["until"]
        assert until in text and len(until) == len("2026-01-01 00:00:00")
        footer = lines[-1]
        assert {row.key for row in binding_rows(app.screen)} >= {"u", "esc, q", "?"}
        assert "u Unmute" in footer and "Close" in footer and "? Keys" in footer

        await pilot.press("u")  # the highlighted (first) one
        assert app.alerts.muted == [(LONG, END + 4 * 3600)]
        assert delivery.mutes() == {LONG: END + 4 * 3600}
        assert "Mutes: 1 running" in screen_text(app) and table.row_count == 1
        await pilot.press("enter")
        assert app.alerts.muted == [] and delivery.mutes() == {}
        assert "No mutes running" in screen_text(app)
        await pilot.press("u")  # nothing left to lift: nothing happens
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)

    assert Journal(path, clock=app.now).mutes() == {}  # the lifts were journaled
    restarted, _ = journaled_app(path)
    async with restarted.run_test(size=size) as pilot:
        await feed(pilot)
        assert restarted.alerts.muted == []
        await pilot.press("m")
        assert "No mutes running" in screen_text(restarted)


async def test_a_mute_notice_names_the_key_that_lists_them(tmp_path):
    app, _ = journaled_app(tmp_path / "alerts.jsonl")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await feed(pilot)
        app.mute(SHORT, 3600)
        await pilot.pause()
        assert any("for 1h (screen and notifications); m lists the mutes" in str(n.message) for n in app._notifications)
        assert Journal(tmp_path / "alerts.jsonl", clock=app.now).mutes() == {SHORT: END + 3600}
