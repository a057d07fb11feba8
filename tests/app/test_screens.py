"""The modal screens: record detail (enter), alert history (h, with ack and snooze), help (?)."""

from __future__ import annotations

import dataclasses

from textual.widgets import DataTable

from tui.app.alertbook import pair_key
from tui.app.sample import BRUTE, T0, WEB, record, sample_config
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.detail import DetailScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.history import HistoryScreen
from tui.app.screens.mute import MuteScreen
from tui.app.widgets.samples_pane import SamplesPane
from tui.flowlog import FlowFormat
from tui.flowlog.record import parse_record
from tui.flowlog.summary import record_summary

from tests.app.conftest import (
    ATTACK_LINES,
    END,
    NORMAL_LINES,
    SIZE,
    build_app,
    feed,
    rendered,
    row_dict,
    rows,
    rule,
    screen_text,
    with_rules,
)

V3_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
    "${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${tcp-flags} ${flow-direction}"
)
V3_LINE = (
    f"3 123456789010 eni-0a1b2c3d4e5f60718 {BRUTE} {WEB} 50123 22 6 3 180 {T0 + 5} {T0 + 65} REJECT OK "
    "vpc-0f00ba4 18 ingress"
)


def detail_table(app) -> DataTable:
    return app.screen.query_one("#detail-fields", DataTable)


# -- enter: the detail view ------------------------------------------------------------------------


async def test_enter_opens_the_detail_of_the_selected_row_with_every_field_and_the_rules():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        brute = [line for line in ATTACK_LINES if f" {BRUTE} " in line]
        await feed(pilot, [*NORMAL_LINES[:20], *brute])
        flows = app.screen.query_one("#flows")
        assert app.focused is flows
        await pilot.press("down")  # the second newest row
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        line = brute[-2]
        table = detail_table(app)
        fmt = app.session.engine.fmt
        assert table.row_count == len(fmt.names) == 14
        by_field = {row["field"]: row for row in rows(table)}
        assert list(by_field) == list(fmt.names)
        for name, token in zip(fmt.names, line.split()):
            assert by_field[name]["value"] == token, name
        assert by_field["protocol"]["meaning"] == "TCP"
        assert by_field["dstport"]["meaning"] == "ssh"
        assert "reject" in by_field["action"]["meaning"].lower()
        assert "2023-11-14" in by_field["start"]["meaning"]

        verdicts = rendered(app.screen.query_one("#detail-rules"))
        matched = {name for name in ("ssh-brute-force", "port-scan", "reject-storm", "bastion-http-reject")
                   if any(name in part and "✔" in part for part in verdicts.splitlines())}
        assert matched == {"ssh-brute-force", "port-scan", "reject-storm"}
        assert line in rendered(app.screen.query_one("#detail-raw"))

        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert app.focused is flows


async def test_detail_decodes_tcp_flags_of_a_custom_format():
    fmt = FlowFormat.parse(V3_FORMAT)
    config = with_rules(
        dataclasses.replace(sample_config(), format=fmt),
        rule("any-reject", "REJECT", 1000, group_by=()),
        rule("ssh-from-brute", f"[version, account, eni, src=\"{BRUTE}\", dst, sport, dport=22, ...]", 1000),
        rule("syn-only", "[..., flags=2, direction]", 1000),
    )
    app = build_app(config)
    async with app.run_test(size=SIZE) as pilot:
        assert parse_record(fmt, V3_LINE) is not None
        await feed(pilot, [V3_LINE])
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        by_field = {row["field"]: row for row in rows(detail_table(app))}
        assert list(by_field) == list(fmt.names)
        assert by_field["tcp-flags"]["value"] == "18"
        assert by_field["tcp-flags"]["meaning"] == "SYN-ACK"
        assert by_field["vpc-id"]["value"] == "vpc-0f00ba4"
        assert by_field["flow-direction"]["value"] == "ingress"
        assert by_field["protocol"]["meaning"] == "TCP"
        verdicts = rendered(app.screen.query_one("#detail-rules")).splitlines()
        assert any("any-reject" in part and "✔" in part for part in verdicts)
        assert any("ssh-from-brute" in part and "✔" in part for part in verdicts)
        assert any("syn-only" in part and "✔" not in part for part in verdicts)
        text = screen_text(app)
        assert "SYN-ACK" in text and "tcp-flags" in text


