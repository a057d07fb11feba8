"""Which time ranges to re-read, and when, so that late events are never lost.

FilterLogEvents selects events by their ``timestamp``; VPC flow-log events arrive minutes after it. An
event is *visible* from its arrival on, and its *age* is ``now - timestamp``. The follower must return
every event whose age at arrival is at most ``max_delay``.

Tiers. Re-reading the whole ``max_delay`` window on every poll would be correct but would read each
event ``max_delay / poll_interval`` times (240 with the defaults). Instead, ages are split into tiers;
tier ``k`` is responsible for events whose age at arrival lies in ``[near_k, far_k]`` and runs every
``period_k``: young ages often (fresh events show up within one poll), old ages rarely (an event that is
already ten minutes late can wait a minute or two more).

Why no event is lost. Let tier ``k`` last run in a round that *started* at ``s``. Any event that
arrived after ``s`` with an age in ``[near_k, far_k]`` has ``timestamp >= s - far_k``. So the tier's
next query covers ``[s - far_k, now - near_k]``, where ``now`` is the start of the new round. That
range is computed from the previous round's actual start time, not from the nominal period, so a
round delayed by throttling, backoff or a slow page makes the next query reach back further instead of
opening a hole. An event that arrives while a round is reading, after the pages went past its
timestamp, arrived after that round's start ``s`` and is covered by the next one (this is why rounds
are stamped with their start, not their end). Events younger than ``near_k`` at arrival
belong to a younger tier; the youngest tier ends at ``now``, and events stamped in the future are read
once ``now`` passes them. Because the periods are multiples of one another, the tiers due in a round
are adjacent and merge into one query: usually one call per round.

Bounds. No query starts before ``floor`` (the start of following: ``lookback`` before the first
round; events stamped earlier are not followed, whenever they arrive), and after a pause longer than
``catch_up`` (the longest of lookback, max_delay and 10 min: a suspended laptop, an hour of expired
credentials) a tier reads back at most ``far_k + catch_up``;
such a clamp is counted in ``gaps``.
``horizon_ms`` is the earliest timestamp any future query can reach: dedup entries older than that
can never be returned again and may be dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

# A pause up to this long (or lookback / max_delay, if longer) is recovered in full.
MIN_CATCH_UP_S = 600.0
# A round that wakes up a hair before a tier's nominal due time still runs that tier, instead of
# spinning on a sub-millisecond wait.
_DUE_SLACK_S = 0.001


@dataclass(frozen=True)
class Tier:
    """Events whose age at arrival is in ``[near_s, far_s]``, re-read every ``period_s``."""

    near_s: float
    far_s: float
    period_s: float


def plan_tiers(poll_interval_s: float, max_delay_s: float) -> tuple[Tier, ...]:
    """Tiers for a poll interval and a maximum delay.

    The youngest tier covers ages up to ``24 * poll_interval`` (2 min at 5 s) and runs every poll.
    Further boundaries grow threefold (2 min, 6 min, ...); a boundary is only added while twice it still
    fits under ``max_delay``, so the oldest tier is never a sliver. A tier starting at age ``b`` runs
    every ``b / 4`` seconds, rounded down to a multiple of the previous tier's period (so due tiers
    coincide and merge into one query): an event that is already ``b`` late waits at most a quarter of
    that again. With the defaults (5 s, 20 min): [0, 2m] every 5 s, [2m, 6m] every 30 s, [6m, 20m] every
    90 s; an on-time event is read about 44 times over its 20 minutes instead of 240.
    """
    if not poll_interval_s > 0:
        raise ValueError(f"poll interval must be positive, not {poll_interval_s!r}")
    if max_delay_s < 0:
        raise ValueError(f"max delay must not be negative, not {max_delay_s!r}")
    bounds = [0.0]
    boundary = 24.0 * poll_interval_s
    while 2 * boundary <= max_delay_s:
        bounds.append(boundary)
        boundary *= 3
    bounds.append(max(max_delay_s, 0.0))
    tiers: list[Tier] = []
    period = poll_interval_s
    for near, far in zip(bounds, bounds[1:]):
        if tiers:
            period = max(1, int(near / 4 // period)) * period
        tiers.append(Tier(near, far, period))
    return tuple(tiers)


@dataclass(frozen=True)
class RangeQuery:
    """One FilterLogEvents range (both ends inclusive, ms) of the round that started at ``round_start``."""

    start_ms: int
    end_ms: int
    tiers: tuple[int, ...]
    round_start: float


class RescanSchedule:
    """When each tier is due and which merged ranges a round queries (pure bookkeeping, no I/O)."""

    def __init__(self, tiers: tuple[Tier, ...], *, lookback_s: float) -> None:
        if not tiers:
            raise ValueError("at least one tier is needed")
        self.tiers = tiers
        self.lookback_s = lookback_s
        self.catch_up_s = max(lookback_s, tiers[-1].far_s, MIN_CATCH_UP_S)
        self.floor_ms: int | None = None  # set by the first round
        self._last_start: list[float | None] = [None] * len(tiers)
        self.gaps = 0

    def next_due(self, now: float) -> float:
        """Seconds until the next tier is due (0 when one is due now)."""
        waits = [
            0.0 if last is None else last + tier.period_s - now for tier, last in zip(self.tiers, self._last_start)
        ]
        return max(0.0, min(waits))

    def plan(self, now: float) -> list[RangeQuery]:
        """The merged ranges of a round starting at ``now``.

        Tiers with nothing to read (their range lies before ``floor``) are marked done at once.
        """
        if self.floor_ms is None:
            self.floor_ms = _ms(now - self.lookback_s)
        pieces: list[RangeQuery] = []
        for index, (tier, last) in enumerate(zip(self.tiers, self._last_start)):
            if last is not None and now + _DUE_SLACK_S < last + tier.period_s:
                continue
            start = self.floor_ms if last is None else max(self.floor_ms, _ms(last - tier.far_s))
            if last is not None and now - last > tier.period_s + self.catch_up_s:
                start = max(start, _ms(now - tier.far_s - self.catch_up_s))
                self.gaps += 1
            end = _ms(now - tier.near_s)
            if start > end:
                self._last_start[index] = now
                continue
            pieces.append(RangeQuery(start, end, (index,), now))
        return _merge(pieces)

    def complete(self, query: RangeQuery) -> None:
        """Record that every page of ``query`` was read."""
        for index in query.tiers:
            self._last_start[index] = query.round_start

    def horizon_ms(self) -> int:
        """The earliest timestamp a future query can start at (no query has started: the floor)."""
        if self.floor_ms is None:
            raise RuntimeError("no round has been planned yet")
        reaches = [
            self.floor_ms if last is None else max(self.floor_ms, _ms(last - tier.far_s))
            for tier, last in zip(self.tiers, self._last_start)
        ]
        return min(reaches)


def _merge(pieces: list[RangeQuery]) -> list[RangeQuery]:
    merged: list[RangeQuery] = []
    for piece in sorted(pieces, key=lambda q: q.start_ms):
        if merged and piece.start_ms <= merged[-1].end_ms + 1:
            last = merged[-1]
            merged[-1] = RangeQuery(
                last.start_ms, max(last.end_ms, piece.end_ms), last.tiers + piece.tiers, last.round_start
            )
        else:
            merged.append(piece)
    return merged


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
