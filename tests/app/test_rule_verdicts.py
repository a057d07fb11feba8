"""The rule view of an ``evaluate: cloudwatch`` rule: CloudWatch's verdict beside the sliding window's,
and why they differ, read from the rendered cells at both sizes, with and without colour."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from tui.app.screens.rule import RuleScreen
from tui.rules.cloudwatch_alarm import AlarmSpec

from tests.app.conftest import build_app, feed, rendered, rule, screen_text, with_rules

RUNBOOK = ('[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", packets, '
           'bytes, windowstart, windowend, action="REJECT", flowlogstatus]')


def _line(clock: str) -> str:
    start = int(datetime.fromisoformat(f"2026-12-02T{clock}+00:00").timestamp())
    return f"2 123456789012 eni-0a1b2c3d 10.0.0.155 10.0.14.100 49152 80 6 3 180 {start} {start + 4} REJECT OK"


@pytest.fixture(params=[(80, 24, False), (120, 40, False), (80, 24, True), (120, 40, True)],
                ids=["80x24", "120x40", "80x24-NO_COLOR", "120x40-NO_COLOR"])
def size(request, monkeypatch):
    width, height, no_color = request.param
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return width, height


async def test_the_rule_view_shows_both_verdicts_and_why_they_differ(size):
    alarm = AlarmSpec(period_s=300, threshold=3, treat_missing_data="notBreaching")
    runbook = dataclasses.replace(rule("bastion", RUNBOOK, 3, window_s=300, group_by=()), alarm=alarm)
    app = build_app(with_rules(build_app().config, runbook))
    async with app.run_test(size=size) as pilot:
        await feed(pilot, [_line(t) for t in ("12:04:30", "12:06:00", "12:09:20")] + [_line("12:40:00")[:-9] + "ACCEPT OK"])
        app.open_rule(0, lambda pattern: None)
        await pilot.pause()
        assert isinstance(app.screen, RuleScreen)
        text = " ".join(rendered(app.screen.query_one("#rule-verdicts")).split())
        assert "CloudWatch 1 of 1 periods of 300 s, Sum >= 3, missing data notBreaching" in text
        assert "sliding ALARM * 12:09:20-" in text
        assert ("matches at 12:04:30, 12:06:00, 12:09:20: 3 within 300 s, but no minute-aligned 5-minute period "
                "holds more than 2: CloudWatch stays OK") in text
        assert "metric-math and composite alarms are not simulated" in text
        shown = screen_text(app)  # on screen, wrapped, nothing cut
        assert "CloudWatch stays OK" in shown and "12:04:30, 12:06:00, 12:09:20" in shown
