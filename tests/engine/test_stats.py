"""Dashboard statistics: bounded top-N tables and the per-minute ring."""

from __future__ import annotations

import random
from collections import Counter

from tui.engine.batch import MINUTE_COLUMNS, BatchResult
from tui.engine.stats import Stats, TopKeys


def test_top_keys_are_exact_while_they_fit():
    top = TopKeys(capacity=10)
    top.merge({"a": 5, "b": 1})
    top.merge({"b": 7, "c": 2})
    assert top.top(2) == [("b", 8), ("a", 5)]
    assert top.error == 0


def test_top_keys_memory_is_bounded_and_heavy_hitters_survive():
    """A million distinct addresses cannot grow the table past 2 x capacity, and the sources that
    send most keep exact counts."""
    rng = random.Random(1)
    top = TopKeys(capacity=50)
    truth: Counter = Counter()
    for batch in range(200):
        weights = Counter({f"noise-{batch}-{i}": 1 for i in range(5000)})
        for heavy in range(5):
            weights[f"heavy-{heavy}"] += rng.randint(100, 200)
        truth.update(weights)
        top.merge(weights)
        assert len(top.weights) <= 2 * top.capacity
    assert [key for key, _ in top.top(5)] == [key for key, _ in truth.most_common(5)]
    for key, weight in top.top(5):
        assert weight == truth[key]
    assert top.error >= 1  # noise was cut, and the error bound says so


def batch(minutes: dict[int, list[int]], top=None) -> BatchResult:
    return BatchResult(minutes=minutes, top=top or {})


def test_minute_ring_keeps_the_newest_minutes_and_counts_totals():
    stats = Stats(rule_count=1, keep_minutes=3)
    width = len(MINUTE_COLUMNS) + 1
    for minute in range(10):
        stats.merge(batch({minute: [1] * width}))
    assert sorted(stats.minutes) == [7, 8, 9]
    assert stats.totals[0] == 10
    stats.merge(batch({2: [1] * width}))  # far too late for the ring: counted in totals only
    assert stats.too_old_minutes == 1 and stats.totals[0] == 11
    snap = stats.snapshot(minutes=5)
    assert snap.first_minute == 5
    assert snap.column("records") == [0, 0, 1, 1, 1]
    assert snap.rule_column(0) == [0, 0, 1, 1, 1]


def test_late_minutes_inside_the_ring_are_added_in_place():
    stats = Stats(rule_count=0, keep_minutes=10)
    width = len(MINUTE_COLUMNS)
    stats.merge(batch({5: [1] * width}))
    stats.merge(batch({3: [2] * width}))
    stats.merge(batch({5: [4] * width}))
    assert stats.minutes == {5: [5] * width, 3: [2] * width}


def test_snapshot_top_tables_by_records_and_bytes():
    stats = Stats(rule_count=0)
    stats.merge(batch({}, {"srcaddr": ({"10.0.0.1": 3, "10.0.0.2": 1}, {"10.0.0.1": 100, "10.0.0.2": 5000})}))
    snap = stats.snapshot(top_n=1)
    assert snap.top_records["srcaddr"] == (("10.0.0.1", 3),)
    assert snap.top_bytes["srcaddr"] == (("10.0.0.2", 5000),)


def test_merge_matches_the_plain_loop_order_and_cuts_included():
    """TopKeys.merge does its sums in C; the table (order included, which breaks ties when cutting)
    must be the one the plain loop builds."""
    rng = random.Random(7)
    top = TopKeys(capacity=20)
    weights: dict[str, int] = {}
    error = 0
    for _ in range(300):
        batch = {f"k{rng.randrange(120)}": rng.randint(1, 5) for _ in range(rng.randrange(1, 40))}
        top.merge(batch)
        for key, weight in batch.items():
            weights[key] = weights.get(key, 0) + weight
        if len(weights) > 40:
            kept = sorted(weights.items(), key=lambda item: item[1], reverse=True)[:21]
            error = max(error, kept[-1][1])
            weights = dict(kept[:-1])
        assert list(top.weights.items()) == list(weights.items()) and top.error == error
