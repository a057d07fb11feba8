"""Every rule's groups, windows and alarm episodes; fed with per-batch buckets by the engine.

The engine hands each rule a batch of *buckets* (tui.engine.batch.Buckets): per (group_key, time_ms), in
arrival order, a partial aggregating the batch's matching records of that group at that event time.
Each group's episodes (tui.rules.window) depend only on the buckets it has received, not on their
order; the transitions report them as they are found: an ALARM when an episode is first seen, and one
OK for each ALARM when its episode ends behind the watermark. Groups whose buckets cannot change any
episode take them in one step.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from tui.engine.batch import Buckets
from tui.rules.alerts import DEGRADED
from tui.rules.budget import DEFAULT_RULE_MEMORY, SINGLE_BYTES, WINDOW_BYTES, Evictions, MemoryPool, window_bytes
from tui.rules.measures import Measure, SumAccumulator
from tui.rules.window import ALARM, OK, Episode, GroupWindow, Stretch

__all__ = ["DEGRADED", "RuleSet", "RuleSpec", "RuleStatus", "Transition"]  # DEGRADED: group None


@dataclass(frozen=True)
class RuleSpec:
    """What the rule engine needs of a configured rule."""

    name: str
    threshold: float
    window_ms: int
    measure: Measure
    group_by: tuple[str, ...] = ()
    severity: str = "medium"


class Transition(NamedTuple):
    rule: int  # index of the rule in the RuleSet
    group: Hashable
    state: str
    time_ms: int
    value: float
    first_ms: int | None
    last_ms: int | None
    episode_start_ms: int  # with (rule, group), the episode's identity: the start it alarmed with
    peak: float
    late: bool


@dataclass(frozen=True)
class RuleStatus:
    """A rule's state for the dashboard: the busiest live group and how many are alarming."""

    name: str
    alarming: int
    top_group: Hashable | None
    top_value: float
    groups: int
    evicted_groups: int
    late_buckets: int
    degraded_since_ms: int | None = None  # event time of the first eviction of the current episode
    degraded_evicted: int = 0  # groups evicted since then
    evicted_by: str = Evictions.evicted_by  # the limit that evicted them, as the dashboard names it


