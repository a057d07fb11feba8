"""Every rule's groups, windows and OK/ALARM state; fed with per-batch buckets by the engine.

The engine hands each rule a batch of *buckets* (tui.engine.batch.Buckets): per (group_key, time_ms), in
arrival order, a partial aggregating the batch's matching records of that group at that event time.
Transitions are those of evaluating bucket by bucket, so the semantics are those of per-record
evaluation with records of equal (group, time) in one batch arriving together; groups whose buckets
cannot change their state take them in one step.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, NamedTuple

from tui.engine.batch import Buckets
from tui.rules.measures import Measure
from tui.rules.window import ALARM, OK, GroupWindow


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


class RuleState:
    """The groups of one rule."""

    def __init__(self, index: int, spec: RuleSpec, max_groups: int, max_delay_ms: int) -> None:
        self.index = index
        self.spec = spec
        self.max_groups = max_groups
        self.max_delay_ms = max_delay_ms
        self.groups: dict[Hashable, GroupWindow] = {}
        self.alarming: dict[Hashable, GroupWindow] = {}
        self.evicted_groups = 0
        self.late_buckets = 0

    def apply(self, buckets: Buckets, floor: int | None, out: list[Transition], bulk: bool = True) -> None:
        """Add a batch of buckets; ``floor`` is the oldest time still accepted (max_delay).

        The outcome is always that of taking the buckets one by one in arrival order
        (:meth:`_apply_each`). With ``bulk``, a group whose buckets cannot change its state takes them
        all at once (:meth:`GroupWindow.extend`): the measure is additive, the group is OK, its new
        times are ascending and after its window's end, and even their whole sum cannot reach the
        threshold. The other groups then take their buckets one by one, in arrival order among
        themselves. That is exact because groups only interact through the group cap and the order of
        transitions: the bulk path is taken only when no group can be evicted and no bucket is late
        (so groups are created in the same order), and bulk groups emit no transitions.
        """
        runs = buckets.groups
        if not runs:
            return
        groups = self.groups
        threshold = self.spec.threshold
        if (
            not bulk
            or self.spec.measure.is_distinct
            or (floor is not None and min(map(min, runs.values())) < floor)
            or len(groups) + len(runs.keys() - groups.keys()) > self.max_groups
        ):
            self._apply_each(buckets.items(), floor, out, inline=bulk)
            return
        slow: dict[Hashable, dict[int, Any]] = {}
        for key, run in runs.items():
            window = groups.get(key)
            if window is None:
                window = groups[key] = GroupWindow(self.spec.measure, self.spec.window_ms)
            if window.state is not OK or not window.extend(run, threshold):
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

    def _apply_each(
        self, items: Iterable[tuple[tuple[Hashable, int], Any]], floor: int | None, out: list[Transition],
        inline: bool = True,
    ) -> None:
        """Take buckets one at a time, in the order given: the reference semantics. ``inline``
        handles a newer bucket of an additive measure in place instead of through GroupWindow's
        advance() and insert() (the same steps); the reference path for tests turns it off."""
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
                window = self._new_group(key)
            end = window.end
            if additive and window.state is OK and end is not None and time > end:
                # The common case, inlined (it runs once per bucket): a newer bucket for a group
                # that is not alarming slides the window forward.
                times, parts, acc = window.times, window.parts, window.acc
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
                    self._to_alarm(key, window, time, value, out)
                continue
            if additive and end is not None and time > end:
                # The same for an alarming group: advance(time), which may cross back below the
                # threshold (OK at the time it crossed), then insert(time, partial).
                times, parts, acc = window.times, window.parts, window.acc
                value = acc.value
                above = value >= threshold
                crossed = None
                limit = time - width
                lo, count = window.lo, len(times)
                while lo < count and times[lo] <= limit:
                    value -= parts[times[lo]]
                    if above and crossed is None and value < threshold:
                        crossed = times[lo] + width, value
                    lo += 1
                window.lo = lo
                window.end = time
                acc.value = value
                if crossed is not None:
                    self._to_ok(key, window, *crossed, out)
                times.append(time)
                parts[time] = partial
                value += partial
                acc.value = value
                if window.state is ALARM:
                    window.episode_last = max(window.episode_last or time, time)
                elif value >= threshold:
                    self._to_alarm(key, window, time, value, out)
                continue
            if end is None or time >= end:
                crossed = window.advance(time, threshold)
                if crossed is not None and window.state == ALARM:
                    self._to_ok(key, window, *crossed, out)
                window.insert(time, partial)
                if window.state == ALARM:
                    window.episode_last = max(window.episode_last or time, time)
                elif window.value >= threshold:
                    self._to_alarm(key, window, time, window.value, out)
            else:
                window.insert(time, partial)
                if window.state == ALARM:
                    window.episode_last = max(window.episode_last or time, time)
                else:
                    reached = window.first_reaching(time, threshold)
                    if reached is not None:
                        self._to_alarm(key, window, reached[0], reached[1], out)

    def advance(self, watermark: int, out: list[Transition]) -> None:
        """The newest event time seen moved to ``watermark``: alarming groups whose measure fell below
        the threshold by then go back to OK (at the time they crossed)."""
        threshold = self.spec.threshold
        for key, window in list(self.alarming.items()):
            crossed = window.advance(watermark, threshold)
            if crossed is not None:
                self._to_ok(key, window, *crossed, out)

    def prune(self, watermark: int) -> None:
        """Drop buckets no late record can reach any more, and groups left with nothing."""
        keep_from = watermark - self.spec.window_ms - self.max_delay_ms
        idle = []
        for key, window in self.groups.items():
            if window.state == OK:
                window.advance(watermark, self.spec.threshold)
            window.compact(keep_from)
            if window.idle and not window.times:
                idle.append(key)
        for key in idle:
            del self.groups[key]

    def status(self, watermark: int | None) -> RuleStatus:
        top_key, top_value = None, 0.0
        live_after = None if watermark is None else watermark - self.spec.window_ms
        for key, window in self.groups.items():
            if live_after is not None and (window.end is None or window.end <= live_after):
                continue
            if window.value > top_value:
                top_key, top_value = key, window.value
        return RuleStatus(
            self.spec.name, len(self.alarming), top_key, top_value, len(self.groups),
            self.evicted_groups, self.late_buckets,
        )

    def _new_group(self, key: Hashable) -> GroupWindow:
        groups = self.groups
        if len(groups) >= self.max_groups:
            self._evict_one()
        window = GroupWindow(self.spec.measure, self.spec.window_ms)
        groups[key] = window
        return window

    def _evict_one(self) -> None:
        """Forget the oldest group, preferring one that is not alarming."""
        groups = self.groups
        victim = next((key for key in groups if key not in self.alarming), None)
        if victim is None:
            victim = next(iter(groups))
            del self.alarming[victim]
        del groups[victim]
        self.evicted_groups += 1

    def _to_alarm(self, key: Hashable, window: GroupWindow, end: int, value: float, out: list[Transition]) -> None:
        times = window.times
        first = times[bisect_right(times, end - self.spec.window_ms)]
        last = times[bisect_left(times, end + 1) - 1]
        window.state = ALARM
        window.episode_first, window.episode_last = first, times[-1]
        self.alarming[key] = window
        out.append(Transition(self.index, key, ALARM, end, value, first, last))

    def _to_ok(self, key: Hashable, window: GroupWindow, time: int, value: float, out: list[Transition]) -> None:
        window.state = OK
        del self.alarming[key]
        out.append(Transition(self.index, key, OK, time, value, window.episode_first, window.episode_last))
        window.episode_first = window.episode_last = None


class RuleSet:
    """All rules, sharing one watermark: the newest event time seen across every record."""

    def __init__(
        self, specs: Iterable[RuleSpec], max_groups: int = 10_000, max_delay_ms: int = 20 * 60_000, bulk: bool = True
    ) -> None:
        self.rules = [RuleState(i, spec, max_groups, max_delay_ms) for i, spec in enumerate(specs)]
        self.max_delay_ms = max_delay_ms
        self.bulk = bulk  # False: every bucket through the one-at-a-time path (the reference, for tests)
        self.watermark: int | None = None
        self._pruned_at: int | None = None

    def apply(self, per_rule_buckets: list[Buckets], batch_max_time: int | None) -> list[Transition]:
        """Feed one batch's buckets (one Buckets per rule, in rule order) and the batch's newest time."""
        out: list[Transition] = []
        floor = None if self.watermark is None else self.watermark - self.max_delay_ms
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
        return out

    def _maybe_prune(self) -> None:
        watermark = self.watermark
        step = max([rule.spec.window_ms for rule in self.rules] + [60_000])
        if self._pruned_at is None:
            self._pruned_at = watermark
        elif watermark - self._pruned_at >= step:
            self._pruned_at = watermark
            for rule in self.rules:
                rule.prune(watermark)
