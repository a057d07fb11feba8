"""The query model on its own: subjects, time ranges, questions, the sides of a record, peer order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tui.history.model import (
    HistoryError,
    Peer,
    Question,
    Subject,
    TimeRange,
    order_peers,
    record_sides,
)

T0 = datetime(2026, 12, 6, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("subject", "fields", "sides"), [
    ("10.0.0.5", {"srcaddr": "10.0.0.5", "dstaddr": "10.0.0.9"}, ("out",)),
    ("10.0.0.5", {"srcaddr": "10.0.0.9", "dstaddr": "10.0.0.5"}, ("in",)),
    ("10.0.0.5", {"srcaddr": None, "dstaddr": None}, ()),
    ("10.0.0.0/24", {"srcaddr": "10.0.0.1", "dstaddr": "10.0.0.2"}, ("in", "out")),
    ("2001:db8::/32", {"srcaddr": "2001:db8::7", "dstaddr": "10.0.0.2"}, ("out",)),
    ("2001:db8::/32", {"srcaddr": "not an address", "dstaddr": "-"}, ()),
    ("port:22", {"srcport": 50000, "dstport": 22}, ("in",)),
    ("port:22", {"srcport": 22, "dstport": 22}, ("in", "out")),
    ("eni-00000001", {"interface-id": "eni-00000001"}, ("in",)),
    ("eni-00000001", {"interface-id": "eni-00000001", "flow-direction": "egress"}, ("out",)),
    ("eni-00000001", {"interface-id": "eni-00000002", "flow-direction": "egress"}, ()),
])
def test_the_sides_a_record_concerns(subject, fields, sides):
    assert record_sides(Subject.parse(subject), fields) == sides


def test_time_ranges_are_utc_and_ordered():
    naive = TimeRange(datetime(2026, 12, 6, 10, 0), datetime(2026, 12, 6, 11, 0))
    assert naive.start == T0 and naive.start_s == int(T0.timestamp())
    assert TimeRange(T0, T0 + timedelta(seconds=0.5)).end_s == int(T0.timestamp()) + 1
    assert TimeRange.last(3600, T0) == TimeRange(T0 - timedelta(hours=1), T0)
    with pytest.raises(HistoryError, match=r"ends \(2026-12-06T10:00:00Z\) before it starts"):
        TimeRange(T0, T0)


def test_questions_refuse_impossible_limits():
    time_range = TimeRange.last(60, T0)
    with pytest.raises(HistoryError, match="bins are at least 1 s"):
        Question(Subject.parse("port:1"), time_range, bin_seconds=0)
    with pytest.raises(HistoryError, match=r"604800 s in bins of 1 s is more than 10000 bins: use bins of at least 61 s"):
        Question(Subject.parse("port:1"), TimeRange.last(7 * 86400, T0), bin_seconds=1)
    with pytest.raises(HistoryError, match="--records -1: must be 0 or more"):
        Question(Subject.parse("port:1"), time_range, records_limit=-1)


def test_peers_accepted_first_then_by_flows():
    def peer(address, action, flows):
        return Peer(address, 22, 6, action, "in", flows, flows * 100, flows, T0, T0)

    peers = [peer("a", "REJECT", 50), peer("b", "ACCEPT", 1), peer("c", "ACCEPT", 9), peer("d", None, 70)]
    assert [p.address for p in order_peers(peers, 3)] == ["c", "b", "d"]
