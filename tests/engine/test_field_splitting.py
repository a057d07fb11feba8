"""Where fields end (tui.patterns.fields, the one rule): runs of spaces and tabs, except in a pattern
holding a regular expression, where spaces only. Every place that matches a rule or filter against a
line follows that rule (the kernel, the alarms' sample search, the flows table's filter)."""

from __future__ import annotations

from tui.engine.engine import Engine, RuleDef
from tui.engine.view_filter import FlowFilter
from tui.flowlog import DEFAULT_FORMAT
from tui.patterns import compile_pattern

from tests.engine.conftest import BASE

SSH = "[version, account, eni, srcaddr, dstaddr, srcport, dstport=22, protocol, packets, bytes, start, end, action=REJECT, status]"
SSH_REGEX = SSH.replace("srcaddr,", "srcaddr=%^10\\.0\\.%,")


def ssh(t: int, sep: str = " ") -> str:
    return sep.join(f"2 123456789010 eni-1 10.0.0.155 10.0.14.100 40000 22 6 3 180 {t} {t + 60} REJECT OK".split())


def alarm(pattern: str) -> tuple[list[tuple[str, int]], list[str]]:
    engine = Engine(DEFAULT_FORMAT, [RuleDef("ssh", compile_pattern(pattern), 3, 300, ("srcaddr",))])
    lines = [ssh(BASE), ssh(BASE + 1), ssh(BASE + 2, "\t"), ssh(BASE + 3)]
    alerts = engine.ingest_text("\n".join(lines) + "\n")
    assert engine.records == 4
    return [(alert.state, alert.value) for alert in alerts], list(alerts[0].samples)


def test_a_tab_separated_line_counts_for_a_rule_without_a_regex_and_is_one_of_its_samples():
    states, samples = alarm(SSH)
    assert states == [("ALARM", 3)]
    assert samples == [ssh(BASE), ssh(BASE + 1), ssh(BASE + 2, "\t")]


def test_a_tab_separated_line_is_no_match_and_no_sample_of_a_rule_holding_a_regex():
    """The tab-separated line is a record (str.split reads it) but the regex rule does not match it."""
    states, samples = alarm(SSH_REGEX)
    assert states == [("ALARM", 3)]
    assert samples == [ssh(BASE), ssh(BASE + 1), ssh(BASE + 3)]


def test_the_flows_filter_splits_at_tabs_unless_its_pattern_holds_a_regex():
    lines = [ssh(BASE), ssh(BASE + 1, "\t"), ssh(BASE + 2)]
    plain = FlowFilter(compile_pattern(SSH), SSH, rows=10)
    plain.feed(lines)
    assert plain.view().lines == tuple(lines)
    regex = FlowFilter(compile_pattern(SSH_REGEX), SSH_REGEX, rows=10)
    regex.feed(lines)
    assert regex.view().lines == (ssh(BASE), ssh(BASE + 2))