class RuleState(Evictions):
    """The groups of one rule.

    A group that has seen a single record (below the threshold) is kept in ``singles`` as its bare
    bucket, a tenth of the cost of a :class:`GroupWindow`; its second bucket promotes it to a window
    in ``groups``. A flood of distinct group keys (spoofed sources, a distributed scan) is almost all
    singles. When the groups of all rules outgrow their shared ``pool``, the rule holding the most
    evicts (and a rule whose groups reach ``max_groups``, when set, evicts its own): the oldest single
    goes first (its one record is the least able to reach the threshold), then the oldest window not
    alarming, then alarming ones; every eviction is counted and a degradation episode reported
    (:data:`DEGRADED`, :class:`Evictions`) until nothing evicted could still matter.
    """

    def __init__(
        self, index: int, spec: RuleSpec, max_groups: int | None, max_delay_ms: int, pool: MemoryPool | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.spec = spec
        self.max_groups = max_groups
        self.pool = MemoryPool(DEFAULT_RULE_MEMORY) if pool is None else pool
        self.pool.members.append(self)
        self.max_delay_ms = max_delay_ms
        self.groups: dict[Hashable, GroupWindow] = {}
        # One-record groups: key -> time, or (time, partial) when the partial is not the count 1.
        self.singles: dict[Hashable, Any] = {}
        # Eviction order: keys in order of creation; entries no longer current are skipped lazily.
        self._single_order: deque[Hashable] = deque()
        self._window_order: deque[Hashable] = deque()
        self._window_cost = WINDOW_BYTES  # estimated bytes per window, refreshed at each prune
        self._times: dict[int, int] = {}  # one int object per bucket time for the singles (32 bytes each)
        self.alarming: dict[Hashable, GroupWindow] = {}
        self.late_buckets = 0
        # Transitions at event times before this are marked late: their whole window lies behind the
        # watermark (set by RuleSet before each batch).
        self.late_before: int = -(2**63)

    @property
    def group_count(self) -> int:
        return len(self.groups) + len(self.singles)

    def memory_used(self) -> int:
        """The estimated bytes held by this rule's groups (tui.rules.budget)."""
        return len(self.singles) * SINGLE_BYTES + len(self.groups) * self._window_cost

    def apply(self, buckets: Buckets, floor: int | None, out: list[Transition], bulk: bool = True) -> None:
        """Add a batch of buckets; ``floor`` is the oldest time still accepted (max_delay).

        The outcome is always that of taking the buckets one by one in arrival order
        (:meth:`_apply_each`). With ``bulk``, a window whose buckets cannot change its state takes
        them all at once (:meth:`GroupWindow.extend`): the measure is additive, the group is OK, its
        new times are ascending and after its window's end, and even their whole sum cannot reach the
        threshold; a new group with one bucket below the threshold becomes a single. The other groups
        then take their buckets one by one, in arrival order among themselves. That is exact because
        groups only interact through the budget and the order of transitions: the bulk path is taken
        only when no group can be evicted and no bucket is late (so singles are created in the same
        order, and windows, created from the slow buckets, too), and bulk groups emit no transitions.
        """
        runs = buckets.groups
        if not runs:
            return
        groups = self.groups
        singles = self.singles
        threshold = self.spec.threshold
        if (
            not bulk
            or self.spec.measure.is_distinct
            or (floor is not None and min(map(min, runs.values())) < floor)
            or self._may_evict(len(runs.keys() - groups.keys()))
        ):
            self._apply_each(buckets.items(), floor, out, inline=bulk)
            return
        slow: dict[Hashable, dict[int, Any]] = {}
        for key, run in runs.items():
            window = groups.get(key)
            if window is None:
                if key not in singles and len(run) == 1:
                    ((time, partial),) = run.items()
                    if partial < threshold:
                        self._add_single(key, time, partial)
                        continue
                slow[key] = run  # promoted or created in arrival order, as one at a time would
            elif window.state is not OK or not window.extend(run, threshold):
                slow[key] = run
        if not slow:
            return
        if len(slow) == 1 or buckets.order is None:
            items: Iterable = (((key, time), partial) for key, run in slow.items() for time, partial in run.items())
        elif len(slow) == len(runs):
            items = buckets.items()
        else:
            items = (item for item in buckets.items() if item[0][0] in slow)
        self._apply_each(items, floor, out)

    def _may_evict(self, new_groups: int) -> bool:
        """Whether ``new_groups`` more groups could make the rule evict one."""
        if self.max_groups is not None and self.group_count + new_groups > self.max_groups:
            return True
        pool = self.pool
        return pool.used() + new_groups * self._window_cost > pool.limit_bytes

    def _apply_each(
        self, items: Iterable[tuple[tuple[Hashable, int], Any]], floor: int | None, out: list[Transition],
        inline: bool = True,
    ) -> None:
        """Take buckets one at a time, in the order given: the reference semantics. ``inline``
        handles a newer bucket of an additive measure for a group that is not alarming in place
        instead of through GroupWindow's slide() and append() (the same steps); the reference path
        for tests turns it off."""
        threshold = self.spec.threshold
        width = self.spec.window_ms
        additive = inline and not self.spec.measure.is_distinct
        groups = self.groups
        for (key, time), partial in items:
            if floor is not None and time < floor:
                self.late_buckets += 1
                continue
            window = groups.get(key)
            if window is None:
                window = self._window_for(key, time, partial)
                if window is None:
                    continue  # kept as a single
            end = window.end
            if end is not None and time > end and additive and window.state is OK:
                # The common case, inlined (it runs once per bucket): a newer bucket for a group
                # that is not alarming slides the window forward.
                times, parts, acc = window.times, window.parts, cast(SumAccumulator, window.acc)
                times.append(time)
                parts[time] = partial
                value = acc.value + partial
                limit = time - width
                lo = window.lo
                while times[lo] <= limit:
                    value -= parts[times[lo]]
                    lo += 1
                acc.value = value
                window.lo = lo
                window.end = time
                if value >= threshold:
                    self._open(key, window, time, value, out)
            elif end is None or time > end:
                self._append(key, window, time, partial, out)
            elif time == end:
                self._at_end(key, window, time, partial, out)
            else:
                window.insert(time, partial)
                for stretch in window.sweep(time, threshold):
                    self._merge(key, window, stretch, out)

    def _append(self, key: Hashable, window: GroupWindow, time: int, partial: Any, out: list[Transition]) -> None:
        """A bucket newer than the window's end: slide to it, add it, judge the instant ``time``.

        Buckets leaving before ``time`` may close the open episode; those leaving exactly at
        ``time`` leave as this one enters, so the episode closes there only if the measure with
        the new bucket is below the threshold."""
        threshold = self.spec.threshold
        if window.end is None:
            window.end = time
        self._close_if_below(key, window, out)  # the instant ``end`` is complete: time is newer
        crossed = window.slide(time, threshold, inclusive=False)
        if crossed is not None and window.state is ALARM:
            self._close(key, window, crossed[0], crossed[1], out)
        window.append(time, partial)
        # A fall below the threshold exactly at ``time`` is not final yet: more buckets at ``time``
        # may come in the next batch. The episode closes there once a newer time is seen.
        window.slide(time, threshold)
        self._judge_end(key, window, time, out)

    def _close_if_below(self, key: Hashable, window: GroupWindow, out: list[Transition]) -> None:
        """Close an open episode whose measure fell below the threshold at the window's end."""
        if window.state is ALARM and window.end is not None and window.value < self.spec.threshold:
            self._close(key, window, window.end, window.value, out)

    def _at_end(self, key: Hashable, window: GroupWindow, time: int, partial: Any, out: list[Transition]) -> None:
        """A bucket at the window's end: only the measure at the end (and after) rises."""
        window.insert(time, partial)
        self._judge_end(key, window, time, out)

    def _judge_end(self, key: Hashable, window: GroupWindow, time: int, out: list[Transition]) -> None:
        """The measure at the window's end (``time``) rose: keep the open episode's peak, reopen an
        episode that closed exactly here, or open a new one."""
        value = window.value
        episode = window.open_episode
        if episode is not None:
            if value > episode.peak:
                episode.peak = value
        elif value >= self.spec.threshold:
            episodes = window.episodes
            if episodes and episodes[-1].end == time:
                episodes[-1].end = None  # contiguous with the episode that ended here: the same one
                episodes[-1].peak = max(episodes[-1].peak, value)
                window.state = ALARM
                self.alarming[key] = window
            else:
                self._open(key, window, time, value, out)

    def _merge(self, key: Hashable, window: GroupWindow, stretch: Stretch, out: list[Transition]) -> None:
        """A late bucket raised the measure over ``stretch``: extend or join the episodes it touches
        (no new ALARM: it is the same incident), or report a new episode; one whose end is already
        known alarms and clears at once."""
        episodes = window.episodes
        start, end = stretch.start, stretch.end
        touching = [
            index for index, episode in enumerate(episodes)
            if (end is None or episode.start <= end) and (episode.end is None or episode.end >= start)
        ]
        if not touching:
            episode = Episode(start, end, stretch.peak, [start])
            episodes.insert(bisect_left([e.start for e in episodes], start), episode)
            # Found when the watermark has already passed its end: it alarms and clears at once, late.
            late = end is not None or start < self.late_before
            self._emit(key, window, episode, ALARM, start, stretch.value_at_start, start, out, late)
            if end is None:
                window.state = ALARM
                self.alarming[key] = window
            else:
                self._emit(key, window, episode, OK, end, stretch.value_at_end, start, out, late)
                episode.owed = []
            return
        joined = [episodes[index] for index in touching]
        ends = [episode.end for episode in joined] + [end]
        merged = Episode(
            min(start, joined[0].start),
            None if None in ends else max(e for e in ends if e is not None),
            max([stretch.peak] + [episode.peak for episode in joined]),
            [owed for episode in joined for owed in episode.owed],
        )
        episodes[touching[0]:touching[-1] + 1] = [merged]
        if merged.end is None and window.state is OK:
            window.state = ALARM  # a straggler reopened an episode that had cleared: no new ALARM
            self.alarming[key] = window

    def advance(self, watermark: int, out: list[Transition]) -> None:
        """The newest event time seen moved to ``watermark``: alarming groups whose measure fell below
        the threshold by then go back to OK (at the time they crossed)."""
        threshold = self.spec.threshold
        for key, window in list(self.alarming.items()):
            if window.end is not None and window.end < watermark:
                self._close_if_below(key, window, out)
                if window.state is OK:
                    continue
            # Up to the instant before the watermark: buckets at the watermark's own time may
            # still arrive in order, so a fall below the threshold there is not final yet.
            crossed = window.slide(watermark - 1, threshold)
            if crossed is not None:
                self._close(key, window, crossed[0], crossed[1], out)

    def prune(self, watermark: int) -> None:
        """Drop buckets no late record can reach any more, and groups left with nothing."""
        keep_from = watermark - self.spec.window_ms - self.max_delay_ms
        idle = []
        buckets = 0
        for key, window in self.groups.items():
            if window.state == OK:
                window.slide(watermark, self.spec.threshold)
            window.compact(keep_from)
            if window.idle and not window.times:
                idle.append(key)
            buckets += len(window.times)
        for key in idle:
            del self.groups[key]
        gone = [key for key, single in self.singles.items() if _single_time(single) < keep_from]
        for key in gone:
            del self.singles[key]
        self._single_order = deque(self.singles)
        self._times = {}
        self._window_order = deque(self.groups)
        self._window_cost = window_bytes(buckets // max(1, len(self.groups) + len(idle)))

    def live_groups(self, watermark: int | None) -> Iterator[tuple[Hashable, GroupWindow]]:
        """The windows with a record in them, which end within a window of the watermark (the
        others' value is stale or zero)."""
        live_after = None if watermark is None else watermark - self.spec.window_ms
        for key, window in self.groups.items():
            if window.value and (live_after is None or (window.end is not None and window.end > live_after)):
                yield key, window

    def window_end(self, key: Hashable) -> int | None:
        """Where the window a group's value is measured over ends (ms): its newest bucket; for a
        single, its one record's; None for a group not held."""
        if key in self.groups:
            return self.groups[key].end
        single = self.singles.get(key)
        return None if single is None else _single_time(single)

    def live_singles(self, watermark: int | None, count: int) -> list[tuple[Hashable, float]]:
        """Up to ``count`` of the newest singles whose record is inside the window ending at the
        watermark, with their value; looks at no more than a few times ``count`` of them, so a
        flood of singles costs the dashboard nothing."""
        live_after = None if watermark is None else watermark - self.spec.window_ms
        found: list[tuple[Hashable, float]] = []
        for seen, key in enumerate(reversed(self.singles)):
            if len(found) >= count or seen >= 4 * count:
                break
            time, partial = _single_bucket(self.singles[key])
            if live_after is None or time > live_after:
                value = len(partial) if self.spec.measure.is_distinct else partial
                if value:
                    found.append((key, value))
        return found

    def busiest(self, watermark: int | None, count: int) -> list[tuple[Hashable, float, bool]]:
        """The ``count`` live groups with the highest value now, highest first, alarming ones
        included whatever their value: (group, value, alarming). Singles fill the rows the windows
        leave (a single's value is one bucket's, below any busier window's as a rule)."""
        ranked = heapq.nlargest(count, self.live_groups(watermark), key=lambda item: item[1].value)
        shown = {key for key, _ in ranked}
        ranked += [(key, window) for key, window in self.alarming.items() if key not in shown]
        rows = [(key, window.value, window.state is ALARM) for key, window in ranked]
        if len(rows) < count:
            singles = self.live_singles(watermark, count - len(rows))
            rows += [(key, value, False) for key, value in sorted(singles, key=lambda item: -item[1])]
        return rows

    def status(self, watermark: int | None) -> RuleStatus:
        top_key, top_value = None, 0.0
        for key, window in self.live_groups(watermark):
            if window.value > top_value:
                top_key, top_value = key, window.value
        if top_key is None:
            for key, value in self.live_singles(watermark, 1):
                top_key, top_value = key, value
        return RuleStatus(
            self.spec.name, len(self.alarming), top_key, top_value, self.group_count,
            self.evicted_groups, self.late_buckets, self.degraded_since, self.degraded_evicted, self.evicted_by,
        )

    # -- the budget ------------------------------------------------------------------------------

    def _window_for(self, key: Hashable, time: int, partial: Any) -> GroupWindow | None:
        """The window for a key without one: its single promoted (holding the single's bucket), a
        new window, or None when the bucket is kept as a new single (one bucket below the threshold
        changes no episode)."""
        single = self.singles.pop(key, None)
        if single is not None:
            window = self._new_group(key)
            first, first_partial = _single_bucket(single)
            window.end = first
            window.append(first, first_partial)
            return window
        value = len(partial) if self.spec.measure.is_distinct else partial
        if value < self.spec.threshold:
            self._add_single(key, time, partial)
            return None
        return self._new_group(key)

    def _add_single(self, key: Hashable, time: int, partial: Any) -> None:
        self._make_room(SINGLE_BYTES)
        time = self._times.setdefault(time, time)
        self.singles[key] = time if type(partial) is int and partial == 1 else (time, self.spec.measure.copy(partial))
        self._single_order.append(key)

    def _new_group(self, key: Hashable) -> GroupWindow:
        self._make_room(self._window_cost)
        window = GroupWindow(self.spec.measure, self.spec.window_ms)
        self.groups[key] = window
        self._window_order.append(key)
        return window

    def _make_room(self, cost: int) -> None:
        """Evict until a new group of ``cost`` bytes fits the pool and the group cap."""
        if self.max_groups is not None:
            while self.group_count and self.group_count >= self.max_groups:
                self._evict_one()
        pool = self.pool
        if len(pool.members) == 1:
            while self.group_count and self.memory_used() + cost > pool.limit_bytes:
                self._evict_one()
            return
        while pool.used() + cost > pool.limit_bytes:
            victim = cast(RuleState, pool.largest())
            if not victim.group_count:
                return
            victim._evict_one()

    def _evict_one(self) -> None:
        """Forget the oldest single; without one, the oldest window not alarming; else the oldest."""
        singles, order = self.singles, self._single_order
        while order:
            key = order.popleft()
            if key in singles:
                del singles[key]
                self._evicted()
                return
        groups, alarming, order = self.groups, self.alarming, self._window_order
        first_alarming = None
        for _ in range(len(order)):
            key = order.popleft()
            if key not in groups:
                continue
            if key in alarming:
                order.append(key)
                first_alarming = key if first_alarming is None else first_alarming
                continue
            del groups[key]
            self._evicted()
            return
        victim = first_alarming if first_alarming is not None else next(iter(groups))
        alarming.pop(victim, None)
        del groups[victim]
        self._evicted()

    def report_degraded(self, watermark: int | None, out: list[Transition]) -> None:
        """After a batch: a :data:`DEGRADED` transition when a degradation episode began in it; the
        episode ends once nothing evicted could still combine with an acceptable record (the watermark
        a window and ``max_delay`` past the latest eviction)."""
        found = self._degradation(watermark, self.spec.window_ms + self.max_delay_ms)
        if found is not None:
            since, evicted = found
            out.append(Transition(self.index, None, DEGRADED, since, evicted, None, None, since, evicted, False))

    def _open(self, key: Hashable, window: GroupWindow, time: int, value: float, out: list[Transition]) -> None:
        episode = Episode(time, None, value, [time])
        window.episodes.append(episode)
        window.state = ALARM
        self.alarming[key] = window
        self._emit(key, window, episode, ALARM, time, value, time, out)

    def _close(self, key: Hashable, window: GroupWindow, time: int, value: float, out: list[Transition]) -> None:
        """The open episode ends at ``time``: one OK for every ALARM it owes one."""
        episode = window.episodes[-1]
        episode.end = time
        window.state = OK
        del self.alarming[key]
        for start in episode.owed:
            self._emit(key, window, episode, OK, time, value, start, out)
        episode.owed = []

    def _emit(
        self, key: Hashable, window: GroupWindow, episode: Episode, state: str, time: int, value: float,
        episode_start: int, out: list[Transition], late: bool | None = None,
    ) -> None:
        """Report a transition; it is late when its time lies more than a window behind the
        watermark, unless the caller knows better."""
        first, last = window.first_last(episode.start, episode.end)
        out.append(Transition(
            self.index, key, state, time, value, first, last, episode_start, episode.peak,
            time < self.late_before if late is None else late,
        ))


def _single_bucket(single: Any) -> tuple[int, Any]:
    """A single's (time, partial)."""
    return (single, 1) if type(single) is int else single


def _single_time(single: Any) -> int:
    return single if type(single) is int else single[0]


class RuleSet:
    """All rules, sharing one watermark: the newest event time seen across every record.

    The groups of all rules share ``memory_bytes`` (estimated, tui.rules.budget); each rule's are
    also bounded by ``max_groups`` when given."""

    def __init__(
        self, specs: Iterable[RuleSpec], max_groups: int | None = None, max_delay_ms: int = 20 * 60_000,
        bulk: bool = True, memory_bytes: int = DEFAULT_RULE_MEMORY,
    ) -> None:
        pool = MemoryPool(memory_bytes)
        self.rules = [RuleState(i, spec, max_groups, max_delay_ms, pool) for i, spec in enumerate(specs)]
        self.max_delay_ms = max_delay_ms
        self.bulk = bulk  # False: every bucket through the one-at-a-time path (the reference, for tests)
        self.watermark: int | None = None
        self._pruned_at: int | None = None

    def apply(self, per_rule_buckets: list[Buckets], batch_max_time: int | None) -> list[Transition]:
        """Feed one batch's buckets (one Buckets per rule, in rule order) and the batch's newest time."""
        out: list[Transition] = []
        floor = None if self.watermark is None else self.watermark - self.max_delay_ms
        newest = self.watermark if batch_max_time is None else max(batch_max_time, self.watermark or batch_max_time)
        for rule in self.rules:
            if newest is not None:  # on every rule first: a rule may evict another's groups
                rule.late_before = newest - rule.spec.window_ms
                rule.now = newest
        for rule, buckets in zip(self.rules, per_rule_buckets):
            if buckets.groups:
                rule.apply(buckets, floor, out, self.bulk)
        if batch_max_time is not None and (self.watermark is None or batch_max_time > self.watermark):
            self.watermark = batch_max_time
        if self.watermark is not None:
            for rule in self.rules:
                if rule.alarming:
                    rule.advance(self.watermark, out)
            self._maybe_prune()
        for rule in self.rules:
            rule.report_degraded(self.watermark, out)
        return out

    def _maybe_prune(self) -> None:
        watermark = self.watermark
        if watermark is None:
            return
        step = max([rule.spec.window_ms for rule in self.rules] + [60_000])
        if self._pruned_at is None:
            self._pruned_at = watermark
        elif watermark - self._pruned_at >= step:
            self._pruned_at = watermark
            for rule in self.rules:
                rule.prune(watermark)
