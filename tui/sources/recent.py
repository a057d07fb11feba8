"""Rates over the last minute and ingestion-lag percentiles over the last five minutes, for status lines.

Lags are kept as counts in logarithmic bins (each about 2 % wide) per 10-second slice of time, so the
percentiles cover a time window whatever the event rate (a sample of the last N events would cover
seconds at a high rate and swing with every burst), with memory bounded by slices x bins, never by
the number of events. A percentile is the mean of the lags in its bin: within about 2 % of the true
lag, and exact when they are all the same.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, deque
from typing import Iterable

from tui.sources.source import LogEvent

RATE_WINDOW_S = 60.0
LAG_WINDOW_S = 300.0
LAG_SLICE_S = 10.0
_BIN_BASE = math.log(1.02)


def lag_bin(lag_ms: int) -> int:
    """The bin of a lag: the sign, times the rounded logarithm of its size (base 1.02)."""
    size = round(math.log1p(abs(lag_ms)) / _BIN_BASE)
    return -size if lag_ms < 0 else size


class RecentEvents:
    """New events per second over the last minute, and ingestion-lag percentiles over the last
    :data:`LAG_WINDOW_S` seconds (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: deque[tuple[float, int]] = deque()
        # (slice start, bin -> count, bin -> sum of its lags), oldest first
        self._lags: deque[tuple[float, Counter[int], Counter[int]]] = deque()

    def record(self, now: float, events: Iterable[LogEvent]) -> None:
        events = list(events)
        counts: Counter[int] = Counter()
        sums: Counter[int] = Counter()
        for event in events:
            if event.ingestion_time:
                lag = event.ingestion_time - event.timestamp
                counts[lag_bin(lag)] += 1
                sums[lag_bin(lag)] += lag
        if counts:
            start = now - now % LAG_SLICE_S
            with self._lock:
                if self._lags and self._lags[-1][0] == start:
                    self._lags[-1][1].update(counts)
                    self._lags[-1][2].update(sums)
                else:
                    self._lags.append((start, counts, sums))
                self._expire_lags(now)
        self.count(now, len(events))

    def count(self, now: float, n: int) -> None:
        """Count ``n`` events at ``now`` (epoch or monotonic seconds, as long as ``rate`` gets the same)."""
        with self._lock:
            self._counts.append((now, n))
            while self._counts and self._counts[0][0] <= now - RATE_WINDOW_S:
                self._counts.popleft()

    def rate(self, now: float) -> float:
        with self._lock:
            return sum(n for t, n in self._counts if t > now - RATE_WINDOW_S) / RATE_WINDOW_S

    def lag_percentiles(self, *quantiles: float, now: float | None = None) -> list[int | None]:
        """Nearest-rank percentiles of the lags recorded over the last :data:`LAG_WINDOW_S` seconds
        before ``now`` (default: the newest recording), each within a bin (about 2 %); None while
        there are none."""
        with self._lock:
            if now is not None:
                self._expire_lags(now)
            merged: Counter[int] = Counter()
            sums: Counter[int] = Counter()
            for _start, counts, slice_sums in self._lags:
                merged.update(counts)
                sums.update(slice_sums)
        total = sum(merged.values())
        if not total:
            return [None for _ in quantiles]
        ordered = sorted(merged.items())
        result: list[int | None] = []
        for quantile in quantiles:
            rank, seen = max(1, math.ceil(quantile * total - 1e-9)), 0
            for index, count in ordered:
                seen += count
                if seen >= rank:
                    result.append(round(sums[index] / merged[index]))
                    break
        return result

    def _expire_lags(self, now: float) -> None:
        """Drop the slices wholly older than the window. Lock held."""
        while self._lags and self._lags[0][0] + LAG_SLICE_S <= now - LAG_WINDOW_S:
            self._lags.popleft()
