"""A rule's description (runbook text) goes where on-call looks (issue 20, point 8): the rule view,
above the alert's samples in the history, and with the alert into the journal (and so across a
restart). The headless line is checked in tests/test_replay.py, the SNS message in tests/sinks."""

from __future__ import annotations

import dataclasses

from tui.app.sample import sample_config
from tui.app.screens.history import HistoryScreen
from tui.app.screens.rule import RuleScreen
from tui.app.widgets.rules_panel import RulesPanel
from tui.sinks.journal import Journal, JournalEntry

from tests.app.conftest import ALL_LINES, SIZE, build_app, feed, rendered, screen_text, with_rules

RUNBOOK = "Block 203.0.113.0/24 at the NACL if it persists; page #netsec. See wiki/ssh-brute-force."


def described_config():
    config = sample_config()
    rules = tuple(dataclasses.replace(r, description=RUNBOOK) if r.name == "ssh-brute-force" else r
                  for r in config.rules)
    return with_rules(config, *rules)


async def test_the_rule_view_and_the_history_show_the_description():
    app = build_app(described_config())
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, ALL_LINES)
        alert = next(a for a in app.snapshot.engine.alerts if a.rule == "ssh-brute-force")
        assert alert.description == RUNBOOK and alert.to_json()["description"] == RUNBOOK

        panel = app.screen.query_one(RulesPanel)
        panel.focus()
        panel.move_cursor(row=[app.config.rules[i].name for i in panel.order].index("ssh-brute-force"))
        await pilot.press("enter")
        assert isinstance(app.screen, RuleScreen)
        assert f"about    {RUNBOOK}" in rendered(app.screen.query_one("#rule-definition"))
        await pilot.press("escape", "h")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#history-table")
        table.move_cursor(row=[a.rule for a in app.screen._alerts].index("ssh-brute-force"))
        await pilot.pause()
        assert f"about {RUNBOOK}" in rendered(app.screen.query_one(".samples-about"))
        assert "wiki/ssh-brute-force" in screen_text(app)  # wrapped, not cut


def test_the_journal_keeps_the_description(tmp_path):
    app = build_app(described_config())
    app.session.ingest(list(ALL_LINES))
    alert = next(a for a in app.session.snapshot().engine.alerts if a.rule == "ssh-brute-force")
    journal = Journal(tmp_path / "alerts.jsonl")
    journal.append(JournalEntry.new(alert, ["sns"], at=0.0))
    (entry,) = Journal(tmp_path / "alerts.jsonl").entries()
    assert entry.alert.description == RUNBOOK
