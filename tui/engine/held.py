"""The records the session holds: every recent line, by batch, for the rules' windows and the follow
window, so the evidence behind an alarm and the flows filter can look further back than the flows
table's few hundred rows.

Batches are kept as they arrive (the engine already has their lines), each with its layout, its
event times when the source gave them, and its newest event time. Two bounds drop the oldest
batches: age (every record of a batch older than ``keep_ms`` before the newest time seen) and a cap
on the number of records (the oldest batch is cut to fit). Whatever is dropped, the store knows a
time after which it is complete: every record newer than the newest time of any dropped batch is
still held, so a search can say how far back it saw ("last 20 min held").

A search never holds the session's lock: it takes :meth:`HeldRecords.chunks` (a tuple of immutable
batches) under the lock and scans them afterwards, in the caller's thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

from tui.engine.kernel import start_ms
from tui.flowlog import FlowFormat

# A record's test: (its fields as str.split gives them, the line, its event time in ms or None).
RecordTest = Callable[[list[str], str, "int | None"], bool]
# A test made for one layout (batches of a replay may have different layouts).
TestFactory = Callable[[FlowFormat], RecordTest]


@dataclass(frozen=True)
class HeldChunk:
    """One batch as it was ingested: lines in arrival order, and their event times when the source
    gave them (None: each record's ``start`` is its time)."""

    lines: tuple[str, ...]
    times: tuple[int, ...] | None
    fmt: FlowFormat
    t_max: int | None  # the newest event time of the batch (ms), None when it had no record

    def time_of(self, index: int, fields: list[str]) -> int | None:
        """The event time of line ``index`` (split into ``fields``): the source's, else its ``start``
        when it is a record of this layout."""
        if self.times is not None:
            return self.times[index]
        fmt = self.fmt
        if len(fields) != fmt.nfields or not fmt.has("start"):
            return None
        return start_ms(fields[fmt.index("start")])


@dataclass(frozen=True)
class HeldStatus:
    """How much the store holds: ``complete_since_ms`` is None when nothing was ever dropped (every
    record since the start is held), else the time after which every record is held; ``capped``
    says the record cap (not only age) dropped some."""

    records: int
    cap: int
    keep_ms: int
    newest_ms: int | None
    complete_since_ms: int | None
    capped: bool

    @property
    def span_ms(self) -> int | None:
        """How far back, from the newest time seen, the store is complete (None: since the start)."""
        if self.complete_since_ms is None or self.newest_ms is None:
            return None
        return max(0, self.newest_ms - self.complete_since_ms)


@dataclass(frozen=True)
class Found:
    """A search's result: the newest matching lines (by arrival, newest first, at most ``limit``),
    with their layout; how many matched in all; and what the store held when it was searched.
    ``cancelled``: the search stopped early, ``total`` counts what it had seen."""

    lines: tuple[tuple[str, FlowFormat], ...]
    total: int
    limit: int
    held: HeldStatus
    cancelled: bool = False

    @property
    def capped(self) -> bool:
        return self.total > len(self.lines)


class HeldRecords:
    """A bounded, time-indexed store of the newest records (see the module docstring)."""

    def __init__(self, cap: int, keep_ms: int = 0) -> None:
        self.cap = max(0, cap)
        self.keep_ms = max(0, keep_ms)
        self._chunks: deque[HeldChunk] = deque()
        self.records = 0
        self.newest_ms: int | None = None
        self.complete_since_ms: int | None = None  # the newest time of any record dropped
        self.capped = False

    def add(self, lines: Sequence[str], times: Sequence[int] | None, fmt: FlowFormat, t_max: int | None) -> None:
        """Hold a batch (its lines are copied: the caller may reuse its list), then drop what is
        older than ``keep_ms`` before the newest time, and the oldest records over the cap."""
        if not self.cap or not lines:
            return
        if len(lines) > self.cap:  # a batch larger than the cap: its oldest lines are never held
            self.capped = True
            self._dropped_until(t_max)
        lines = tuple(lines[-self.cap:])
        if times is not None:
            times = tuple(times[-len(lines):])
        self._chunks.append(HeldChunk(lines, times, fmt, t_max))
        self.records += len(lines)
        if t_max is not None and (self.newest_ms is None or t_max > self.newest_ms):
            self.newest_ms = t_max
        self._expire()

    def _expire(self) -> None:
        if self.keep_ms and self.newest_ms is not None:
            oldest_kept = self.newest_ms - self.keep_ms
            while self._chunks and self._chunks[0].t_max is not None and self._chunks[0].t_max < oldest_kept:
                self._drop(self._chunks.popleft())
        while self.records > self.cap:
            head = self._chunks[0]
            excess = self.records - self.cap
            self.capped = True
            if excess >= len(head.lines):
                self._drop(self._chunks.popleft())
                continue
            # cut the oldest lines of the oldest batch: what is left of it may still be older
            self._chunks[0] = HeldChunk(
                head.lines[excess:], None if head.times is None else head.times[excess:], head.fmt, head.t_max
            )
            self.records -= excess
            self._dropped_until(head.t_max)

    def _drop(self, chunk: HeldChunk) -> None:
        self.records -= len(chunk.lines)
        self._dropped_until(chunk.t_max)

    def _dropped_until(self, t_max: int | None) -> None:
        if t_max is not None and (self.complete_since_ms is None or t_max > self.complete_since_ms):
            self.complete_since_ms = t_max

    def clear(self) -> None:
        while self._chunks:
            self._drop(self._chunks.popleft())

    def chunks(self) -> tuple[HeldChunk, ...]:
        """The held batches, oldest first: immutable, safe to scan without the session's lock."""
        return tuple(self._chunks)

    def status(self) -> HeldStatus:
        return HeldStatus(self.records, self.cap, self.keep_ms, self.newest_ms, self.complete_since_ms, self.capped)


def search(
    chunks: Sequence[HeldChunk],
    held: HeldStatus,
    test_for: TestFactory,
    limit: int,
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Found:
    """Every held line that passes ``test_for(layout)`` with an event time in (``since_ms``,
    ``until_ms``] (either bound None: open, and then lines without a time are searched too), newest
    arrival first; the newest ``limit`` are kept, all are counted. Blank lines are skipped.
    ``cancelled`` is polled between batches."""
    kept: list[tuple[str, FlowFormat]] = []
    total = 0
    tests: dict[FlowFormat, RecordTest] = {}
    timed = since_ms is not None or until_ms is not None
    for chunk in reversed(chunks):
        if cancelled():
            return Found(tuple(kept), total, limit, held, cancelled=True)
        if since_ms is not None and chunk.t_max is not None and chunk.t_max <= since_ms:
            continue  # every record of this batch is too old
        fmt = chunk.fmt
        test = tests.get(fmt)
        if test is None:
            test = tests[fmt] = test_for(fmt)
        for index in range(len(chunk.lines) - 1, -1, -1):
            line = chunk.lines[index]
            fields = line.split()
            if not fields:
                continue
            time = chunk.time_of(index, fields)
            if timed and (
                time is None
                or (since_ms is not None and time <= since_ms)
                or (until_ms is not None and time > until_ms)
            ):
                continue
            if test(fields, line, time):
                total += 1
                if len(kept) < limit:
                    kept.append((line, fmt))
    return Found(tuple(kept), total, limit, held)
