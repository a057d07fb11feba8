"""Alarm episodes (DESIGN.md section 4): the same records in any arrival order and any batching give
the same episodes; one ALARM and one OK per alert id; late bursts, stragglers, and late records.

The reference is computed here from the final set of records, by brute force: the measure at every
instant it can change, and the maximal stretches at or above the threshold.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.engine.batch import Buckets
from tui.rules import RuleSet, RuleSpec
from tui.rules.measures import Measure

from tests.rules.test_bulk import batches_of

S = 1000


def reference_episodes(records, threshold, window_s, measure):
    """{group: [(start, end, peak)]} in seconds, from records (group, second, partial)."""
    out = {}
    for group in sorted({g for g, _, _ in records}):
        mine = [(s, p) for g, s, p in records if g == group]
        points = sorted({s for s, _ in mine} | {s + window_s for s, _ in mine})

        def value(t, mine=mine):
            inside = [p for s, p in mine if t - window_s < s <= t]
            if measure == "distinct":
                return len(set().union(*inside)) if inside else 0
            return sum(inside)

        episodes, start, peak = [], None, 0
        for t in points:
            v = value(t)
            if v >= threshold:
                if start is None:
                    start, peak = t, v
                peak = max(peak, v)
            elif start is not None:
                episodes.append((start, t, peak))
                start = None
        assert start is None  # every record leaves its window at the last point
        if episodes:
            out[group] = episodes
    return out


def engine_episodes(rules: RuleSet):
    out = {}
    for key, window in rules.rules[0].groups.items():
        if window.episodes:
            out[key] = [(e.start // S, None if e.end is None else e.end // S, e.peak) for e in window.episodes]
    return out


def make(threshold, window_s, measure, max_delay_s=100_000, max_groups=10_000):
    field = None if measure == "count" else "f"
    spec = RuleSpec("r", threshold, window_s * S, Measure(measure, field))
    return RuleSet([spec], max_groups=max_groups, max_delay_ms=max_delay_s * S)


def feed(rules: RuleSet, arrivals, cuts=()):
    """Records (group, second, partial) in arrival order, cut into batches at ``cuts``."""
    out = []
    for buckets, newest in batches_of(arrivals, list(cuts)):
        out += rules.apply([buckets], newest)
    return out


def flush(rules: RuleSet, seconds: int):
    """Move the watermark past every window: every episode closes."""
    return rules.apply([Buckets()], seconds * S)


@st.composite
def scenarios(draw, grouped=True):
    measure = draw(st.sampled_from(["count", "sum", "distinct"]))
    window_s = draw(st.sampled_from([5, 30, 60]))
    groups = draw(st.sampled_from(["a", "ab", "abc"])) if grouped else "*"
    n = draw(st.integers(1, 40))
    seconds = draw(st.lists(st.integers(0, 200), min_size=n, max_size=n))
    if measure == "count":
        partials = [1] * n
        threshold = draw(st.integers(1, 6))
    elif measure == "sum":
        partials = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
        threshold = draw(st.integers(1, 80))
    else:
        partials = [{v} for v in draw(st.lists(st.sampled_from("uvwxyz"), min_size=n, max_size=n))]
        threshold = draw(st.integers(1, 4))
    records = [(draw(st.sampled_from(groups)), s, p) for s, p in zip(seconds, partials)]
    order = draw(st.permutations(range(n)))
    cuts = draw(st.lists(st.integers(0, n), max_size=10))
    return measure, window_s, threshold, records, [records[i] for i in order], cuts


def check_invariants(transitions, final):
    """One OK for every ALARM id, each ALARM inside exactly one final episode, and every final
    episode alarmed at least once."""
    alarms = [(t.group, t.episode_start_ms) for t in transitions if t.state == "ALARM"]
    oks = [(t.group, t.episode_start_ms) for t in transitions if t.state == "OK"]
    assert len(set(alarms)) == len(alarms), "an episode id alarmed twice"
    assert sorted(oks) == sorted(alarms), "every ALARM gets exactly one OK"
    for group, start in alarms:
        holders = [e for e in final.get(group, []) if e[0] * S <= start < e[1] * S]
        assert len(holders) == 1
    for group, episodes in final.items():
        for episode in episodes:
            assert any(g == group and episode[0] * S <= s < episode[1] * S for g, s in alarms)


@settings(max_examples=600)
@given(scenarios())
def test_any_arrival_order_and_batching_gives_the_reference_episodes(scenario):
    measure, window_s, threshold, records, arrivals, cuts = scenario
    rules = make(threshold, window_s, measure)
    transitions = feed(rules, arrivals, cuts)
    transitions += flush(rules, 10_000)
    final = engine_episodes(rules)
    assert final == reference_episodes(records, threshold, window_s, measure)
    check_invariants(transitions, final)


@settings(max_examples=200)
@given(scenarios(grouped=False))
def test_without_group_by_too(scenario):
    measure, window_s, threshold, records, arrivals, cuts = scenario
    rules = make(threshold, window_s, measure)
    transitions = feed(rules, arrivals, cuts) + flush(rules, 10_000)
    assert engine_episodes(rules) == reference_episodes(records, threshold, window_s, measure)
    check_invariants(transitions, engine_episodes(rules))


@settings(max_examples=300)
@given(scenarios())
def test_in_time_order_each_episode_alarms_and_clears_exactly_once(scenario):
    measure, window_s, threshold, records, _, cuts = scenario
    in_order = sorted(records, key=lambda r: r[1])
    rules = make(threshold, window_s, measure)
    transitions = feed(rules, in_order, cuts) + flush(rules, 10_000)
    expected = reference_episodes(records, threshold, window_s, measure)
    alarms = sorted((t.group, t.episode_start_ms // S) for t in transitions if t.state == "ALARM")
    assert alarms == sorted((g, e[0]) for g, episodes in expected.items() for e in episodes)
    oks = sorted((t.group, t.time_ms // S) for t in transitions if t.state == "OK")
    assert oks == sorted((g, e[1]) for g, episodes in expected.items() for e in episodes)


@st.composite
def delayed_arrivals(draw):
    """Records whose arrival is at most ``max_delay`` after their event time, ordered by arrival:
    every record is within max_delay of the watermark when it arrives, so none may be dropped."""
    max_delay = draw(st.sampled_from([20, 60, 120]))
    n = draw(st.integers(1, 50))
    records = [
        (draw(st.sampled_from("ab")), draw(st.integers(0, 1000)), 1) for _ in range(n)
    ]
    delays = draw(st.lists(st.integers(0, max_delay), min_size=n, max_size=n))
    order = sorted(range(n), key=lambda i: (records[i][1] + delays[i], i))
    cuts = draw(st.lists(st.integers(0, n), max_size=10))
    return max_delay, records, [records[i] for i in order], cuts


@settings(max_examples=400)
@given(delayed_arrivals(), st.sampled_from([10, 60]), st.integers(1, 4))
def test_records_within_max_delay_are_never_dropped_and_pruning_keeps_the_episodes_right(scenario, window_s, threshold):
    max_delay, records, arrivals, cuts = scenario
    rules = make(threshold, window_s, "count", max_delay_s=max_delay)
    transitions = feed(rules, arrivals, cuts)
    assert rules.rules[0].late_buckets == 0
    transitions += flush(rules, 5000)
    expected = reference_episodes(records, threshold, window_s, "count")
    # Pruning forgets closed episodes nothing can reach any more; the transitions still tell them.
    alarms = [(t.group, t.episode_start_ms) for t in transitions if t.state == "ALARM"]
    oks = sorted((t.group, t.episode_start_ms) for t in transitions if t.state == "OK")
    assert sorted(alarms) == oks and len(set(alarms)) == len(alarms)
    for group, episodes in expected.items():
        for start, end, _ in episodes:
            inside = [s for g, s in alarms if g == group and start * S <= s < end * S]
            assert inside, f"episode {start}..{end} of {group} never alarmed"
    for group, start in alarms:
        assert any(s * S <= start < e * S for s, e, _ in expected.get(group, []))


# -- the cases the issue names ---------------------------------------------------------------------


def states(transitions):
    return [(t.group, t.state, t.time_ms // S, t.episode_start_ms // S, t.late) for t in transitions]


def test_late_burst_alarms_and_clears_at_once_marked_late():
    """Threshold 3 in 60 s, by source: arrivals at t=600, 0, 10, 20, 700, 1500, 3000."""
    rules = make(3, 60, "count", max_delay_s=1200)
    out = feed(rules, [("s", t, 1) for t in (600, 0, 10, 20, 700, 1500, 3000)], cuts=range(7))
    assert states(out) == [("s", "ALARM", 20, 20, True), ("s", "OK", 60, 20, True)]
    assert out[0].first_ms == 0 and out[0].last_ms == 20 * S and out[1].last_ms == 20 * S
    assert rules.rules[0].status(rules.watermark).alarming == 0


def test_old_record_arriving_after_the_window_moved_on_is_counted_not_corrupting():
    """The demo's crash: a bucket older than the group's window, arriving after the window's end was
    moved past the group's last bucket, must stay outside the window (it was appended inside)."""
    for measure, partial in (("count", 1), ("distinct", {"x"})):
        rules = make(3, 60, measure, max_delay_s=1200)
        # Two buckets: g is a window (a one-record group is kept as a bare single, never slid).
        feed(rules, [("g", 90, partial), ("g", 100, partial), ("h", 400, partial)])  # h: watermark 400
        rules.apply([Buckets()], 400 * S)
        rules.rules[0].prune(400 * S)  # slides g's window to 400: its bucket at 100 is outside
        feed(rules, [("g", 200, partial)])  # newer than g's last bucket, older than its window
        window = rules.rules[0].groups["g"]
        assert window.value == 0 and window.times[window.lo:] == []
        out = feed(rules, [("g", s, partial if measure == "count" else {v}) for s, v in ((405, "a"), (410, "b"), (415, "c"))])
        assert [(t.state, t.time_ms // S) for t in out] == [("ALARM", 415)]


def test_three_matches_within_ten_seconds_alarm_whatever_the_watermark():
    rules = make(3, 60, "count")
    feed(rules, [("other", 500, 1)])
    out = feed(rules, [("g", 100, 1), ("g", 105, 1), ("g", 110, 1)], cuts=[1, 2])
    assert [(t.state, t.time_ms // S) for t in out] == [("ALARM", 110), ("OK", 160)]


def test_straggler_of_a_cleared_burst_extends_it_and_pages_nothing():
    """The demo's ssh-brute-force ALARM, OK, ALARM, OK: a record of the burst arriving after it
    cleared belongs to the same episode."""
    rules = make(3, 60, "count")
    out = feed(rules, [("s", 0, 1), ("s", 10, 1), ("s", 20, 1), ("other", 100, 1)], cuts=[1, 2, 3])
    assert [(t.state, t.time_ms // S) for t in out] == [("ALARM", 20), ("OK", 60)]
    late = feed(rules, [("s", 14, 1)])
    assert late == []
    assert engine_episodes(rules)["s"] == [(14, 70, 4)]


def test_straggler_bridging_two_episodes_joins_them_and_owes_one_ok_each():
    rules = make(2, 10, "count")
    out = feed(rules, [("s", 0, 1), ("s", 1, 1), ("s", 11, 1), ("s", 12, 1)], cuts=[1, 2, 3])
    assert [(t.state, t.time_ms // S) for t in out] == [("ALARM", 1), ("OK", 10), ("ALARM", 12)]
    assert feed(rules, [("s", 5, 1)]) == []  # 5 bridges 1..10 and 12..: one episode now
    assert engine_episodes(rules)["s"] == [(1, None, 3)]
    out = flush(rules, 100)
    assert [(t.state, t.time_ms // S, t.episode_start_ms // S) for t in out] == [("OK", 21, 12)]
    assert engine_episodes(rules)["s"] == [(1, 21, 3)]


def test_two_bursts_further_apart_than_the_window_are_two_episodes():
    rules = make(2, 10, "count")
    out = feed(rules, [("s", 0, 1), ("s", 1, 1), ("s", 30, 1), ("s", 31, 1)]) + flush(rules, 100)
    assert [(t.state, t.episode_start_ms // S) for t in out] == [("ALARM", 1), ("OK", 1), ("ALARM", 31), ("OK", 31)]


def test_a_record_older_than_max_delay_is_dropped_and_counted():
    rules = make(1, 60, "count", max_delay_s=120)
    out = feed(rules, [("a", 1000, 1), ("b", 100, 1)], cuts=[1])
    assert [(t.group, t.state) for t in out] == [("a", "ALARM")]
    assert rules.rules[0].late_buckets == 1 and "b" not in rules.rules[0].groups


def test_leaving_and_entering_at_the_same_instant_is_no_gap():
    """A bucket leaves at b + window as another enters: if the measure stays at the threshold, the
    episode goes on (no OK and ALARM at the same instant)."""
    rules = make(2, 10, "count")
    out = feed(rules, [("s", 0, 1), ("s", 5, 1), ("s", 10, 1), ("s", 15, 1)], cuts=[1, 2, 3]) + flush(rules, 100)
    assert [(t.state, t.time_ms // S) for t in out] == [("ALARM", 5), ("OK", 20)]


def test_random_shuffles_of_a_demo_like_attack_page_once_in_time_order():
    """Many sources, a few attackers: shuffled arrival finds the reference episodes."""
    rng = random.Random(11)
    records = [(f"10.0.0.{rng.randrange(50)}", rng.randrange(0, 900), 1) for _ in range(400)]
    records += [("10.9.9.9", 300 + rng.randrange(0, 40), 1) for _ in range(30)]
    for seed in range(5):
        arrivals = records[:]
        random.Random(seed).shuffle(arrivals)
        rules = make(5, 60, "count")
        out = feed(rules, arrivals, cuts=range(0, len(arrivals), 37)) + flush(rules, 5000)
        assert engine_episodes(rules) == reference_episodes(records, 5, 60, "count")
        check_invariants(out, engine_episodes(rules))


def test_straggler_reopening_a_cleared_episode_pages_nothing_and_clears_silently():
    """The straggler keeps the measure at the threshold up to the window's end: the episode that
    cleared is open again (alarming on the dashboard), but its ALARM and OK were sent already."""
    rules = make(2, 10, "count")
    out = feed(rules, [("s", 0, 1), ("s", 1, 1), ("other", 11, 1)], cuts=[1, 2])
    assert [(t.group, t.state, t.time_ms // S) for t in out] == [("s", "ALARM", 1), ("s", "OK", 10)]
    assert feed(rules, [("s", 5, 1)]) == []
    assert rules.rules[0].status(rules.watermark).alarming == 1
    assert flush(rules, 100) == []
    assert engine_episodes(rules)["s"] == [(1, 11, 3)]
    assert rules.rules[0].status(rules.watermark).alarming == 0


def test_busiest_ranks_live_groups_by_value_now_and_keeps_every_alarming_one():
    rules = make(3, 60, "count")
    feed(rules, [("a", 100, 1), ("a", 101, 1), ("b", 102, 1), ("c", 103, 1), ("c", 104, 1), ("c", 105, 1)])
    feed(rules, [("old", 10, 1)])  # stale: its window ended long before the watermark
    state = rules.rules[0]
    assert state.busiest(rules.watermark, 2) == [("c", 3, True), ("a", 2, False)]
    assert state.busiest(rules.watermark, 1) == [("c", 3, True)]
    feed(rules, [("z", 400, 1)])
    # c's episode closed once the watermark moved on; nothing is live but z.
    assert state.busiest(rules.watermark, 5) == [("z", 1, False)]
