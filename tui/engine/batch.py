"""What the per-batch kernel hands to the engine: compact, picklable aggregates of one batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterable, Iterator

# Columns of a per-minute row; the rules' match counts follow, one column per rule.
MINUTE_COLUMNS = ("records", "accept", "reject", "bytes", "packets", "nodata", "skipdata")
RECORDS, ACCEPT, REJECT, BYTES, PACKETS, NODATA, SKIPDATA = range(len(MINUTE_COLUMNS))

# Dimensions of the top-N tables, by flow-log field name.
TOP_DIMENSIONS = ("srcaddr", "dstaddr", "dstport", "protocol", "interface-id")


class Buckets:
    """One rule's buckets of one batch: the partial measure of its matching records per (group, event
    time), grouped by group so the rules can take a group's whole run at once.

    ``groups`` maps each group key to ``{time ms: partial}``; groups are in the order of their first
    record, and each group's times in the order of their first record. ``order`` says how the groups'
    buckets interleave: for every bucket in arrival order, the ``groups`` value (the very dict object)
    it belongs to. It is None when there is at most one group, since the order is then the group's
    own. Pickling keeps the shared dict objects shared, so ``order`` costs a few bytes a bucket.
    """

    __slots__ = ("groups", "order")

    def __init__(
        self, groups: dict[Hashable, dict[int, Any]] | None = None, order: list[dict[int, Any]] | None = None
    ) -> None:
        self.groups = {} if groups is None else groups
        self.order = order

    def __reduce__(self) -> tuple:
        return Buckets, (self.groups, self.order)

    def __eq__(self, other: object) -> bool:
        """Equal when the same buckets arrived in the same order."""
        if not isinstance(other, Buckets):
            return NotImplemented
        return list(self.items()) == list(other.items())

    def __repr__(self) -> str:
        return f"Buckets({dict(self.items())!r})"

    def items(self) -> Iterator[tuple[tuple[Hashable, int], Any]]:
        """``((group, time), partial)`` in arrival order: the order of each bucket's first record."""
        if self.order is None or len(self.groups) <= 1:
            for key, run in self.groups.items():
                for time, partial in run.items():
                    yield (key, time), partial
            return
        owners = {id(run): (key, iter(run.items())) for key, run in self.groups.items()}
        for run in self.order:
            key, times = owners[id(run)]
            time, partial = next(times)
            yield (key, time), partial

    def mapped(self, convert: Callable[[Any], Any]) -> Buckets:
        """The same buckets, in the same order, with every partial converted."""
        runs = {id(run): {time: convert(partial) for time, partial in run.items()} for run in self.groups.values()}
        groups = {key: runs[id(run)] for key, run in self.groups.items()}
        return Buckets(groups, None if self.order is None else [runs[id(run)] for run in self.order])

    @classmethod
    def from_items(cls, items: Iterable[tuple[tuple[Hashable, int], Any]]) -> Buckets:
        """Buckets from ``((group, time), partial)`` pairs in arrival order, each (group, time) once."""
        groups: dict[Hashable, dict[int, Any]] = {}
        order: list[dict[int, Any]] = []
        for (key, time), partial in items:
            run = groups.get(key)
            if run is None:
                run = groups[key] = {}
            if time in run:
                raise ValueError(f"bucket {(key, time)!r} given twice")
            run[time] = partial
            order.append(run)
        return cls(groups, order if len(groups) > 1 else None)

    def __len__(self) -> int:
        """The number of buckets."""
        return sum(map(len, self.groups.values()))

    def __bool__(self) -> bool:
        return bool(self.groups)


@dataclass
class BatchResult:
    """The aggregates of one batch of lines (a file chunk or a FilterLogEvents page)."""

    lines: int = 0
    records: int = 0
    malformed: int = 0
    malformed_samples: list[str] = field(default_factory=list)
    t_min: int | None = None  # event times, ms
    t_max: int | None = None
    # minute (event time // 60000) -> [MINUTE_COLUMNS..., matches of rule 0, rule 1, ...]
    minutes: dict[int, list[int]] = field(default_factory=dict)
    # per TOP_DIMENSIONS entry present in the format: (records by key, bytes by key)
    top: dict[str, tuple[dict[str, int], dict[str, int]]] = field(default_factory=dict)
    # per rule: its buckets, see Buckets
    buckets: list[Buckets] = field(default_factory=list)
    # When the records' event times never decrease in line order: where each run of equal times
    # starts, as three lists (line index, time, and offset of the line in the lines joined by
    # newlines); lets the engine find an alarm's sample lines by bisection. None when times go
    # backwards or there are too many runs to be worth shipping.
    time_runs: tuple[list[int], list[int], list[int]] | None = None
    # S3 header lines of the batch's own layout, skipped (neither records nor malformed).
    headers: int = 0
    # A header line of another layout ended the batch: its layout (a FlowFormat), and ``lines``
    # counts the lines up to and including it; the rest of the lines follow that layout.
    next_format: Any = None
