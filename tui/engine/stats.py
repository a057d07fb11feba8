"""Rolling dashboard statistics with bounded memory: per-minute series and top-N tables."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from operator import add, itemgetter

from tui.engine.batch import MINUTE_COLUMNS, TOP_DIMENSIONS, BatchResult


class TopKeys:
    """Heaviest keys by weight in bounded memory.

    Counts are exact while fewer than ``2 * capacity`` keys have been seen; beyond that the table is
    cut back to the ``capacity`` heaviest, and ``error`` remembers the largest weight ever cut, which
    bounds how much any key's shown weight can fall short (a key that comes back starts again from
    zero). Batches merge in one pass, so the cost per record is one dict update in the kernel.
    """

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self.weights: dict[str, int] = {}
        self.error = 0

    def merge(self, weights: dict[str, int]) -> None:
        mine = self.weights
        # mine[key] = mine.get(key, 0) + weight for every key, done in C: new keys are copied in (in
        # the batch's order, as the loop would), keys already here get their sums.
        common = list(mine.keys() & weights.keys())
        sums = list(map(add, map(mine.__getitem__, common), map(weights.__getitem__, common)))
        mine.update(weights)
        mine.update(zip(common, sums))
        if len(mine) > 2 * self.capacity:
            kept = heapq.nlargest(self.capacity + 1, mine.items(), key=itemgetter(1))
            self.error = max(self.error, kept[-1][1])
            self.weights = dict(kept[:-1])

    def top(self, n: int) -> list[tuple[str, int]]:
        return heapq.nlargest(n, self.weights.items(), key=itemgetter(1))


@dataclass(frozen=True)
class StatsSnapshot:
    """An immutable view of the statistics for the UI and the summary."""

    first_minute: int | None  # minute index (event time // 60000) of series[0]
    series: tuple[tuple[int, ...], ...]  # per minute, oldest first: MINUTE_COLUMNS then rule matches
    totals: tuple[int, ...]  # same columns, over the whole run
    top_records: dict[str, tuple[tuple[str, int], ...]]
    top_bytes: dict[str, tuple[tuple[str, int], ...]]

    def column(self, name: str) -> list[int]:
        index = MINUTE_COLUMNS.index(name)
        return [row[index] for row in self.series]

    def rule_column(self, rule_index: int) -> list[int]:
        index = len(MINUTE_COLUMNS) + rule_index
        return [row[index] for row in self.series]


class Stats:
    """Merges batch aggregates: a ring of the last ``keep_minutes`` minutes and top-N tables."""

    def __init__(self, rule_count: int, keep_minutes: int = 180, top_capacity: int = 1000) -> None:
        self.width = len(MINUTE_COLUMNS) + rule_count
        self.keep_minutes = keep_minutes
        self.minutes: dict[int, list[int]] = {}
        self.newest_minute: int | None = None
        self.totals = [0] * self.width
        self.too_old_minutes = 0  # rows that arrived for minutes already out of the ring
        self.top_records = {name: TopKeys(top_capacity) for name in TOP_DIMENSIONS}
        self.top_bytes = {name: TopKeys(top_capacity) for name in TOP_DIMENSIONS}

    def merge(self, batch: BatchResult) -> None:
        totals = self.totals
        for minute, row in batch.minutes.items():
            for index, value in enumerate(row):
                totals[index] += value
            self._add_minute(minute, row)
        for name, (records, byte_counts) in batch.top.items():
            self.top_records[name].merge(records)
            self.top_bytes[name].merge(byte_counts)

    def _add_minute(self, minute: int, row: list[int]) -> None:
        newest = self.newest_minute
        if newest is not None and minute <= newest - self.keep_minutes:
            self.too_old_minutes += 1
            return
        mine = self.minutes.get(minute)
        if mine is None:
            self.minutes[minute] = list(row)
        else:
            for index, value in enumerate(row):
                mine[index] += value
        if newest is None or minute > newest:
            self.newest_minute = minute
            cutoff = minute - self.keep_minutes
            for old in [m for m in self.minutes if m <= cutoff]:
                del self.minutes[old]

    def snapshot(self, minutes: int = 60, top_n: int = 10) -> StatsSnapshot:
        newest = self.newest_minute
        first: int | None = None
        series: tuple[tuple[int, ...], ...] = ()
        if newest is not None:
            first = newest - minutes + 1
            empty = (0,) * self.width
            series = tuple(tuple(self.minutes.get(m, empty)) for m in range(first, newest + 1))
        return StatsSnapshot(
            first,
            series,
            tuple(self.totals),
            {name: tuple(keys.top(top_n)) for name, keys in self.top_records.items()},
            {name: tuple(keys.top(top_n)) for name, keys in self.top_bytes.items()},
        )
