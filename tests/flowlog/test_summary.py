"""A record as a line a person reads (alert samples in the rule view, the history and SNS)."""

from __future__ import annotations

from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.flowlog.summary import record_summary

T = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def test_default_format_decodes_time_action_endpoints_service_and_sizes():
    line = f"2 123456789010 eni-1 203.0.113.7 10.0.3.10 50123 22 6 2 120 {T} {T + 60} REJECT OK"
    assert record_summary(DEFAULT_FORMAT, line) == (
        "2023-11-14 22:13:20 UTC REJECT 203.0.113.7:50123 → 10.0.3.10:22 ssh TCP 2 pkts 120 B")
    assert record_summary(DEFAULT_FORMAT, line, with_date=False).startswith("22:13:20 UTC REJECT")


def test_ipv6_endpoints_are_bracketed_and_absent_fields_left_out():
    fmt = FlowFormat.parse("${srcaddr} ${dstaddr} ${dstport} ${protocol} ${action}")
    line = "2001:db8:85a3::8a2e:370:7334 2001:db8::1 53 17 ACCEPT"
    assert record_summary(fmt, line) == "ACCEPT 2001:db8:85a3::8a2e:370:7334 → [2001:db8::1]:53 dns UDP"


def test_a_line_that_is_not_a_record_has_no_summary():
    assert record_summary(DEFAULT_FORMAT, "garbage") is None
