"""What the dashboard says about a rule that evicted groups (issue 17): the banner's DEGRADED line and
the rule view's evictions line, as plain text (no colour needed to read them)."""

from __future__ import annotations

from textual.content import Content

from tui.app.screens.rule import evictions_line, group_rows
from tui.app.widgets.banners import degraded_line
from tui.rules import RuleStatus
from tui.rules.alerts import DEGRADED, Alert

SINCE_MS = 1_700_000_000_000  # 22:13:20 UTC


def status(name: str = "reject-by-src", evicted: int = 12_345, since: int | None = SINCE_MS, **limit: str) -> RuleStatus:
    return RuleStatus(name, 0, None, 0.0, 4_200_000, evicted, 0, since, evicted if since is not None else 0, **limit)


def test_the_banner_names_the_degraded_rule_and_counts_the_others():
    line = degraded_line([status(), status("ports-by-src", 7)]).plain
    assert line == (" ⚠ DEGRADED   rule reject-by-src: detection degraded, 12,345 groups evicted "
                    "(limits.rule_memory)  +1 more")


def test_the_rule_view_counts_evictions_and_says_since_when_detection_is_degraded():
    text = Content.assemble(*evictions_line(status(), utc=True)).plain
    assert text == "\nevicted  12,345 groups (limits.rule_memory); detection degraded since 22:13:20 (12,345 since then)"
    over = Content.assemble(*evictions_line(status(since=None), utc=True)).plain
    assert over == "\nevicted  12,345 groups (limits.rule_memory)"  # the episode ended, the count stays
    assert evictions_line(status(evicted=0, since=None), utc=True) == ()


def test_a_cloudwatch_rule_names_the_series_cap_that_evicted():
    """A rule with ``evaluate: cloudwatch`` evicts its alarm's series over their cap, not for the
    memory budget: the banner and the rule view name that limit."""
    capped = status("bastion-http-reject", evicted_by="the 100,000-series cap")
    assert degraded_line([capped]).plain == (" ⚠ DEGRADED   rule bastion-http-reject: detection degraded, 12,345 groups "
                                             "evicted (the 100,000-series cap)")
    text = Content.assemble(*evictions_line(capped, utc=True)).plain
    assert text == ("\nevicted  12,345 groups (the 100,000-series cap); detection degraded since 22:13:20 "
                    "(12,345 since then)")


def test_a_degraded_alert_is_no_group_of_the_rule_view():
    alert = Alert("reject-by-src", DEGRADED, {}, 5, 3, 60, "count", SINCE_MS, None, None)
    assert group_rows([], [alert], "reject-by-src") == []
