"""Who the top-N panel's addresses and ENIs are, remembered in the UI: the answers of
``app.history.about`` (ENI context, which asks EC2 and blocks), bounded and kept a while, so a panel
that re-renders every few seconds asks each key once, from a thread worker, never on the UI thread."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Iterable

from tui.history.model import Subject

CAPACITY = 512  # subjects remembered, the least recently shown forgotten first
TTL_S = 600.0  # an answer (or "unknown") is asked again after this long


class AboutCache:
    """Subject -> its one-line context (None: EC2 does not know it), with the subjects being asked.

    Thread-safe: the worker stores answers while the UI thread reads them."""

    def __init__(self, capacity: int = CAPACITY, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic):
        self._capacity = capacity
        self._ttl_s = ttl_s
        self._clock = clock
        self._known: OrderedDict[Subject, tuple[float, str | None]] = OrderedDict()  # -> (when asked, answer)
        self._asking: set[Subject] = set()
        self._lock = threading.Lock()

    def known(self, subject: Subject) -> str | None:
        """The context of ``subject`` when it has been looked up (even if since expired), else None."""
        with self._lock:
            entry = self._known.get(subject)
            if entry is None:
                return None
            self._known.move_to_end(subject)
            return entry[1]

    def claim(self, subjects: Iterable[Subject]) -> list[Subject]:
        """The subjects of ``subjects`` to look up now (never asked, or expired; not being asked),
        marked as being asked until :meth:`store` or :meth:`release`."""
        now = self._clock()
        with self._lock:
            chosen = []
            for subject in dict.fromkeys(subjects):
                entry = self._known.get(subject)
                if subject in self._asking or (entry is not None and now - entry[0] < self._ttl_s):
                    continue
                self._asking.add(subject)
                chosen.append(subject)
            return chosen

    def store(self, subject: Subject, about: str | None) -> None:
        with self._lock:
            self._asking.discard(subject)
            self._known[subject] = (self._clock(), about)
            self._known.move_to_end(subject)
            while len(self._known) > self._capacity:
                self._known.popitem(last=False)

    def release(self, subjects: Iterable[Subject]) -> None:
        """Forget that ``subjects`` are being asked (the lookup was cancelled): the next show asks."""
        with self._lock:
            self._asking.difference_update(subjects)