async def test_detail_of_a_malformed_line():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, ["this is not a flow record"])
        assert row_dict(app.screen.query_one("#flows"), 0)["action"].strip().startswith("?")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app)
        assert "malformed" in text
        assert "this is not a flow record" in text
        await pilot.press("q")  # q closes the modal, not the app
        assert isinstance(app.screen, DashboardScreen)
        assert app.is_running


async def test_enter_on_an_empty_table_does_nothing():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, DashboardScreen)


# -- h: the alert history --------------------------------------------------------------------------


async def test_h_lists_every_transition_with_samples_of_the_highlighted_one():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        history = app.snapshot.engine.alerts
        assert len(history) == 3
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#history-table", DataTable)
        assert table.row_count == 3
        newest_first = list(reversed(history))
        for index, alert in enumerate(newest_first):
            row = row_dict(table, index)
            assert row["rule"] == alert.rule
            assert row["group"] == alert.group_label
            assert "ALARM" in row["state"]
            assert row["value"].replace(",", "") == f"{alert.value:.0f}/{alert.threshold:.0f}"
        assert "3 transitions" in screen_text(app)

        samples = app.screen.query_one("#history-samples")
        for index, alert in enumerate(newest_first):
            if index:
                await pilot.press("down")
            await pilot.pause()
            text = rendered(samples)
            assert alert.samples, alert
            title = str(app.screen.query_one(SamplesPane).border_title)
            assert title == f"samples {len(alert.samples)}" or f" of {len(alert.samples)} · tab, ↓ for more" in title
            for sample in alert.samples:  # decoded as the detail view decodes a record
                decoded = record_summary(app.session.engine.fmt, sample, with_date=False)
                assert decoded and decoded in text and sample not in text
            fmt = app.session.engine.fmt
            others = [record_summary(fmt, s, with_date=False) for a in newest_first if a is not alert for s in a.samples]
            assert not any(sample in text for sample in others)


class RecordingDelivery:
    """Stands in for tui.sinks.delivery.Delivery: the mutes the app gives it (tests/sinks checks
    that a mute there silences the notifiers and is journaled)."""

    def __init__(self, mutes=None) -> None:
        self.calls: list[tuple[str, str, float]] = []
        self._mutes = dict(mutes or {})

    def mute(self, rule: str, group: str, until: float) -> None:
        self.calls.append((rule, group, until))

    def mutes(self):
        return self._mutes


async def test_history_a_acks_and_s_mutes_for_a_picked_time_and_unmutes():
    app = build_app()
    app.delivery = delivery = RecordingDelivery()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        banner = app.screen.query_one("#alert-banner")
        assert "ssh-brute-force" in rendered(banner)
        newest_first = list(reversed(app.snapshot.engine.alerts))
        ssh = next(i for i, a in enumerate(newest_first) if a.rule == "ssh-brute-force")
        scan = next(i for i, a in enumerate(newest_first) if a.rule == "port-scan")

        await pilot.press("h")
        table = app.screen.query_one("#history-table", DataTable)
        table.move_cursor(row=ssh)
        await pilot.pause()
        await pilot.press("a")
        assert row_dict(table, ssh)["status"] == "acked"
        assert app.alerts.status(newest_first[ssh]) == "acked"
        assert [pair_key(a) for a in app.alerts.shown] == [pair_key(a) for a in app.alerts.active if a.rule != "ssh-brute-force"]

        table.move_cursor(row=scan)
        await pilot.pause()
        await pilot.press("s")
        assert isinstance(app.screen, MuteScreen)
        assert "srcaddr=198.51.100.23" in screen_text(app) and "4  24h" in screen_text(app)
        await pilot.press("2")  # one hour
        assert isinstance(app.screen, HistoryScreen)
        assert row_dict(table, scan)["status"] == "muted"
        assert [a.rule for a in app.alerts.shown] == ["bastion-http-reject"]
        assert delivery.calls == [("port-scan", "srcaddr=198.51.100.23", END + 3600)]
        assert any("Muted port-scan" in str(n.message) and "for 1h (screen and notifications)" in str(n.message)
                   for n in app._notifications)

        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        text = rendered(banner)
        assert banner.display
        assert "bastion-http-reject" in text and "ssh-brute-force" not in text
        assert "MUTED  port-scan  srcaddr=198.51.100.23  until " in text  # the banner says what is muted

        await pilot.press("h")
        app.screen.query_one("#history-table", DataTable).move_cursor(row=scan)
        await pilot.pause()
        await pilot.press("s")  # on a muted pair: lifts the mute
        assert isinstance(app.screen, HistoryScreen)
        assert delivery.calls[-1] == ("port-scan", "srcaddr=198.51.100.23", 0.0)
        assert app.alerts.muted == [] and "port-scan" in [a.rule for a in app.alerts.shown]

        await pilot.press("s", "escape")  # the picker's escape: nothing muted
        assert isinstance(app.screen, HistoryScreen) and app.alerts.muted == []


