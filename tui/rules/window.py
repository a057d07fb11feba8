"""One (rule, group) sliding window over event time, tolerant of out-of-order arrival.

Times are integer milliseconds. A bucket at time ``b`` lies in the window ending at ``e`` when
``e - width < b <= e``: a record exactly ``width`` older than ``e`` is outside.

The window keeps its buckets sorted and a running accumulator for the window that ends at ``end``
(the newest time it has been advanced to). In-order arrivals cost O(1) amortised; a late bucket is
inserted in place, and :meth:`first_reaching` sweeps only the windows that contain it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from tui.rules.measures import Accumulator, Measure

OK = "OK"
ALARM = "ALARM"


class GroupWindow:
    """The buckets of one group of one rule, and that group's alert state."""

    __slots__ = (
        "measure", "width", "times", "parts", "lo", "end", "acc",
        "state", "episode_first", "episode_last",
    )

    def __init__(self, measure: Measure, width: int) -> None:
        self.measure = measure
        self.width = width
        self.times: list[int] = []  # sorted bucket times
        self.parts: dict[int, Any] = {}  # bucket time -> partial measure
        self.lo = 0  # index in ``times`` of the first bucket inside the current window
        self.end: int | None = None  # end of the current window
        self.acc: Accumulator = measure.new_accumulator()
        self.state = OK
        self.episode_first: int | None = None  # ALARM episode: first event time of the alarming window
        self.episode_last: int | None = None  # ALARM episode: newest event time seen since

    @property
    def value(self) -> float:
        """The measure over the window ending at ``end``."""
        return self.acc.value

    def span(self) -> tuple[int | None, int | None]:
        """First and last bucket time inside the current window (None, None when empty)."""
        if self.lo >= len(self.times):
            return None, None
        return self.times[self.lo], self.times[-1]

    def advance(self, end: int, threshold: float) -> tuple[int, float] | None:
        """Move the window's end forward to ``end`` with no new data.

        Returns (time, value) at the moment the value first fell below ``threshold`` while buckets
        slid out (a bucket at ``b`` leaves at ``b + width``), or None if it did not cross downwards.
        """
        if self.end is not None and end <= self.end:
            return None
        self.end = end
        times, parts, acc = self.times, self.parts, self.acc
        limit = end - self.width
        lo = self.lo
        crossed = None
        above = acc.value >= threshold
        while lo < len(times) and times[lo] <= limit:
            acc.remove(parts[times[lo]])
            if above and crossed is None and acc.value < threshold:
                crossed = times[lo] + self.width, acc.value
            lo += 1
        self.lo = lo
        return crossed

    def extend(self, run: dict[int, Any], threshold: float) -> bool:
        """Take a run of new buckets (``{time: partial}``, additive measures only) in one step, when
        that is certain to change nothing but the window: the times ascend, none comes before the
        window's end (the first may equal it: a batch boundary inside one second), and the current
        value plus the whole run stays below ``threshold``. Since partials are never negative, no
        window ending at one of those times can reach it either. The result is exactly that of
        adding them one by one and sliding the window to each; returns False, changing nothing,
        when the run does not qualify.
        """
        new = list(run)
        end = self.end
        if end is not None and new[0] < end:
            return False
        if len(new) > 1 and new != sorted(new):
            return False
        acc = self.acc
        total = sum(run.values())
        if acc.value + total >= threshold:
            return False
        times, parts = self.times, self.parts
        last = new[-1]
        # A first time equal to the end merges with the bucket there (inside the window), if any.
        merged = parts.get(end) if new[0] == end else None
        times.extend(new if merged is None else new[1:])
        parts.update(run)
        if merged is not None:
            parts[end] = merged + run[end]
        lo = self.lo
        cut = bisect_right(times, last - self.width, lo)
        removed = sum(map(parts.__getitem__, times[lo:cut])) if cut > lo else 0
        acc.value = acc.value + total - removed
        self.lo = cut
        self.end = last
        return True

    def insert(self, time: int, partial: Any) -> None:
        """Add a bucket at ``time`` (merging with an existing one) without moving the window's end."""
        times, parts, measure = self.times, self.parts, self.measure
        existing = parts.get(time)
        if existing is None:
            if not times or time > times[-1]:
                times.append(time)
            else:
                times.insert(bisect_left(times, time), time)
                if self.end is not None and time <= self.end - self.width:
                    # Buckets before ``lo`` are exactly those outside the window: an older bucket
                    # lands at or before ``lo`` and must stay outside it.
                    self.lo += 1
            parts[time] = measure.copy(partial)
            delta = partial
        elif measure.is_distinct:
            delta = partial - existing
            existing |= delta
        else:
            delta = partial
            parts[time] = existing + partial
        if self.end is None:
            self.end = time
        if self.end - self.width < time <= self.end:
            self.acc.add(delta)

    def first_reaching(self, since: int, threshold: float) -> tuple[int, float] | None:
        """The earliest window ending at a bucket time in [since, since + width) whose value reaches
        ``threshold``, as (end, value); None if no such window.

        These are the windows a bucket at ``since`` belongs to, so after a late insertion this says
        whether that record completed a burst, wherever the burst ends.
        """
        times, parts, width = self.times, self.parts, self.width
        acc = self.measure.new_accumulator()
        left = bisect_right(times, since - width)
        right = left
        for index in range(bisect_left(times, since), len(times)):
            end = times[index]
            if end >= since + width or (self.end is not None and end > self.end):
                break
            while right <= index:
                acc.add(parts[times[right]])
                right += 1
            while times[left] <= end - width:
                acc.remove(parts[times[left]])
                left += 1
            if acc.value >= threshold:
                return end, acc.value
        return None

    def compact(self, keep_from: int) -> None:
        """Forget buckets older than ``keep_from`` that are already outside the current window."""
        times = self.times
        cut = min(bisect_left(times, keep_from), self.lo)
        if cut:
            for time in times[:cut]:
                del self.parts[time]
            del times[:cut]
            self.lo -= cut

    @property
    def idle(self) -> bool:
        """True when the current window is empty and the group is not alarming."""
        return self.state == OK and self.lo >= len(self.times)
