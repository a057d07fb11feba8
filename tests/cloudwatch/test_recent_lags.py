"""Ingestion-lag percentiles cover the last five minutes, whatever the event rate, in bounded memory."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.sources.recent import LAG_WINDOW_S, RecentEvents
from tui.sources.source import LogEvent

T0 = 1_800_000_000.0


def events(lags_ms: list[int], at: float) -> list[LogEvent]:
    return [LogEvent(str(i), "/g", "s", int(at * 1000) - lag, int(at * 1000), "m") for i, lag in enumerate(lags_ms)]


def nearest_rank(values: list[int], quantile: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(quantile * len(ordered) - 1e-9)) - 1]


def test_p95_covers_five_minutes_not_the_last_two_thousand_events():
    """200 events a second for five minutes: 14-minute lags for the first 4 minutes 50 seconds, then
    10 s of 5-second lags (2,000 events, all a last-2,048 sample would hold). The p95 is the 14 minutes."""
    recent = RecentEvents()
    for second in range(300):
        lag = 5_000 if second >= 290 else 840_000
        recent.record(T0 + second, events([lag] * 200, T0 + second))
    p50, p95 = recent.lag_percentiles(0.5, 0.95, now=T0 + 300)
    assert (p50, p95) == (840_000, 840_000)


def test_lags_older_than_the_window_are_forgotten():
    recent = RecentEvents()
    recent.record(T0, events([900_000] * 50, T0))
    recent.record(T0 + 200, events([2_000] * 50, T0 + 200))
    assert recent.lag_percentiles(0.95, now=T0 + 200) == [900_000]
    assert recent.lag_percentiles(0.95, now=T0 + LAG_WINDOW_S + 20) == [2_000]
    assert recent.lag_percentiles(0.95, now=T0 + 200 + LAG_WINDOW_S + 20) == [None]


def test_memory_follows_time_and_lag_range_not_the_event_count():
    recent = RecentEvents()
    for second in range(0, 3600, 2):
        recent.record(T0 + second, events([(second * 7919 + k * 104729) % 3_600_000 for k in range(100)], T0 + second))
    slices = recent._lags
    assert len(slices) <= LAG_WINDOW_S / 10 + 1
    assert max(len(counts) for _start, counts, _sums in slices) <= 800  # bins of ~2 % up to an hour


@settings(max_examples=200)
@given(st.lists(st.tuples(st.floats(0, 299), st.integers(-5_000, 86_400_000)), min_size=1, max_size=300),
       st.sampled_from([0.5, 0.9, 0.95, 0.99]))
def test_a_percentile_is_within_two_percent_of_the_exact_one_whatever_the_arrival_order(arrivals, quantile):
    recent = RecentEvents()
    for offset, lag in arrivals:
        recent.record(T0 + offset, events([lag], T0 + offset))
    [estimate] = recent.lag_percentiles(quantile, now=T0 + 299)
    exact = nearest_rank([lag for _offset, lag in arrivals], quantile)
    assert abs(estimate - exact) <= 0.021 * abs(exact) + 1
