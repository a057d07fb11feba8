"""Sliding-window semantics, measures, group caps and the OK -> ALARM -> OK state machine."""

from __future__ import annotations

import random

import pytest

from tui.engine.batch import Buckets
from tui.rules import RuleSet, RuleSpec
from tui.rules.measures import Measure

S = 1000  # ms per second


def ruleset(threshold=3, window_s=300, measure="count", field=None, max_groups=100, max_delay_s=1200):
    spec = RuleSpec("r", threshold, window_s * S, Measure(measure, field))
    return RuleSet([spec], max_groups=max_groups, max_delay_ms=max_delay_s * S)


def feed(rules, records, batch_size=1):
    """records: (group, second, partial); fed in order, ``batch_size`` records per batch."""
    out = []
    for start in range(0, len(records), batch_size):
        buckets: dict = {}
        batch = records[start:start + batch_size]
        for group, second, partial in batch:
            key = (group, second * S)
            if key in buckets:
                buckets[key] = buckets[key] | partial if isinstance(partial, set) else buckets[key] + partial
            else:
                buckets[key] = partial
        out += rules.apply([Buckets.from_items(buckets.items())], max(second for _, second, _ in batch) * S)
    return out


def states(transitions):
    return [(t.group, t.state, t.time_ms // S) for t in transitions]


def test_threshold_reached_inside_window_alarms_once():
    rules = ruleset()
    out = feed(rules, [("a", 0, 1), ("a", 100, 1), ("a", 200, 1), ("a", 250, 1)])
    assert states(out) == [("a", "ALARM", 200)]
    assert out[0].value == 3 and out[0].first_ms == 0 and out[0].last_ms == 200 * S


def test_exactly_window_apart_is_outside():
    rules = ruleset(threshold=2, window_s=300)
    assert feed(rules, [("a", 0, 1), ("a", 300, 1)]) == []
    rules = ruleset(threshold=2, window_s=300)
    assert states(feed(rules, [("a", 0, 1), ("a", 299, 1)])) == [("a", "ALARM", 299)]


def test_ok_when_measure_at_watermark_falls_below():
    rules = ruleset(threshold=2, window_s=60)
    out = feed(rules, [("a", 0, 1), ("a", 10, 1), ("b", 65, 1), ("b", 200, 1)])
    # a alarms at 10; once the watermark passes 60 the bucket at 0 leaves: value 1 < 2 -> OK at 60.
    assert states(out) == [("a", "ALARM", 10), ("a", "OK", 60)]
    assert out[1].value == 1 and out[1].first_ms == 0 and out[1].last_ms == 10 * S


def test_stays_in_alarm_without_repeating():
    rules = ruleset(threshold=2, window_s=60)
    out = feed(rules, [("a", s, 1) for s in range(0, 50, 5)])
    assert states(out) == [("a", "ALARM", 5)]


def test_realarm_after_ok():
    rules = ruleset(threshold=2, window_s=10)
    out = feed(rules, [("a", 0, 1), ("a", 1, 1), ("a", 30, 1), ("a", 31, 1)])
    assert states(out) == [("a", "ALARM", 1), ("a", "OK", 10), ("a", "ALARM", 31)]


def test_groups_are_independent():
    rules = ruleset(threshold=2, window_s=60)
    out = feed(rules, [("a", 0, 1), ("b", 1, 1), ("a", 2, 1), ("c", 3, 1)])
    assert states(out) == [("a", "ALARM", 2)]


def test_late_record_completes_an_earlier_burst():
    """A record arriving late (older time) can complete a window that ends before the newest time:
    the watermark (40) has already left that episode (10..25), so it alarms and clears at once."""
    rules = ruleset(threshold=3, window_s=25)
    out = feed(rules, [("a", 40, 1), ("a", 10, 1), ("a", 5, 1), ("a", 0, 1)])
    assert states(out) == [("a", "ALARM", 10), ("a", "OK", 25)]
    assert out[0].first_ms == 0 and out[0].last_ms == 10 * S
    assert [t.late for t in out] == [True, True]


def test_late_record_beyond_max_delay_is_dropped_and_counted():
    rules = ruleset(threshold=1, window_s=60, max_delay_s=120)
    out = feed(rules, [("a", 1000, 1), ("b", 100, 1)])
    assert states(out) == [("a", "ALARM", 1000)]
    assert rules.rules[0].late_buckets == 1


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
def test_out_of_order_arrival_finds_the_same_alarms_as_sorted(batch_size):
    """Whatever the arrival order, a group alarms iff some window holds `threshold` records."""
    rng = random.Random(5)
    records = [(g, rng.randrange(0, 600), 1) for g in "abcdef" for _ in range(rng.randrange(1, 6))]
    sorted_alarms = {t.group for t in feed(ruleset(threshold=3, window_s=60), sorted(records, key=lambda r: r[1]))
                     if t.state == "ALARM"}
    shuffled = records[:]
    rng.shuffle(shuffled)
    shuffled_alarms = {t.group for t in feed(ruleset(threshold=3, window_s=60), shuffled, batch_size)
                       if t.state == "ALARM"}
    assert shuffled_alarms == sorted_alarms
    expected = set()
    for group in "abcdef":
        times = sorted(s for g, s, _ in records if g == group)
        if any(sum(1 for u in times if t - 60 < u <= t) >= 3 for t in times):
            expected.add(group)
    assert sorted_alarms == expected


def test_sum_measure():
    rules = ruleset(threshold=1000, window_s=60, measure="sum", field="bytes")
    out = feed(rules, [("a", 0, 400), ("a", 30, 500), ("a", 59, 100), ("a", 200, 1)])
    assert states(out) == [("a", "ALARM", 59), ("a", "OK", 60)]
    assert out[0].value == 1000


def test_distinct_measure_counts_each_value_once():
    rules = ruleset(threshold=3, window_s=60, measure="distinct", field="dstport")
    out = feed(rules, [("a", 0, {"22"}), ("a", 1, {"22"}), ("a", 2, {"80"}), ("a", 3, {"22", "80"}), ("a", 4, {"443"})])
    assert states(out) == [("a", "ALARM", 4)]
    assert out[0].value == 3


def test_distinct_values_leave_with_their_buckets():
    rules = ruleset(threshold=2, window_s=10, measure="distinct", field="dstport")
    out = feed(rules, [("a", 0, {"22"}), ("a", 5, {"80"}), ("a", 12, {"80"}), ("a", 40, {"1"})])
    # at 10 the 22 leaves -> 1 distinct -> OK at 10
    assert states(out) == [("a", "ALARM", 5), ("a", "OK", 10)]


def test_group_cap_evicts_oldest_and_counts():
    rules = ruleset(threshold=5, window_s=60, max_groups=3)
    feed(rules, [(g, i, 1) for i, g in enumerate("abcde")])
    state = rules.rules[0]
    assert state.group_count == 3 and state.evicted_groups == 2
    assert set(state.singles) == {"c", "d", "e"} and not state.groups


def test_group_cap_prefers_evicting_groups_not_in_alarm():
    rules = ruleset(threshold=1, window_s=600, max_groups=2)
    out = feed(rules, [("a", 0, 1), ("b", 1, 1), ("c", 2, 1)])
    assert [(t.group, t.state) for t in out] == [("a", "ALARM"), ("b", "ALARM"), ("c", "ALARM"), (None, "DEGRADED")]
    assert rules.rules[0].evicted_groups == 1


def test_memory_stays_bounded_over_a_long_run():
    """Old buckets are compacted away: a day of one-per-second data keeps at most window + delay."""
    rules = ruleset(threshold=10**9, window_s=60, max_delay_s=60)
    for second in range(0, 86_400, 10):
        rules.apply([Buckets({"a": {second * S: 1}})], second * S)
    window = rules.rules[0].groups["a"]
    assert len(window.times) <= (60 + 60 + 180) // 10 + 2


@pytest.mark.parametrize(
    "measure, field, partials",
    [("count", None, (1, 1, 1, 1, 1, 1)), ("distinct", "dstport", ({"a"}, {"b"}, {"c"}, {"d"}, {"e"}, {"f"}))],
)
def test_late_bucket_older_than_the_window_stays_outside_it(measure, field, partials):
    """A late bucket that sorts just before the window's first bucket must not be counted in it, and
    must not be subtracted later (a regression: it used to shift the window's start onto itself)."""
    rules = ruleset(threshold=3, window_s=10, measure=measure, field=field)
    one, two, three, late, five, six = partials
    feed(rules, [("a", 0, one), ("a", 20, two), ("a", 25, three)])
    window = rules.rules[0].groups["a"]
    feed(rules, [("a", 12, late)])  # older than 25 - 10: outside the window, after the bucket at 0
    assert window.value == 2
    feed(rules, [("a", 31, five)])  # 20 leaves; 25 and 31 remain
    assert window.value == 2
    feed(rules, [("a", 40, six)])  # 25 leaves too
    assert window.value == 2


def test_random_arrival_keeps_the_running_window_exact():
    """After any arrival order, the running value equals a recount of the buckets in the window."""
    rng = random.Random(11)
    for measure, field in (("count", None), ("distinct", "v")):
        rules = ruleset(threshold=10**9, window_s=30, measure=measure, field=field)
        for _ in range(400):
            second = rng.randrange(0, 300)
            partial = 1 if measure == "count" else {rng.choice("abcdefg")}
            feed(rules, [("g", second, partial)])
            window = rules.rules[0].groups.get("g")
            if window is None:  # the first record: a single, no window yet
                assert rules.rules[0].singles["g"] in (second * S, (second * S, partial))
                continue
            inside = [window.parts[t] for t in window.times if window.end - 30_000 < t <= window.end]
            expected = sum(inside) if measure == "count" else len(set().union(*inside))
            assert window.value == expected
