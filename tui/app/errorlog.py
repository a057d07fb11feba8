"""Every error the dashboard has shown, in full, for the errors screen (``e``).

The status line cuts a long error to fit; this keeps the whole text. Errors come from *feeds*: a
feed takes an engine snapshot and yields ``(where, text)`` pairs for the errors it sees now. The app
runs every feed on each refresh tick; a new feature adds its errors by appending a feed to
:data:`ERROR_FEEDS` (or to one app's ``error_log.feeds``), nothing else. The log is bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

ErrorFeed = Callable[[Any], Iterable[tuple[str, str]]]

MAX_ERRORS = 200


def source_errors(snapshot: Any) -> Iterable[tuple[str, str]]:
    """The followers' current errors (throttling included: it says why the lag grows)."""
    for status in snapshot.sources:
        if status.last_error:
            yield status.log_group, status.last_error


def session_error(snapshot: Any) -> Iterable[tuple[str, str]]:
    """The feeder's fatal error (also shown in the error banner)."""
    if snapshot.error:
        yield snapshot.mode, snapshot.error


def delivery_errors(snapshot: Any) -> Iterable[tuple[str, str]]:
    """The alert delivery's current error (SNS, the journal) and the journal's damaged lines."""
    from tui.sinks.delivery import damaged_journal_line

    delivery = snapshot.delivery
    if delivery is None:
        return
    if delivery.last_error:
        yield "alert delivery", delivery.last_error
    if getattr(delivery, "damaged", 0):
        yield "alert journal", damaged_journal_line(delivery.journal or "?", delivery.damaged)


ERROR_FEEDS: list[ErrorFeed] = [source_errors, session_error, delivery_errors]


@dataclass
class ErrorEntry:
    where: str
    text: str
    first_seen: float
    last_seen: float
    count: int = 1  # ticks it was seen on, in runs: a new run after it cleared counts again
    active: bool = True  # seen on the latest tick


class ErrorLog:
    """Distinct (where, text) errors, newest last, at most :data:`MAX_ERRORS` (the oldest go)."""

    def __init__(self, feeds: Iterable[ErrorFeed] | None = None, limit: int = MAX_ERRORS) -> None:
        self.feeds: list[ErrorFeed] = list(ERROR_FEEDS if feeds is None else feeds)
        self._limit = limit
        self._entries: OrderedDict[tuple[str, str], ErrorEntry] = OrderedDict()

    def update(self, snapshot: Any, now: float) -> None:
        seen = {pair for feed in self.feeds for pair in feed(snapshot)}
        for key, known in self._entries.items():
            if known.active and key not in seen:
                known.active = False
        for key in seen:
            entry = self._entries.get(key)
            if entry is None:
                self._entries[key] = ErrorEntry(key[0], key[1], now, now)
                if len(self._entries) > self._limit:
                    self._entries.popitem(last=False)
                continue
            if not entry.active:
                entry.count += 1
                entry.active = True
            entry.last_seen = now
            self._entries.move_to_end(key)

    @property
    def entries(self) -> list[ErrorEntry]:
        """Oldest first."""
        return list(self._entries.values())

    @property
    def active(self) -> int:
        return sum(entry.active for entry in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
