"""One (rule, group) sliding window over event time and its alarm episodes, whatever the arrival order.

Times are integer milliseconds. A bucket at time ``b`` lies in the window ending at ``e`` when
``e - width < b <= e``: a record exactly ``width`` older than ``e`` is outside, so a bucket enters the
measure at ``b`` and leaves it at ``b + width``. The measure m(t) is therefore a step function, and an
*episode* is a maximal interval ``[start, end)`` of event time on which m(t) >= threshold.

Adding a bucket only raises m, and only on ``[b, b + width)``: episodes grow or merge, never shrink or
split. That is what makes the result independent of arrival order: whatever order the buckets come in,
the episodes are those of the final set of buckets.

The window keeps its buckets sorted and a running accumulator for the window ending at ``end`` (the
newest time it has been moved to). Up to ``end`` the episodes are explicit; past it, m can only fall
(buckets leave, none is known to enter), so the open episode, if m(end) >= threshold, ends where the
window is next slid below the threshold. In-order arrivals cost O(1) amortised; a late bucket costs
one sweep over the buckets within a window of it (:meth:`GroupWindow.sweep`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any, NamedTuple, cast

from tui.rules.measures import Accumulator, Measure, SumAccumulator

OK = "OK"
ALARM = "ALARM"


class Episode:
    """A stretch ``[start, end)`` of event time with the measure at or above the threshold.

    ``end`` is None while the episode is open (the measure is still at or above the threshold at the
    window's end). ``owed`` holds the starts of the ALARMs sent for it whose OK is still owed: one,
    usually; more when a late record bridged two episodes that had each alarmed.
    """

    __slots__ = ("start", "end", "peak", "owed")

    def __init__(self, start: int, end: int | None, peak: float, owed: list[int]) -> None:
        self.start = start
        self.end = end
        self.peak = peak
        self.owed = owed

    def __repr__(self) -> str:
        return f"Episode({self.start}, {self.end}, peak={self.peak}, owed={self.owed})"


class Stretch(NamedTuple):
    """What a sweep found: an interval at or above the threshold (``end`` None: it reaches the
    window's end), the measure where it starts and where it ends, and its highest value."""

    start: int
    end: int | None
    value_at_start: float
    value_at_end: float
    peak: float


class GroupWindow:
    """The buckets of one group of one rule, its running window and its episodes."""

    __slots__ = ("measure", "width", "times", "parts", "lo", "end", "acc", "state", "episodes")

    def __init__(self, measure: Measure, width: int) -> None:
        self.measure = measure
        self.width = width
        self.times: list[int] = []  # sorted bucket times
        self.parts: dict[int, Any] = {}  # bucket time -> partial measure
        self.lo = 0  # index in ``times`` of the first bucket inside the current window
        self.end: int | None = None  # end of the current window
        self.acc: Accumulator = measure.new_accumulator()
        self.state = OK  # ALARM exactly when the last episode is open
        self.episodes: list[Episode] = []  # sorted, disjoint, not touching; only the last may be open

    @property
    def value(self) -> float:
        """The measure over the window ending at ``end``."""
        return self.acc.value

    @property
    def open_episode(self) -> Episode | None:
        episodes = self.episodes
        return episodes[-1] if episodes and episodes[-1].end is None else None

    def span(self) -> tuple[int | None, int | None]:
        """First and last bucket time inside the current window (None, None when empty)."""
        if self.lo >= len(self.times):
            return None, None
        return self.times[self.lo], self.times[-1]

    def first_last(self, start: int, end: int | None) -> tuple[int | None, int | None]:
        """The oldest and newest bucket times counted by the windows of ``[start, end)``."""
        times = self.times
        first_index = bisect_right(times, start - self.width)
        last_index = len(times) if end is None else bisect_left(times, end)
        if first_index >= last_index:
            return None, None
        return times[first_index], times[last_index - 1]

    # -- moving the window's end forward ---------------------------------------------------------

    def slide(self, to: int, threshold: float, inclusive: bool = True) -> tuple[int, float] | None:
        """Move the window's end forward to ``to`` with no new data: buckets at ``b`` leave at
        ``b + width``; with ``inclusive`` False those leaving exactly at ``to`` stay (the caller
        adds a bucket at ``to`` and judges that instant itself). Returns (time, value) where the
        measure first fell below ``threshold`` if it was at or above it, else None."""
        if self.end is not None and to < self.end:
            return None
        self.end = to
        times, parts, acc, width = self.times, self.parts, self.acc, self.width
        limit = to - width if inclusive else to - width - 1
        lo, count = self.lo, len(times)
        crossed = None
        above = acc.value >= threshold
        while lo < count and times[lo] <= limit:
            acc.remove(parts[times[lo]])
            if above and crossed is None and acc.value < threshold:
                crossed = times[lo] + width, acc.value
            lo += 1
        self.lo = lo
        return crossed

    def append(self, time: int, partial: Any) -> None:
        """Add a bucket newer than every other one at the window's end (``slide(time)`` first)."""
        self.times.append(time)
        self.parts[time] = self.measure.copy(partial)
        self.acc.add(partial)

    def extend(self, run: dict[int, Any], threshold: float) -> bool:
        """Take a run of new buckets (``{time: partial}``, additive measures only) in one step, when
        that is certain to change nothing but the window: the times ascend, none comes before the
        window's end (the first may equal it: a batch boundary inside one second), and the current
        value plus the whole run stays below ``threshold``. Since partials are never negative, no
        window ending at one of those times can reach it either, so no episode is touched. The result
        is exactly that of adding them one by one; returns False, changing nothing, when the run
        does not qualify.
        """
        new = list(run)
        end = self.end
        if end is not None and new[0] < end:
            return False
        if len(new) > 1 and new != sorted(new):
            return False
        acc = cast(SumAccumulator, self.acc)  # the caller takes this path for additive measures only
        total = sum(run.values())
        if acc.value + total >= threshold:
            return False
        times, parts = self.times, self.parts
        last = new[-1]
        # A first time equal to the end merges with the bucket there (inside the window), if any.
        merged = parts.get(end) if end is not None and new[0] == end else None
        times.extend(new if merged is None else new[1:])
        parts.update(run)
        if merged is not None and end is not None:
            parts[end] = merged + run[end]
        lo = self.lo
        cut = bisect_right(times, last - self.width, lo)
        removed = sum(map(parts.__getitem__, times[lo:cut])) if cut > lo else 0
        acc.value = acc.value + total - removed
        self.lo = cut
        self.end = last
        return True

    # -- a bucket at or before the window's end --------------------------------------------------

    def insert(self, time: int, partial: Any) -> None:
        """Add a bucket at ``time <= end`` (merging with an existing one) without moving the end."""
        times, parts, measure = self.times, self.parts, self.measure
        end = self.end
        existing = parts.get(time)
        if existing is None:
            times.insert(bisect_left(times, time), time)
            if end is not None and time <= end - self.width:
                # Buckets before ``lo`` are exactly those outside the window: an older bucket lands
                # at or before ``lo`` and must stay outside it.
                self.lo += 1
            parts[time] = measure.copy(partial)
            delta = partial
        elif measure.is_distinct:
            delta = partial - existing
            existing |= delta
        else:
            delta = partial
            parts[time] = existing + partial
        if end is None:
            self.end = end = time
        if end - self.width < time <= end:
            self.acc.add(delta)

    def sweep(self, since: int, threshold: float) -> list[Stretch]:
        """The stretches at or above ``threshold`` among the windows ending in ``[since, stop]``,
        ``stop`` being ``since + width`` or the window's end, whichever comes first: after a bucket
        was inserted at ``since``, the only windows whose measure it changed.

        A stretch still at or above the threshold at ``stop`` ends there (it touches the episode that
        holds ``stop``, which the bucket did not change) unless ``stop`` is the window's end before
        ``since + width``: then it is open (``end`` None).
        """
        times, parts, width = self.times, self.parts, self.width
        assert self.end is not None
        open_ended = since + width > self.end
        stop = self.end if open_ended else since + width
        leave = bisect_right(times, since - width)  # next bucket to leave the window
        enter = bisect_right(times, since)  # next bucket to enter it
        last = bisect_right(times, stop)  # buckets from here on enter after ``stop``
        # No window ending in [since, stop] holds more than every bucket of (since - width, stop]: when
        # even that is below the threshold (most groups, most of the time) there is nothing to find.
        # Computed at C speed, it spares the walk below.
        spanned = map(parts.__getitem__, times[leave:last])
        if self.measure.is_distinct:
            if len(set().union(*spanned)) < threshold:
                return []
            acc = self.measure.new_accumulator()
            for time in times[leave:enter]:
                acc.add(parts[time])
        elif sum(spanned) < threshold:
            return []
        else:
            acc = SumAccumulator()
            acc.value = sum(map(parts.__getitem__, times[leave:enter]))
        found: list[Stretch] = []
        start = None
        start_value = peak = 0.0
        at = since
        while True:
            value = acc.value
            if value >= threshold:
                if start is None:
                    start, start_value, peak = at, value, value
                elif value > peak:
                    peak = value
            elif start is not None:
                found.append(Stretch(start, at, start_value, value, peak))
                start = None
            # The next instant the measure changes: a bucket entering or one leaving.
            following = times[enter] if enter < last else stop + 1
            if leave < enter and times[leave] + width < following:
                following = times[leave] + width
            if following > stop:
                break
            at = following
            while enter < last and times[enter] == at:
                acc.add(parts[times[enter]])
                enter += 1
            while leave < enter and times[leave] + width == at:
                acc.remove(parts[times[leave]])
                leave += 1
        if start is not None:
            found.append(Stretch(start, None if open_ended else stop, start_value, acc.value, peak))
        return found

    def compact(self, keep_from: int) -> None:
        """Forget buckets older than ``keep_from`` that are already outside the current window, and
        the closed episodes that ended before it (no record late enough to reach them is accepted)."""
        times = self.times
        cut = min(bisect_left(times, keep_from), self.lo)
        if cut:
            for time in times[:cut]:
                del self.parts[time]
            del times[:cut]
            self.lo -= cut
        episodes = self.episodes
        gone = 0
        while gone < len(episodes):
            end = episodes[gone].end
            if end is None or end >= keep_from:
                break
            gone += 1
        if gone:
            del episodes[:gone]

    @property
    def idle(self) -> bool:
        """True when the current window is empty and the group is not alarming."""
        return self.state == OK and self.lo >= len(self.times)
