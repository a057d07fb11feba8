"""Rates over the last minute and a bounded sample of ingestion lags, for status lines."""

from __future__ import annotations

import math
import threading
from collections import deque
from typing import Iterable

from tui.sources.source import LogEvent

RATE_WINDOW_S = 60.0
_LAG_SAMPLE = 2048


class RecentEvents:
    """New events per second over the last minute, and a bounded sample of ingestion lags."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: deque[tuple[float, int]] = deque()
        self._lags: deque[int] = deque(maxlen=_LAG_SAMPLE)

    def record(self, now: float, events: Iterable[LogEvent]) -> None:
        events = list(events)
        with self._lock:
            self._lags.extend(event.ingestion_time - event.timestamp for event in events if event.ingestion_time)
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

    def lag_percentiles(self, *quantiles: float) -> list[int | None]:
        """Nearest-rank percentiles of the lag sample (None while it is empty)."""
        with self._lock:
            ordered = sorted(self._lags)
        if not ordered:
            return [None for _ in quantiles]
        return [ordered[max(1, math.ceil(q * len(ordered) - 1e-9)) - 1] for q in quantiles]
