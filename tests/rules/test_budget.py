"""The memory budget of the rules' groups (tui.rules.budget): what a group costs, which group goes
first when the budget is full, and the degradation episode that every eviction belongs to."""

from __future__ import annotations

import gc
import tracemalloc

from tui.engine.batch import Buckets
from tui.rules import RuleSet, RuleSpec
from tui.rules.alerts import DEGRADED
from tui.rules.budget import SINGLE_BYTES, WINDOW_BYTES, window_bytes
from tui.rules.measures import Measure

S = 1000


def spec(name: str = "r", threshold: float = 3, window_s: int = 60) -> RuleSpec:
    return RuleSpec(name, threshold, window_s * S, Measure("count"), ("srcaddr",))


def feed(rules: RuleSet, records: list[tuple[str, int]]) -> list:
    """(group, second) records, one batch each, on every rule."""
    out = []
    for group, second in records:
        out += rules.apply([Buckets({group: {second * S: 1}}) for _ in rules.rules], second * S)
    return out


def measured_bytes(buckets: int, groups: int = 20_000) -> float:
    """Bytes per group with ``buckets`` one-record buckets, keys made as the kernel makes them."""
    rules = RuleSet([spec(threshold=10**9)])
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for bucket in range(buckets):
        keys = [f"100.64.{i // 256}.{i % 256}" for i in range(groups)]
        rules.apply([Buckets({key: {(1000 + bucket) * S: 1} for key in keys})], (1000 + bucket) * S)
        del keys
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / groups


def test_a_one_record_group_costs_a_fraction_of_a_window_and_the_estimates_hold():
    # 60 buckets each for 2,000 groups: per group the same as 20,000 (tracemalloc makes it slow)
    single, pair, full = measured_bytes(1), measured_bytes(2), measured_bytes(60, groups=2_000)
    assert single * 5 < pair and single * 20 < full
    # The budget's estimates (what the cap is computed from) are not below what a group costs.
    assert single <= SINGLE_BYTES * 1.1 and pair <= WINDOW_BYTES * 1.1 and full <= window_bytes(60) * 1.1


def test_full_budget_evicts_singles_before_windows_and_windows_before_alarms():
    rules = RuleSet([spec()], max_groups=3, max_delay_ms=3600 * S)
    out = feed(rules, [("alarm", 1), ("alarm", 2), ("alarm", 3), ("pair", 4), ("pair", 5), ("one", 6)])
    state = rules.rules[0]
    assert [(t.group, t.state) for t in out] == [("alarm", "ALARM")]
    out = feed(rules, [("new", 7)])  # full: the single "one" goes, not the older windows
    assert set(state.singles) == {"new"} and set(state.groups) == {"alarm", "pair"}
    assert [(t.group, t.state, t.value) for t in out] == [(None, DEGRADED, 1)]
    feed(rules, [("new", 8)])  # "new" becomes a window: only windows left
    out = feed(rules, [("other", 9)])  # the oldest window not alarming goes
    assert set(state.groups) == {"alarm", "new"} and set(state.singles) == {"other"}
    assert out == [] and state.evicted_groups == 2 == state.degraded_evicted  # one episode: said once


def test_the_degradation_ends_once_nothing_evicted_could_still_count():
    """An evicted record could combine with one arriving up to max_delay late within a window of it:
    the episode ends when the watermark is a window and max_delay past the last eviction, and the
    next eviction starts a new episode (a new DEGRADED)."""
    rules = RuleSet([spec(window_s=60)], max_groups=1, max_delay_ms=100 * S)
    out = feed(rules, [("a", 0), ("b", 10)])
    state = rules.rules[0]
    assert [(t.state, t.time_ms) for t in out] == [(DEGRADED, 10 * S)] and state.degraded_since == 10 * S
    feed(rules, [("b", 169)])
    assert state.degraded_since == 10 * S
    feed(rules, [("b", 170)])
    assert state.degraded_since is None and state.degraded_evicted == 0 and state.evicted_groups == 1
    out = feed(rules, [("c", 200)])
    assert [(t.state, t.time_ms, t.value) for t in out] == [(DEGRADED, 200 * S, 1)]


def test_rules_share_the_budget_and_the_one_holding_most_gives_way():
    """A flood on one rule uses what the others leave; when the budget is full the flooded rule
    evicts its own groups, not the quiet rule's."""
    rules = RuleSet([spec("flooded"), spec("quiet")], memory_bytes=100 * SINGLE_BYTES, max_delay_ms=3600 * S)
    flooded, quiet = rules.rules
    rules.apply([Buckets(), Buckets({"q": {0: 1}})], 0)
    for second in range(300):
        rules.apply([Buckets({f"f{second}": {second * S: 1}}), Buckets()], second * S)
    assert "q" in quiet.singles and quiet.evicted_groups == 0
    assert flooded.evicted_groups == 300 - 99 and len(flooded.singles) == 99
