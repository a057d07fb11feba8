"""The bulk path of RuleState.apply (a group's run of buckets taken in one step) against the reference
path that takes every bucket one at a time: same transitions, same windows, same counters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.engine.batch import Buckets
from tui.rules import RuleSet, RuleSpec
from tui.rules.budget import SINGLE_BYTES, WINDOW_BYTES
from tui.rules.measures import Measure
from tui.rules.window import GroupWindow

S = 1000


def window_state(window: GroupWindow) -> tuple:
    parts = {time: sorted(part) if isinstance(part, set) else part for time, part in window.parts.items()}
    return (
        window.times, parts, window.lo, window.end, window.value, window.state,
        [(e.start, e.end, e.peak, e.owed) for e in window.episodes],
    )


def rules_state(rules: RuleSet) -> list:
    return [
        (
            list(rule.groups), [window_state(w) for w in rule.groups.values()], list(rule.alarming),
            rule.evicted_groups, rule.late_buckets, list(rule.singles.items()),
            rule.degraded_since, rule.degraded_evicted,
        )
        for rule in rules.rules
    ]


def batches_of(records, cuts) -> list[Buckets]:
    """Records (group, second, partial) cut into batches; equal (group, second) in a batch merge."""
    batches, start = [], 0
    for cut in sorted(set(cuts)) + [len(records)]:
        if cut <= start:
            continue
        merged: dict = {}
        for group, second, partial in records[start:cut]:
            key = (group, second * S)
            if isinstance(partial, set):  # distinct: a set of values, never shared with the caller
                merged[key] = merged[key] | partial if key in merged else set(partial)
            else:
                merged[key] = merged[key] + partial if key in merged else partial
        batches.append((Buckets.from_items(merged.items()), max(s for _, s, _ in records[start:cut]) * S))
        start = cut
    return batches


@st.composite
def scenarios(draw):
    groups = draw(st.sampled_from(["a", "ab", "abcd", "abcdefgh"]))
    n = draw(st.integers(1, 120))
    # Mostly ascending seconds with jitter, so both the bulk and the one-at-a-time paths run.
    seconds, now = [], 0
    for _ in range(n):
        now += draw(st.integers(0, 40))
        seconds.append(max(0, now - draw(st.sampled_from([0, 0, 0, 0, 1, 30, 200]))))
    measure = draw(st.sampled_from(["count", "sum"]))
    partial = st.integers(1, 1) if measure == "count" else st.integers(0, 50)
    records = [(draw(st.sampled_from(groups)), second, draw(partial)) for second in seconds]
    cuts = draw(st.lists(st.integers(0, n), max_size=12))
    spec = dict(
        threshold=draw(st.integers(1, 120)),
        window_s=draw(st.sampled_from([1, 10, 60, 300])),
        measure=measure,
        max_groups=draw(st.sampled_from([2, 3, 100, None])),
        # Budgets of a few groups: evictions by memory, singles and windows weighed differently.
        memory_bytes=draw(st.sampled_from([3 * SINGLE_BYTES, WINDOW_BYTES + 2 * SINGLE_BYTES, 3 * WINDOW_BYTES, 10**9])),
        max_delay_s=draw(st.sampled_from([50, 1200])),
    )
    return records, cuts, spec


def make(spec, bulk: bool) -> RuleSet:
    rule = RuleSpec("r", spec["threshold"], spec["window_s"] * S, Measure(spec["measure"], "bytes" if spec["measure"] == "sum" else None))
    return RuleSet([rule], max_groups=spec["max_groups"], max_delay_ms=spec["max_delay_s"] * S, bulk=bulk,
                   memory_bytes=spec.get("memory_bytes", 10**9))


@settings(max_examples=400)
@given(scenarios())
def test_bulk_and_one_at_a_time_agree(scenario):
    records, cuts, spec = scenario
    fast, slow = make(spec, bulk=True), make(spec, bulk=False)
    for buckets, newest in batches_of(records, cuts):
        assert fast.apply([buckets], newest) == slow.apply([buckets], newest)
        assert rules_state(fast) == rules_state(slow)


def test_bulk_run_slides_the_window_like_single_buckets():
    """One batch carrying a group's whole minute: the window ends at its last bucket and holds only
    the buckets less than the width older."""
    fast, slow = make(dict(threshold=10**6, window_s=10, measure="sum", max_groups=10, max_delay_s=1200), True), None
    run = {second * S: second for second in range(0, 30, 3)}
    fast.apply([Buckets({"g": run})], 27 * S)
    window = fast.rules[0].groups["g"]
    assert window.end == 27 * S and window.value == 18 + 21 + 24 + 27
    assert window.times[window.lo:] == [18 * S, 21 * S, 24 * S, 27 * S]
    del slow


def test_run_starting_at_the_windows_end_merges_into_that_bucket():
    """A batch boundary inside one second: the next batch's first bucket has the window's end time."""
    rules = make(dict(threshold=100, window_s=60, measure="count", max_groups=10, max_delay_s=1200), True)
    rules.apply([Buckets({"g": {0: 3, 5 * S: 4}})], 5 * S)
    rules.apply([Buckets({"g": {5 * S: 2, 6 * S: 1}})], 6 * S)
    window = rules.rules[0].groups["g"]
    assert window.parts == {0: 3, 5 * S: 6, 6 * S: 1} and window.times == [0, 5 * S, 6 * S] and window.value == 10


def test_buckets_keep_the_arrival_order_across_groups():
    items = [(("a", 2), 1), (("b", 1), 1), (("a", 1), 5), (("c", 9), 2), (("b", 3), 1)]
    buckets = Buckets.from_items(items)
    assert list(buckets.items()) == items
    assert buckets.groups == {"a": {2: 1, 1: 5}, "b": {1: 1, 3: 1}, "c": {9: 2}}
    assert len(buckets) == 5 and bool(buckets) and not Buckets()
