"""The rescan schedule on its own: tiers, merged ranges, and the no-loss guarantee as a property."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.sources.rescan import RangeQuery, RescanSchedule, Tier, plan_tiers

T0 = 1_700_000_000.0


def test_default_tiers():
    assert plan_tiers(5, 1200) == (Tier(0, 120, 5), Tier(120, 360, 30), Tier(360, 1200, 90))


def test_tiers_for_other_settings():
    assert plan_tiers(60, 1200) == (Tier(0, 1200, 60),)  # 24 polls exceed half of max_delay: one tier
    assert plan_tiers(1, 3600) == (Tier(0, 24, 1), Tier(24, 72, 6), Tier(72, 216, 18), Tier(216, 648, 54), Tier(648, 3600, 162))
    assert plan_tiers(5, 0) == (Tier(0, 0, 5),)
    with pytest.raises(ValueError):
        plan_tiers(0, 1200)


def test_first_round_reads_the_lookback_once_then_tiers_merge():
    schedule = RescanSchedule(plan_tiers(5, 1200), lookback_s=1800)
    first = schedule.plan(T0)
    assert first == [RangeQuery(int((T0 - 1800) * 1000), int(T0 * 1000), (0, 1, 2), T0)]
    schedule.complete(first[0])
    assert schedule.next_due(T0) == 5
    assert schedule.plan(T0 + 5) == [RangeQuery(int((T0 - 120) * 1000), int((T0 + 5) * 1000), (0,), T0 + 5)]
    # At +30 tiers 0 and 1 are due; their ranges overlap and become one query.
    schedule = RescanSchedule(plan_tiers(5, 1200), lookback_s=1800)
    schedule.complete(schedule.plan(T0)[0])
    (merged,) = schedule.plan(T0 + 30)
    assert (merged.start_ms, merged.end_ms, set(merged.tiers)) == (int((T0 - 360) * 1000), int((T0 + 30) * 1000), {0, 1})


def test_nothing_before_the_floor_and_horizon_follows_the_oldest_tier():
    schedule = RescanSchedule(plan_tiers(5, 1200), lookback_s=60)
    schedule.complete(schedule.plan(T0)[0])
    assert schedule.horizon_ms() == int((T0 - 60) * 1000)
    for query in schedule.plan(T0 + 90):
        assert query.start_ms >= int((T0 - 60) * 1000)
        schedule.complete(query)
    assert schedule.horizon_ms() == int((T0 - 60) * 1000)  # tier 2 reaches back to T0 + 90 - 1200
    schedule = RescanSchedule(plan_tiers(5, 1200), lookback_s=1800)
    schedule.complete(schedule.plan(T0)[0])
    for query in schedule.plan(T0 + 90):
        schedule.complete(query)
    assert schedule.horizon_ms() == int((T0 + 90 - 1200) * 1000)


def test_a_long_pause_is_clamped_and_counted():
    schedule = RescanSchedule(plan_tiers(5, 1200), lookback_s=900)
    schedule.complete(schedule.plan(T0)[0])
    (query,) = schedule.plan(T0 + 7200)
    assert query.start_ms == int((T0 + 7200 - 1200 - 1200) * 1000)
    assert schedule.gaps == 3  # each tier's range was cut


@st.composite
def runs(draw):
    poll = draw(st.sampled_from([1.0, 2.0, 5.0, 10.0]))
    max_delay = draw(st.sampled_from([0.0, 60.0, 300.0, 1200.0]))
    lookback = draw(st.sampled_from([0.0, 60.0, 900.0, 1800.0]))
    # How long each round takes (throttling, backoff, slow pages) and how late the loop wakes.
    round_times = draw(st.lists(st.floats(0, 40), min_size=1, max_size=8))
    wake_delays = draw(st.lists(st.floats(0, 30), min_size=1, max_size=8))
    # Lateness as a share of max_delay (negative: stamped up to one poll in the future); 1.0 is the
    # contract's edge, where a schedule that trusts nominal periods loses events.
    lateness = st.one_of(st.floats(-1, 1), st.just(1.0), st.floats(0.95, 1))
    events = draw(st.lists(st.tuples(st.floats(0, 1), lateness), min_size=1, max_size=200))
    return poll, max_delay, lookback, round_times, wake_delays, events


@settings(max_examples=150)
@given(runs())
def test_no_event_arriving_within_max_delay_is_missed(run):
    """Whatever the round durations and wake-up delays (under the catch-up limit), every event whose
    age at arrival is in [-poll, max_delay] is covered by a range of a round that started after it
    arrived; no query starts before a horizon announced earlier."""
    poll, max_delay, lookback, round_times, wake_delays, events = run
    tiers = plan_tiers(poll, max_delay)
    schedule = RescanSchedule(tiers, lookback_s=lookback)
    duration = 3 * max_delay + 600
    now, n, queries, horizon = T0, 0, [], None
    while now < T0 + duration:
        if schedule.next_due(now) <= 0:
            planned = schedule.plan(now)
            assert all(horizon is None or q.start_ms >= horizon for q in planned)
            now += round_times[n % len(round_times)]
            for query in planned:
                schedule.complete(query)
            queries.extend(planned)
            horizon = schedule.horizon_ms()
        now += schedule.next_due(now) + wake_delays[n % len(wake_delays)]
        n += 1
    assert schedule.gaps == 0
    settle = max(tier.period_s for tier in tiers) + 40 + 30 + poll
    floor = T0 - lookback
    for where, lateness in events:
        stamp = floor + where * (duration - settle - max_delay - poll + lookback)
        age = lateness * max_delay if lateness >= 0 else lateness * poll
        arrives = stamp + age
        stamp_ms = int(stamp * 1000)
        assert any(q.round_start >= arrives and q.start_ms <= stamp_ms <= q.end_ms for q in queries), (stamp, age)
