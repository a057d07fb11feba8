"""CloudWatch separates fields at spaces only: every place that matches a rule or filter against a
line follows that rule (the kernel, the alarms' sample search, the flows table's filter)."""

from __future__ import annotations

from tui.engine.engine import Engine, RuleDef
from tui.engine.view_filter import FlowFilter
from tui.flowlog import DEFAULT_FORMAT
from tui.patterns import compile_pattern

from tests.engine.conftest import BASE

SSH = "[version, account, eni, srcaddr, dstaddr, srcport, dstport=22, protocol, packets, bytes, start, end, action=REJECT, status]"


def ssh(t: int, sep: str = " ") -> str:
    return sep.join(f"2 123456789010 eni-1 10.0.0.155 10.0.14.100 40000 22 6 3 180 {t} {t + 60} REJECT OK".split())


def test_a_tab_separated_line_is_no_sample_of_an_alarm():
    """The tab-separated line is a record (str.split reads it) but the rule does not match it, so
    it is neither counted nor shown as one of the alarm's samples."""
    engine = Engine(DEFAULT_FORMAT, [RuleDef("ssh", compile_pattern(SSH), 3, 300, ("srcaddr",))])
    lines = [ssh(BASE), ssh(BASE + 1), ssh(BASE + 2, "\t"), ssh(BASE + 3)]
    alerts = engine.ingest_text("\n".join(lines) + "\n")
    assert engine.records == 4
    assert [(alert.state, alert.value) for alert in alerts] == [("ALARM", 3)]
    assert list(alerts[0].samples) == [ssh(BASE), ssh(BASE + 1), ssh(BASE + 3)]


def test_the_flows_filter_does_not_split_at_tabs():
    flow_filter = FlowFilter(compile_pattern(SSH), SSH, rows=10)
    flow_filter.feed([ssh(BASE), ssh(BASE + 1, "\t"), ssh(BASE + 2)])
    assert flow_filter.view().lines == (ssh(BASE), ssh(BASE + 2))
