"""The eventIds a follower has already delivered, forgotten once no query can return them again.

Ids are grouped by the minute of their event's timestamp. Re-reads only reach back to the rescan
schedule's horizon, so whole minutes older than it are dropped at once (no per-id timers, no heap).
An absolute cap bounds memory whatever the event rate; ids evicted by it are counted, since an evicted
id that is read again is delivered twice.
"""

from __future__ import annotations

import heapq
from collections import deque

_BUCKET_MS = 60_000


class SeenIds:
    def __init__(self, cap: int = 2_000_000) -> None:
        if cap < 1:
            raise ValueError(f"dedup cap must be positive, not {cap!r}")
        self.cap = cap
        self.evicted = 0
        self._ids: set[str] = set()
        self._buckets: dict[int, list[str]] = {}
        self._order: list[int] = []  # heap of bucket keys

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, event_id: str, timestamp_ms: int) -> bool:
        """Remember ``event_id``; True when it was not seen before."""
        if event_id in self._ids:
            return False
        self._ids.add(event_id)
        key = timestamp_ms // _BUCKET_MS
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = []
            heapq.heappush(self._order, key)
        bucket.append(event_id)
        if len(self._ids) > self.cap:
            self._evict_oldest()
        return True

    def expire(self, horizon_ms: int) -> None:
        """Forget ids whose whole minute lies before ``horizon_ms``."""
        while self._order and (self._order[0] + 1) * _BUCKET_MS <= horizon_ms:
            self._ids.difference_update(self._buckets.pop(heapq.heappop(self._order)))

    def _evict_oldest(self) -> None:
        key = self._order[0]
        bucket = self._buckets[key]
        self._ids.discard(bucket.pop())
        self.evicted += 1
        if not bucket:
            heapq.heappop(self._order)
            del self._buckets[key]


class RecentIds:
    """The last ``cap`` distinct ids, forgotten in arrival order: dedupe for a push source, where a
    duplicate (an at-least-once redelivery) arrives soon after the original, whatever its event time.
    Ids forgotten by the cap are counted in ``evicted``."""

    def __init__(self, cap: int = 500_000) -> None:
        if cap < 1:
            raise ValueError(f"dedup cap must be positive, not {cap!r}")
        self.cap = cap
        self.evicted = 0
        self._ids: set[str] = set()
        self._order: deque[str] = deque()

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; True when it was not seen before."""
        if event_id in self._ids:
            return False
        self._ids.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self.cap:
            self._ids.discard(self._order.popleft())
            self.evicted += 1
        return True
