"""The evidence behind what is on screen (issue 18, point 1): ``enter`` on a rule's group or on an
alert lists every held record that made its value, capped with the cap named; the flows filter says
how far back it searched. Read from the rendered cells, at 80x24 and 120x40, with NO_COLOR too."""

from __future__ import annotations

import dataclasses

import pytest

from tui.app.sample import BRUTE, record, sample_config
from tui.app.screens import evidence
from tui.app.screens.evidence import EvidenceScreen
from tui.app.screens.history import HistoryScreen
from tui.app.screens.rule import RuleScreen
from tui.app.widgets.rules_panel import RulesPanel

from tests.app.conftest import ALL_LINES, END, build_app, feed, rendered, rows, screen_text

SIZES = [(80, 24), (120, 40)]


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_enter_on_a_rule_group_lists_every_record_the_rule_counted(size, no_color):
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        panel = app.screen.query_one(RulesPanel)
        panel.focus()
        index = next(i for i, rule in enumerate(app.config.rules) if rule.name == "ssh-brute-force")
        panel.move_cursor(row=panel.order.index(index))
        await pilot.pause()
        await pilot.press("enter")
        assert isinstance(app.screen, RuleScreen)
        _, value, _ = app.session.busiest_groups(index)[0]
        await pilot.press("enter")  # the busiest group: the brute-forcing source
        assert isinstance(app.screen, EvidenceScreen)
        await settle(pilot)
        table = app.screen.query_one("#evidence-records")
        assert table.row_count == value == 30
        assert all(row["source"] == BRUTE and row["dport"].startswith("22") for row in rows(table))
        text = screen_text(app)
        assert f"{value} records (the rule counted {value})" in text
        assert "held:" in text and "since start" in text  # the line may wrap between the two at 80x24
        assert BRUTE in text
        assert "newest arrival first" in text  # the order is said: the times jump otherwise unexplained

        await pilot.press("enter")  # a record in full
        assert "Flow record" in screen_text(app)
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, RuleScreen)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_enter_on_an_alert_lists_the_records_of_its_alarm_window(size):
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        newest_first = list(reversed(app.snapshot.engine.alerts))
        position = next(i for i, a in enumerate(newest_first) if a.rule == "ssh-brute-force")
        alert = newest_first[position]
        await pilot.press(*["down"] * position)
        await pilot.press("enter")
        assert isinstance(app.screen, EvidenceScreen)
        await settle(pilot)
        table = app.screen.query_one("#evidence-records")
        assert table.row_count == alert.value
        assert f"{alert.value:.0f} records (the rule counted {alert.value:.0f})" in screen_text(app)
        assert "alarm window" in screen_text(app)


async def test_the_cap_on_listed_records_is_named(monkeypatch):
    monkeypatch.setattr(evidence, "EVIDENCE_CAP", 7)
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        app.screen.query_one(RulesPanel).focus()
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert app.screen.query_one("#evidence-records").row_count == 7
        text = screen_text(app)
        assert "30 records" in text and "newest 7 shown (cap 7)" in text


async def test_records_the_session_no_longer_holds_are_said_to_be_missing():
    config = sample_config()
    config = dataclasses.replace(config, limits=dataclasses.replace(config.limits, held_records=20))
    app = build_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await feed(pilot, ALL_LINES)
        app.screen.query_one(RulesPanel).focus()
        await pilot.press("enter", "enter")
        await settle(pilot)
        text = rendered(app.screen.query_one("#evidence-scope"))  # wrapped on screen: read it whole
        assert "not held (cap 20 records)" in text
        assert app.screen.query_one("#evidence-records").row_count < 30


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_f_on_a_rule_filters_every_held_record_not_only_the_tables_rows(size):
    """The report: the rule said 33 and the filter said ``0 shown``. The brute force's records are
    older than the table's newest rows, and the filter finds them all."""
    app = build_app()
    later = [record(END + 1 + i // 2, "10.0.9.9", "10.0.9.10", 40000 + i, 443, 6, 3, 300, "ACCEPT")
             for i in range(400)]
    async with app.run_test(size=size) as pilot:
        await feed(pilot, [*ALL_LINES, *later])
        pattern = app.config.rules[1].pattern
        shown = app.config.display.flows_rows
        assert not any(pattern.matches(line) for line in later[-shown:])  # gone from the table's rows
        panel = app.screen.query_one(RulesPanel)
        panel.focus()
        panel.move_cursor(row=panel.order.index(1))
        await pilot.press("enter", "f")
        await settle(pilot)
        table = app.screen.query_one("#flows")
        matching = [line for line in ALL_LINES if pattern.matches(line)]
        assert table.row_count == len(matching)
        assert sum(row["source"] == BRUTE for row in rows(table)) == 30
        assert f"{len(matching)} matched since start" in screen_text(app)
