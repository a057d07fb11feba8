"""Which events a Live Tail source has delivered, so that a backfill after a gap repeats none of them.

Live Tail events carry no ``eventId`` (the API's LiveTailSessionLogEvent has stream, timestamp,
ingestion time and message only), so an event is known by its *content key*: a digest of log stream,
timestamp and message. Copies with the same key are counted, per source:

- a Live Tail session never sends one stored event twice, and sessions one after another send
  different events, so the stream's ``n``-th copy of a key is a new event when fewer than ``n``
  copies of that key were delivered so far. Two sessions open at once (one renewing the other) send
  the same events while both are open: then each session's copies are counted on their own, like a
  backfill's;
- a backfill (FilterLogEvents over a time range) returns every stored copy whose timestamp lies in
  the range, so its ``n``-th copy *within that backfill* is new under the same rule.

Each key remembers how many copies were delivered (the larger of the two counts). Distinct events are
therefore delivered exactly once whichever source sees them first. Copies identical in stream,
timestamp and message (for flow logs: the same record twice) cannot be told apart without an id;
they are delivered as many times as the source that saw most of them saw them.

Keys are grouped by the minute of their timestamp and forgotten once no backfill can reach them
(``expire``); a cap bounds memory whatever the rate, and keys evicted by it are counted.
"""

from __future__ import annotations

import hashlib
import heapq

_BUCKET_MS = 60_000


def content_key(log_stream: str, timestamp_ms: int, message: str) -> bytes:
    """A 16-byte digest standing for the event's stream, timestamp and message."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(log_stream.encode("utf-8", "surrogatepass"))
    digest.update(b"\0%d\0" % timestamp_ms)
    digest.update(message.encode("utf-8", "surrogatepass"))
    return digest.digest()


class DeliveredKeys:
    """Per content key: copies delivered, and copies Live Tail has sent (see the module docstring)."""

    def __init__(self, cap: int = 2_000_000) -> None:
        if cap < 1:
            raise ValueError(f"dedup cap must be positive, not {cap!r}")
        self.cap = cap
        self.evicted = 0
        # key -> (copies delivered, copies sent by Live Tail, the session that sent the last of those)
        self._counts: dict[bytes, tuple[int, int, int]] = {}
        self._buckets: dict[int, list[bytes]] = {}
        self._order: list[int] = []  # heap of bucket keys

    def __len__(self) -> int:
        return len(self._counts)

    def from_tail(self, key: bytes, timestamp_ms: int, session: int = 0, overlapping: bool = False) -> int:
        """Count one more copy of ``key`` from Live Tail ``session``; its copy number when new, else 0.

        ``overlapping``: another session may have sent the same events (a renewal in progress).
        """
        delivered, tail, sender = self._counts.get(key) or self._remember(key, timestamp_ms)
        if sender != session and overlapping:
            tail = 0
        tail += 1
        self._counts[key] = (max(delivered, tail), tail, session)
        return tail if tail > delivered else 0

    def from_backfill(self, key: bytes, timestamp_ms: int, copy: int) -> bool:
        """True when the ``copy``-th copy of ``key`` in one backfill was not delivered before."""
        delivered, tail, sender = self._counts.get(key) or self._remember(key, timestamp_ms)
        if copy <= delivered:
            return False
        self._counts[key] = (copy, tail, sender)
        return True

    def expire(self, horizon_ms: int) -> None:
        """Forget keys whose whole minute lies before ``horizon_ms``."""
        while self._order and (self._order[0] + 1) * _BUCKET_MS <= horizon_ms:
            for key in self._buckets.pop(heapq.heappop(self._order)):
                self._counts.pop(key, None)

    def _remember(self, key: bytes, timestamp_ms: int) -> tuple[int, int, int]:
        bucket_key = timestamp_ms // _BUCKET_MS
        bucket = self._buckets.get(bucket_key)
        if bucket is None:
            bucket = self._buckets[bucket_key] = []
            heapq.heappush(self._order, bucket_key)
        bucket.append(key)
        self._counts[key] = (0, 0, -1)
        if len(self._counts) > self.cap:
            self._evict_oldest(keep=key)
        return (0, 0, -1)

    def _evict_oldest(self, keep: bytes) -> None:
        bucket_key = self._order[0]
        bucket = self._buckets[bucket_key]
        victim = bucket.pop(0)
        if victim == keep:  # the only key of the oldest minute is the one being added: keep it
            bucket.append(victim)
            return
        self._counts.pop(victim, None)
        self.evicted += 1
        if not bucket:
            heapq.heappop(self._order)
            del self._buckets[bucket_key]