async def test_mutes_of_an_earlier_run_are_shown_at_start():
    until = END + 600
    app = build_app()
    delivery = RecordingDelivery({("port-scan", "srcaddr=198.51.100.23"): until})
    app = type(app)(app.session, app.config, clock=app.now, live=False, delivery=delivery)
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        assert app.alerts.muted == [(("port-scan", "srcaddr=198.51.100.23"), until)]
        assert "port-scan" not in [a.rule for a in app.alerts.shown]
        assert "MUTED  port-scan" in rendered(app.screen.query_one("#alert-banner"))


async def test_history_without_transitions():
    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await feed(pilot, NORMAL_LINES[:100])
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        assert "No alert transitions" in rendered(app.screen.query_one("#history-samples"))
        await pilot.press("a", "s")  # nothing selected: no crash
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_history_ack_of_a_pair_that_has_cleared_says_so():
    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        await feed(pilot, [record(END + 1200, "10.0.1.1", "10.0.1.2", 40000, 443, 6, 1, 60, "ACCEPT")])
        assert app.alerts.active == []
        await pilot.press("h")
        table = app.screen.query_one("#history-table", DataTable)
        assert table.row_count == 6
        table.move_cursor(row=3)  # an old ALARM transition
        await pilot.pause()
        await pilot.press("a")
        assert any("not alarming" in str(n.message) for n in app._notifications)


# -- ?: help ---------------------------------------------------------------------------------------


async def test_question_mark_lists_every_dashboard_key():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES[:50])
        dashboard = app.screen
        expected = {}
        for node in (app, dashboard, dashboard.query_one("#flows")):
            for binding in type(node).BINDINGS:
                if binding.id:
                    expected[binding.id] = (binding.description, app.get_key_display(binding))
        assert {"pause", "filter", "clear_filter", "ack", "history", "top_next", "top_bytes", "clock", "detail",
                "quit", "help"} <= set(expected)

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table", DataTable)
        listed = [(row["key"].split(", "), row["what it does"]) for row in rows(table)]
        keys = [key for row_keys, _ in listed for key in row_keys]
        for binding_id, (description, key) in expected.items():
            assert key in keys, (binding_id, key, keys)
            assert any(key in row_keys and text.startswith(description) for row_keys, text in listed), (binding_id, description)
        assert len(keys) == len(set(keys)), keys  # each key listed once

        await pilot.press("question_mark")  # ? closes it again
        assert isinstance(app.screen, DashboardScreen)


async def test_escape_closes_each_modal():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES[:100])
        flows = app.screen.query_one("#flows")
        for key, screen in [("question_mark", HelpScreen), ("h", HistoryScreen), ("enter", DetailScreen)]:
            shown = flows.row_count
            await pilot.press(key)
            assert isinstance(app.screen, screen)
            assert len(app.screen_stack) == 2
            await feed(pilot, NORMAL_LINES[shown:shown + 50])  # ticks while the dashboard is covered
            await pilot.press("escape")
            assert app.screen is app.dashboard, key
            assert len(app.screen_stack) == 1
            assert app.is_running
            await pilot.pause()
            assert flows.row_count == shown + 50  # rendered again on the way back
